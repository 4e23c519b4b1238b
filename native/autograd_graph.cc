// torch.autograd.graph.Node (lib/autograd_graph.ts): a tensor's grad_fn, its next_functions,
// AccumulateGrad's variable, and hooks on a node.
//
// JS holds a node through an External that owns a NodePtr, as PyTorch's Python object for a node
// owns its shared_ptr: the node lives while JS holds it. Nothing native refers back to that JS
// object (JS finds it again by the node's address, lib/autograd_graph.ts), so no cycle through
// native code can keep it alive.
//
// Node hooks follow PyTorch's Python ones (torch/csrc/autograd/python_cpp_function.cpp
// registerFunctionHook): a node gets one native pre hook and one native post hook, on its first
// JS hook of that kind, each calling one JS dispatcher that runs the node's JS hooks in order from
// a JS Map. Later registrations find the dispatcher in the node's hook list and add to its Map.
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>

#include <cstdint>
#include <memory>

#include "autograd_node.h"
#include "common.h"
#include "error_boundary.h"
#include "js_dispatcher.h"
#include "js_link.h"

namespace torchnode {

using torch::autograd::variable_list;

// [External owning a NodePtr, the node's address (its identity while that External lives), name()],
// or null for no node.
static Napi::Value nodeRef(Napi::Env env, const NodePtr& fn) {
  if (!fn) return env.Null();
  auto owner = Napi::External<NodePtr>::New(env, new NodePtr(fn), [](Napi::Env, NodePtr* p) { delete p; });
  Napi::Array ref = Napi::Array::New(env, 3);
  ref.Set(0u, owner);
  ref.Set(1u, Napi::Number::New(env, static_cast<double>(reinterpret_cast<std::uintptr_t>(fn.get()))));
  ref.Set(2u, Napi::String::New(env, fn->name()));
  return ref;
}

// The node of a nodeRef's External, info[i].
static torch::autograd::Node& nodeArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsExternal()) throw ArgError("an autograd node is expected");
  NodePtr* fn = info[i].As<Napi::External<NodePtr>>().Data();
  if (fn == nullptr || !*fn) throw ArgError("an autograd node is expected");
  return **fn;
}

// gradFn(h): the tensor's grad_fn as a nodeRef, null for a leaf or a tensor without history.
static TN_FN(gradFn) {
  TN_GUARD { return nodeRef(info.Env(), tensorArg(info, 0).grad_fn()); });
}

// nodeNextFunctions(node): [nodeRef | null, input_nr] per next edge, null for an invalid edge (an
// input that does not require grad), as PyTorch's next_functions gives (None, 0).
static TN_FN(nodeNextFunctions) {
  TN_GUARD {
    Napi::Env env = info.Env();
    const auto& edges = nodeArg(info, 0).next_edges();
    Napi::Array out = Napi::Array::New(env, edges.size());
    for (size_t i = 0; i < edges.size(); i++) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, edges[i].is_valid() ? nodeRef(env, edges[i].function) : env.Null());
      pair.Set(1u, Napi::Number::New(env, edges[i].input_nr));
      out.Set(static_cast<uint32_t>(i), pair);
    }
    return out;
  });
}

// accumulateGradVariable(node): the leaf an AccumulateGrad node accumulates into, as a new
// handle; undefined for any other node.
static TN_FN(accumulateGradVariable) {
  TN_GUARD {
    auto* acc = dynamic_cast<torch::autograd::AccumulateGrad*>(&nodeArg(info, 0));
    if (acc == nullptr) return info.Env().Undefined();
    return handleValue(info.Env(), acc->variable);
  });
}

// Reads the dispatcher's result: null or undefined keeps `grads`, else an array of handles (null
// for no gradient) that lib/autograd_graph.ts has checked against them.
static variable_list hookResult(Napi::Env env, const Napi::Value& result, const variable_list& grads, const char* what) {
  if (result.IsNull() || result.IsUndefined()) return grads;
  return handleList(env, result, what, true);
}

static Napi::Array handles(Napi::Env env, const variable_list& grads) {
  Napi::Array out = Napi::Array::New(env, grads.size());
  for (size_t i = 0; i < grads.size(); i++) out.Set(static_cast<uint32_t>(i), handleValue(env, grads[i]));
  return out;
}

// Node.register_prehook's native hook: the dispatcher gets the gradients of the node's outputs
// and may replace them.
struct JsNodePreHook final : torch::autograd::FunctionPreHook {
  JsNodePreHook(std::shared_ptr<JsLink> link, napi_ref fn) : dispatcher(std::move(link), fn) {}

  variable_list operator()(const variable_list& gradOutputs) override {
    auto engineCall = dispatcher.link->enter("a grad_fn hook (Node.register_prehook)", "where it was registered");
    Napi::Env env(dispatcher.link->env);
    Napi::HandleScope scope(env);
    Napi::Value result = dispatcher.function(env).Call({handles(env, gradOutputs)});
    return hookResult(env, result, gradOutputs, "a grad_fn prehook's result");
  }

  JsDispatcher dispatcher;
};

// Node.register_hook's native hook: the dispatcher gets the gradients the node computed for its
// inputs and those of its outputs, and may replace the former.
struct JsNodePostHook final : torch::autograd::FunctionPostHook {
  JsNodePostHook(std::shared_ptr<JsLink> link, napi_ref fn) : dispatcher(std::move(link), fn) {}

  variable_list operator()(const variable_list& gradInputs, const variable_list& gradOutputs) override {
    auto engineCall = dispatcher.link->enter("a grad_fn hook (Node.register_hook)", "where it was registered");
    Napi::Env env(dispatcher.link->env);
    Napi::HandleScope scope(env);
    Napi::Value result = dispatcher.function(env).Call({handles(env, gradInputs), handles(env, gradOutputs)});
    return hookResult(env, result, gradInputs, "a grad_fn hook's result");
  }

  JsDispatcher dispatcher;
};

// The JS dispatcher of the node's hook of type H in `hooks`, or undefined when it has none yet.
template <typename H, typename List>
static Napi::Value dispatcherIn(Napi::Env env, const List& hooks) {
  for (const auto& hook : hooks) {
    if (auto* ours = dynamic_cast<H*>(hook.get())) return ours->dispatcher.function(env);
  }
  return env.Undefined();
}

// nodeHookDispatcher(node, post): the dispatcher this node's post (or pre) hooks run through.
static TN_FN(nodeHookDispatcher) {
  TN_GUARD {
    auto& fn = nodeArg(info, 0);
    linkOf(info);  // frees the references queued off the JS thread
    if (info[1].ToBoolean().Value()) return dispatcherIn<JsNodePostHook>(info.Env(), fn.post_hooks());
    return dispatcherIn<JsNodePreHook>(info.Env(), fn.pre_hooks());
  });
}

// registerNodeHook(node, post, dispatcher): the node's native post (or pre) hook, made once.
static TN_FN(registerNodeHook) {
  TN_GUARD {
    auto& fn = nodeArg(info, 0);
    auto link = linkOf(info);
    // The engine walks a node's hook list with iterators that growing it would invalidate; the
    // JS Map of an installed hook can grow at any time.
    TORCH_CHECK(link->engineCalls == 0, "a node's first ", info[1].ToBoolean().Value() ? "hook (register_hook)" : "prehook (register_prehook)",
                " cannot be registered while a backward runs JS (a hook, a JS backward), as the engine may be walking that "
                "node's hooks: register one before the backward; later ones can be added at any time");
    napi_ref dispatcher = dispatcherRef(info, 2, "registerNodeHook");
    if (info[1].ToBoolean().Value()) {
      fn.add_post_hook(std::make_unique<JsNodePostHook>(link, dispatcher));
    } else {
      fn.add_pre_hook(std::make_unique<JsNodePreHook>(link, dispatcher));
    }
    return info.Env().Undefined();
  });
}

void initAutogradGraph(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link) {
  exports.Set("gradFn", Napi::Function::New(env, gradFn, "gradFn"));
  exports.Set("nodeNextFunctions", Napi::Function::New(env, nodeNextFunctions, "nodeNextFunctions"));
  exports.Set("accumulateGradVariable", Napi::Function::New(env, accumulateGradVariable, "accumulateGradVariable"));
  exports.Set("nodeHookDispatcher", Napi::Function::New(env, nodeHookDispatcher, "nodeHookDispatcher", link));
  exports.Set("registerNodeHook", Napi::Function::New(env, registerNodeHook, "registerNodeHook", link));
}

}  // namespace torchnode
