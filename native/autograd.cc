// Autograd entry points that are not operators: backward, .grad, grad mode, graph inspection.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static std::vector<at::Tensor> tensorList(const Napi::CallbackInfo& info, const Napi::Value& v, bool allowNull) {
  std::vector<at::Tensor> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) throw ArgError("a list of tensors is expected");
  Napi::Array a = v.As<Napi::Array>();
  // Element getters can run JS (which may grow the table): each tensor is copied as it is read.
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (allowNull && (e.IsNull() || e.IsUndefined())) {
      out.emplace_back();
      continue;
    }
    double h = -1;
    if (e.IsNumber()) h = e.As<Napi::Number>().DoubleValue();
    State& st = state(info.Env());
    at::Tensor* t = st.table.find(asHandle(h));
    if (!t) throw std::runtime_error(kNotATensor);
    out.push_back(*t);
    checkNotPending(st, out.back(), false);
  }
  return out;
}

static c10::optional<bool> optBool(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  return v.ToBoolean().Value();
}

// backward(h, gradient|null, retain_graph?, create_graph?, inputs?)
static TN_FN(backward) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    at::Tensor grad;
    if (!info[1].IsNull() && !info[1].IsUndefined()) grad = tensorArg(info, 1);
    bool create = info[3].ToBoolean().Value();
    auto inputs = tensorList(info, info[4], false);
    torch::autograd::backward({t}, {grad}, optBool(info[2]), create, inputs);
    return info.Env().Undefined();
  });
}

// grad(outputs, inputs, grad_outputs, retain_graph?, create_graph?, allow_unused?)
static TN_FN(grad) {
  TN_GUARD {
    Napi::Env env = info.Env();
    auto outputs = tensorList(info, info[0], false);
    auto inputs = tensorList(info, info[1], false);
    auto gradOutputs = tensorList(info, info[2], true);
    if (gradOutputs.empty()) gradOutputs.resize(outputs.size());
    auto result = torch::autograd::grad(outputs, inputs, gradOutputs, optBool(info[3]),
                                        info[4].ToBoolean().Value(), info[5].ToBoolean().Value());
    Napi::Array out = Napi::Array::New(env, result.size());
    for (size_t i = 0; i < result.size(); i++) out.Set(static_cast<uint32_t>(i), handleValue(env, result[i]));
    return out;
  });
}

static TN_FN(getGrad) {
  TN_GUARD { return handleValue(info.Env(), tensorArg(info, 0).grad()); });
}

static TN_FN(setGrad) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    if (!info[1].IsNull() && !info[1].IsUndefined()) {
      at::Tensor g = tensorArg(info, 1);
      TORCH_CHECK(g.sizes() == t.sizes(), "assigned grad has data of a different size");
      TORCH_CHECK(g.scalar_type() == t.scalar_type(), "assigned grad has data of a different type");
      TORCH_CHECK(g.device() == t.device(), "assigned grad has data located on a different device");
      t.mutable_grad() = g;
    } else {
      t.mutable_grad() = at::Tensor();
    }
    return info.Env().Undefined();
  });
}

static TN_FN(requiresGrad) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).requires_grad()); });
}

static TN_FN(setRequiresGrad) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    checkNotPending(state(info.Env()), t, true);  // the operator's autograd reads this flag
    t.requires_grad_(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

static TN_FN(isLeaf) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_leaf()); });
}

static TN_FN(gradFnName) {
  TN_GUARD {
    const auto& fn = tensorArg(info, 0).grad_fn();
    if (!fn) return info.Env().Null();
    return Napi::String::New(info.Env(), fn->name());
  });
}

static TN_FN(retainGrad) {
  TN_GUARD {
    tensorArg(info, 0).retain_grad();
    return info.Env().Undefined();
  });
}

// setData(h, src): swaps the data behind a tensor while keeping the tensor object, as
// PyTorch's `param.data = ...` does (Module.to keeps the Parameter objects optimizers hold).
static TN_FN(setData) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    checkNotPending(state(info.Env()), t, true);
    t.set_data(tensorArg(info, 1));
    return info.Env().Undefined();
  });
}

static TN_FN(setGradEnabled) {
  TN_GUARD {
    bool previous = at::GradMode::is_enabled();
    at::GradMode::set_enabled(info[0].ToBoolean().Value());
    return Napi::Boolean::New(info.Env(), previous);
  });
}

static TN_FN(isGradEnabled) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); });
}

void initAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, backward, "backward"));
  exports.Set("grad", Napi::Function::New(env, grad, "grad"));
  exports.Set("getGrad", Napi::Function::New(env, getGrad, "getGrad"));
  exports.Set("setGrad", Napi::Function::New(env, setGrad, "setGrad"));
  exports.Set("requiresGrad", Napi::Function::New(env, requiresGrad, "requiresGrad"));
  exports.Set("setRequiresGrad", Napi::Function::New(env, setRequiresGrad, "setRequiresGrad"));
  exports.Set("isLeaf", Napi::Function::New(env, isLeaf, "isLeaf"));
  exports.Set("gradFnName", Napi::Function::New(env, gradFnName, "gradFnName"));
  exports.Set("retainGrad", Napi::Function::New(env, retainGrad, "retainGrad"));
  exports.Set("setData", Napi::Function::New(env, setData, "setData"));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled, "setGradEnabled"));
  exports.Set("isGradEnabled", Napi::Function::New(env, isGradEnabled, "isGradEnabled"));
}

}  // namespace torchnode
