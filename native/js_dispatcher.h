// A JS function that LibTorch's autograd engine calls from a hook it keeps: tensor hooks
// (native/tensor_hooks.cc) and grad_fn hooks (native/autograd_graph.cc). Each keeps one such
// dispatcher, which runs the JS hooks of its tensor or node from a JS Map.
#pragma once
#include <napi.h>

#include <memory>

#include "common.h"
#include "js_link.h"

namespace torchnode {

// A strong reference to a JS dispatcher, released (on the JS thread) when the hook goes.
struct JsDispatcher {
  JsDispatcher(std::shared_ptr<JsLink> l, napi_ref f) : link(std::move(l)), fn(f) {}
  ~JsDispatcher() { link->release(fn); }
  JsDispatcher(const JsDispatcher&) = delete;
  JsDispatcher& operator=(const JsDispatcher&) = delete;

  // On the JS thread (link->enter checked it).
  Napi::Function function(Napi::Env env) const {
    napi_value f;
    NAPI_THROW_IF_FAILED(env, napi_get_reference_value(env, fn, &f), Napi::Function());
    return Napi::Function(env, f);
  }

  // Calls the dispatcher with the tensor's handle. A JS exception in a hook travels through the
  // engine as a Napi::Error to the caller of backward.
  Napi::Value call(Napi::Env env, const at::Tensor& t) const { return function(env).Call({handleValue(env, t)}); }

  std::shared_ptr<JsLink> link;
  napi_ref fn;
};

// The environment's link, which the registering functions hold as their data; references queued
// by other threads are freed first.
inline std::shared_ptr<JsLink> linkOf(const Napi::CallbackInfo& info) {
  auto link = *static_cast<std::shared_ptr<JsLink>*>(info.Data());
  link->drain();
  return link;
}

// A strong reference to the JS dispatcher info[i]; the hook object that keeps it releases it.
napi_ref dispatcherRef(const Napi::CallbackInfo& info, size_t i, const char* fn);

}  // namespace torchnode
