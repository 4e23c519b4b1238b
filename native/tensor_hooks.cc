// Tensor.register_hook (lib/tensor_hooks.ts): a JS function run on a tensor's gradient during
// backward, before it reaches the grad_fn that consumes it (or the .grad of a leaf). And, on
// LibTorch 2.1 and later, Tensor.register_post_accumulate_grad_hook: a JS function run on a leaf
// after its gradient has been accumulated into .grad.
//
// As PyTorch's Python register_hook does, each tensor gets one native hook, registered through
// LibTorch's own Tensor::register_hook on its first JS hook. That native hook calls one JS
// dispatcher, which runs the tensor's hooks in order from a JS Map: adding and removing hooks
// after the first is plain JS. The dispatcher is kept by a napi_ref in LibTorch's hook list, so
// it lives as long as the tensor's autograd metadata; the JS side keeps it free of the tensor
// itself, so that the reference does not keep the tensor alive.
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/version.h>

#include <memory>

#include "common.h"
#include "error_boundary.h"
#include "js_dispatcher.h"
#include "js_link.h"
#include "tensor_table.h"

namespace torchnode {

// Tensor.register_hook's dispatcher, owned by the hook list: copies of the std::function share it.
struct JsTensorHook : JsDispatcher {
  using JsDispatcher::JsDispatcher;

  // grad handle (or null) => the gradient to pass on: a handle, or null to keep grad.
  at::Tensor operator()(const at::Tensor& grad) const {
    auto engineCall = link->enter("a tensor hook (Tensor.register_hook)", "where its tensor's hook was registered");
    Napi::Env env(link->env);
    Napi::HandleScope scope(env);
    Napi::Value result = call(env, grad);
    if (result.IsNull() || result.IsUndefined()) return at::Tensor();
    at::Tensor* t = result.IsNumber() ? state(env).table.find(asHandle(result.As<Napi::Number>().DoubleValue())) : nullptr;
    TORCH_CHECK(t != nullptr, "a tensor hook: ", kNotATensor);
    return *t;
  }
};

// A strong reference to the JS dispatcher info[i]; the hook object that keeps it releases it.
napi_ref dispatcherRef(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (info.Length() <= i || !info[i].IsFunction()) throw ArgError(std::string(fn) + ": a function is expected");
  napi_ref ref;
  if (napi_create_reference(info.Env(), info[i], 1, &ref) != napi_ok) throw std::runtime_error(std::string(fn) + ": could not keep the hook");
  return ref;
}

// registerHook(h, dispatcher): LibTorch's own checks apply (a tensor that requires grad).
static TN_FN(registerHook) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    auto hook = std::make_shared<JsTensorHook>(linkOf(info), dispatcherRef(info, 1, "registerHook"));
    t.register_hook([hook](const at::Tensor& grad) { return (*hook)(grad); });
    return info.Env().Undefined();
  });
}

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define TORCHNODE_POST_ACC_GRAD_HOOKS 1

// A leaf's one post-accumulate hook slot holds this: it calls the JS dispatcher with the tensor.
struct JsPostAccumulateGradHook final : torch::autograd::PostAccumulateGradHook {
  JsPostAccumulateGradHook(std::shared_ptr<JsLink> link, napi_ref fn) : dispatcher(std::move(link), fn) {}

  void operator()(const torch::autograd::Variable& tensor) override {
    auto engineCall = dispatcher.link->enter("a post accumulate grad hook (Tensor.register_post_accumulate_grad_hook)", "where it was registered");
    Napi::Env env(dispatcher.link->env);
    Napi::HandleScope scope(env);
    dispatcher.call(env, tensor);
  }

  JsDispatcher dispatcher;
};

// registerPostAccumulateGradHook(h, dispatcher): fills the leaf's slot (replacing what was there,
// as PyTorch's Python side does when it installs its dict).
static TN_FN(registerPostAccumulateGradHook) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    auto link = linkOf(info);
    torch::autograd::impl::set_post_acc_grad_hooks(t, std::make_unique<JsPostAccumulateGradHook>(link, dispatcherRef(info, 1, "registerPostAccumulateGradHook")));
    return info.Env().Undefined();
  });
}
#endif

void initTensorHooks(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link) {
  exports.Set("registerHook", Napi::Function::New(env, registerHook, "registerHook", link));
#ifdef TORCHNODE_POST_ACC_GRAD_HOOKS
  exports.Set("registerPostAccumulateGradHook",
              Napi::Function::New(env, registerPostAccumulateGradHook, "registerPostAccumulateGradHook", link));
#endif
}

}  // namespace torchnode
