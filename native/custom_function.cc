// torch.autograd.Function with forward and backward written in JS (lib/autograd_function.ts).
//
// JS runs forward itself (under no_grad), then hands the inputs, the raw outputs and what ctx
// recorded to functionApply, which does what LibTorch's Function<T>::apply does after forward:
// a JsNode becomes the outputs' grad_fn through LibTorch's own _wrap_outputs (views, in-place
// inputs, non-differentiable outputs), and the tensors passed to ctx.save_for_backward become
// SavedVariables, so saving an output keeps no strong reference to its own grad_fn (no cycle).
//
// The node keeps the JS backward closure through a napi_ref and calls it synchronously from
// apply() (native/js_link.h says on which thread that is possible). A JS exception in backward
// travels through the engine as a Napi::Error (the engine keeps the exception_ptr), so the caller
// of .backward() gets that same error object.
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/saved_variable.h>
#include <torch/version.h>

#include <memory>
#include <type_traits>
#include <unordered_set>

#include "autograd_node.h"
#include "js_link.h"
#include "common.h"
#include "error_boundary.h"

namespace torchnode {

using torch::autograd::Node;
using torch::autograd::SavedVariable;
using torch::autograd::Variable;
using torch::autograd::variable_list;
using torch::autograd::VariableInfo;

// In recent LibTorch 2.x, Node is an intrusive_ptr_target with a release_resources() that
// LibTorch 1.x lacks. Overriding it here keeps LibTorch's symbol out of JsNode's vtable (a data
// relocation, bound when the addon loads) and behind a call (bound lazily): so a 2.x addon shown
// a 1.x LibTorch still loads far enough for native/version.cc to refuse it by name.
template <typename Base, typename = void>
struct WithOwnReleaseResources : Base {};
template <typename Base>
struct WithOwnReleaseResources<Base, std::void_t<decltype(&Base::release_resources)>> : Base {
  void release_resources() override { Base::release_resources(); }
};

struct JsNode : WithOwnReleaseResources<Node> {
  JsNode(std::string fnName, std::shared_ptr<JsLink> l) : jsName(std::move(fnName)), link(std::move(l)) {}
  ~JsNode() override {
    if (backwardFn) link->release(backwardFn);
  }

  std::string name() const override { return jsName + "Backward"; }

  // After a backward without retain_graph: the saved tensors go, and a later backward that
  // would need them gets LibTorch's "backward through the graph a second time" error.
  void release_variables() override {
    savedFreed = savedFreed || !saved.empty();
    saved.clear();
  }

  variable_list apply(variable_list&& grads) override;

  std::string jsName;  // the JS class's name
  std::shared_ptr<JsLink> link;
  napi_ref backwardFn = nullptr;  // (gradHandles, savedHandles) => gradHandles, from autograd_function.ts
  std::vector<bool> isVariableInput;  // per forward argument: was it a Tensor
  std::vector<VariableInfo> outputInfo;  // to materialize missing output grads as zeros
  std::vector<SavedVariable> saved;
  bool materializeGrads = true;
  bool savedFreed = false;  // saved tensors existed and were released
};

// Node creation and the node's own pointer, in both ownership models.
template <typename P>
struct NodeOwnership;
template <>
struct NodeOwnership<std::shared_ptr<Node>> {
  // Member templates, found through the node's type (ADL), so a 2.x build never looks them up.
  template <typename N = JsNode>
  static std::shared_ptr<N> make(std::string name, std::shared_ptr<JsLink> link) {
    // deleteNode frees long chains of nodes without deep recursion, as LibTorch's own nodes are.
    return std::shared_ptr<N>(new N(std::move(name), std::move(link)), [](N* n) { deleteNode(n); });
  }
  template <typename N>
  static std::shared_ptr<Node> self(N* n) { return n->shared_from_this(); }
};
template <typename P>
struct NodeOwnership {  // c10::intrusive_ptr<Node>; templates so that a 1.x build never instantiates them
  template <typename N = JsNode>
  static c10::intrusive_ptr<N> make(std::string name, std::shared_ptr<JsLink> link) {
    return c10::make_intrusive<N>(std::move(name), std::move(link));
  }
  template <typename N>
  static P self(N* n) { return n->getptr(); }
};
using Ownership = NodeOwnership<NodePtr>;

std::vector<at::Tensor> handleList(Napi::Env env, const Napi::Value& v, const char* what, bool nullable) {
  if (!v.IsArray()) throw ArgError(std::string(what) + ": an array of tensors is expected");
  Napi::Array a = v.As<Napi::Array>();
  State& st = state(env);
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (nullable && (e.IsNull() || e.IsUndefined())) {
      out.emplace_back();
      continue;
    }
    at::Tensor* t = e.IsNumber() ? st.table.find(asHandle(e.As<Napi::Number>().DoubleValue())) : nullptr;
    if (!t) throw std::runtime_error(std::string(what) + ": " + kNotATensor);
    out.push_back(*t);
    checkNotPending(st, out.back(), false);
  }
  return out;
}

static std::unordered_set<at::TensorImpl*> implSet(const std::vector<at::Tensor>& ts) {
  std::unordered_set<at::TensorImpl*> s;
  for (const auto& t : ts) s.insert(t.unsafeGetTensorImpl());
  return s;
}

static std::vector<c10::optional<Variable>> wrapOutputs(const variable_list& inputs,
                                                        const std::unordered_set<at::TensorImpl*>& nonDifferentiable,
                                                        const std::unordered_set<at::TensorImpl*>& dirty,
                                                        const std::vector<c10::optional<Variable>>& raw,
                                                        const NodePtr& node) {
  torch::autograd::_jvp_fn_t jvp = [](variable_list, variable_list) -> variable_list {
    TORCH_CHECK(false, "forward-mode AD (jvp) is not supported for a JS autograd.Function");
  };
#if TORCH_VERSION_MAJOR < 2
  return torch::autograd::_wrap_outputs(inputs, nonDifferentiable, dirty, raw, node, jvp);
#else
  auto viewAsSelf = [](const at::Tensor& x) -> at::Tensor { return x.view_as(x); };
  return torch::autograd::_wrap_outputs(inputs, nonDifferentiable, dirty, raw, node, jvp, {}, viewAsSelf, false);
#endif
}

// functionApply(name, inputs, outputs, nonDifferentiable, dirty, toSave, materializeGrads, backward)
//   inputs: per forward argument, a tensor handle or null (not a tensor); outputs: the handles
//   forward returned. Returns, per output, null when the output tensor itself now carries the
//   history (the usual case), else the handle of the tensor to return instead (a view of an
//   input returned unchanged, a detached alias).
static TN_FN(functionApply) {
  TN_GUARD {
    Napi::Env env = info.Env();
    auto link = *static_cast<std::shared_ptr<JsLink>*>(info.Data());
    link->drain();
    if (info.Length() < 8 || !info[0].IsString() || !info[7].IsFunction()) throw ArgError("functionApply: bad arguments");
    std::string name = info[0].As<Napi::String>().Utf8Value();
    auto args = handleList(env, info[1], "apply inputs", true);
    auto outputs = handleList(env, info[2], "forward outputs", false);
    auto nonDifferentiable = handleList(env, info[3], "mark_non_differentiable", false);
    auto dirty = handleList(env, info[4], "mark_dirty", false);
    auto toSave = handleList(env, info[5], "save_for_backward", true);

    variable_list inputVars;
    std::vector<bool> isVariable;
    for (const auto& a : args) {
      isVariable.push_back(a.defined());
      if (a.defined()) inputVars.push_back(a);
    }
    bool executable = at::GradMode::is_enabled();
    if (executable) {
      executable = false;
      for (const auto& v : inputVars) executable = executable || v.requires_grad();
    }

    auto node = Ownership::make(name, link);
    node->isVariableInput = std::move(isVariable);
    node->materializeGrads = info[6].ToBoolean().Value();
    if (executable) node->set_next_edges(torch::autograd::collect_next_edges(inputVars));

    auto dirtySet = implSet(dirty);
    for (at::TensorImpl* impl : dirtySet) impl->bump_version();  // as AutogradContext::get_and_bump_dirty
    std::vector<c10::optional<Variable>> raw(outputs.begin(), outputs.end());
    NodePtr graphNode = executable ? NodePtr(node) : NodePtr();
    auto wrapped = wrapOutputs(inputVars, implSet(nonDifferentiable), dirtySet, raw, graphNode);

    if (executable) {
      for (const auto& w : wrapped) node->outputInfo.emplace_back(w.has_value() ? VariableInfo(*w) : VariableInfo());
      // As AutogradContext::save_variables: after wrapping, so that an output knows it is one.
      for (const auto& t : toSave) {
        if (t.defined()) node->saved.emplace_back(t, t.grad_fn().get() == node.get());
        else node->saved.emplace_back();
      }
      napi_ref ref;
      NAPI_THROW_IF_FAILED(env, napi_create_reference(env, info[7], 1, &ref), Napi::Value());
      node->backwardFn = ref;
    }

    Napi::Array result = Napi::Array::New(env, wrapped.size());
    for (size_t i = 0; i < wrapped.size(); i++) {
      const auto& w = wrapped[i];
      bool same = w.has_value() && w->unsafeGetTensorImpl() == outputs[i].unsafeGetTensorImpl();
      result.Set(static_cast<uint32_t>(i), same ? env.Null() : handleValue(env, w.has_value() ? *w : at::Tensor()));
    }
    return result;
  });
}

variable_list JsNode::apply(variable_list&& grads) {
  auto engineCall = link->enter("autograd.Function " + jsName + ".backward", "where " + jsName + ".apply ran");

  at::OptionalDeviceGuard deviceGuard;
  variable_list gradInputs;
  gradInputs.reserve(grads.size());
  for (size_t i = 0; i < grads.size(); i++) {
    if (grads[i].defined() || !materializeGrads) gradInputs.push_back(std::move(grads[i]));
    else gradInputs.push_back(outputInfo[i].zeros(deviceGuard));
  }
  TORCH_CHECK(!savedFreed, torch::autograd::ERR_BACKWARD_TWICE);
  variable_list savedVars;
  auto self = Ownership::self(this);
  for (const auto& s : saved) savedVars.push_back(s.unpack(self));

  Napi::Env env(link->env);
  Napi::HandleScope scope(env);
  Napi::Array gradHandles = Napi::Array::New(env, gradInputs.size());
  for (size_t i = 0; i < gradInputs.size(); i++) gradHandles.Set(static_cast<uint32_t>(i), handleValue(env, gradInputs[i]));
  Napi::Array savedHandles = Napi::Array::New(env, savedVars.size());
  for (size_t i = 0; i < savedVars.size(); i++) savedHandles.Set(static_cast<uint32_t>(i), handleValue(env, savedVars[i]));
  napi_value fn;
  NAPI_THROW_IF_FAILED(env, napi_get_reference_value(env, backwardFn, &fn), variable_list());
  // Throws Napi::Error holding the JS exception: the engine carries it to the caller unchanged.
  Napi::Value result = Napi::Function(env, fn).Call({gradHandles, savedHandles});

  TORCH_CHECK(result.IsArray(), "autograd.Function ", jsName, ".backward: internal error, no gradient list");
  variable_list outputs = handleList(env, result, (jsName + ".backward result").c_str(), true);

  // As LibTorch's CppNode/PyNode: extra trailing nulls are fine, any other count is an error.
  const size_t numForwardInputs = isVariableInput.size();
  if (outputs.size() > numForwardInputs) {
    bool allUndefined = true;
    for (size_t i = numForwardInputs; i < outputs.size(); i++) allUndefined = allUndefined && !outputs[i].defined();
    if (allUndefined) outputs.resize(numForwardInputs);
  }
  TORCH_CHECK(outputs.size() == numForwardInputs, "function ", name(),
              " returned an incorrect number of gradients (expected ", numForwardInputs, ", got ", outputs.size(), ")");
  variable_list results;
  for (size_t i = 0; i < outputs.size(); i++) {
    if (!isVariableInput[i]) {
      TORCH_CHECK(!outputs[i].defined(), "function ", name(), " returned a gradient different than None at position ",
                  i + 1, ", but the corresponding forward input was not a Variable");
      continue;
    }
    results.push_back(std::move(outputs[i]));
  }
  return results;
}

void initCustomFunction(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link) {
  exports.Set("functionApply", Napi::Function::New(env, functionApply, "functionApply", link));
}

}  // namespace torchnode
