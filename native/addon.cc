// Module entry: creates the per-environment State and registers each concern's functions.
#include <ATen/Parallel.h>
#include <c10/core/DefaultDtype.h>
#include <torch/utils.h>

#include "common.h"
#include "distributed.h"
#include "error_boundary.h"
#include "js_link.h"
#include "op_dispatch.h"

namespace torchnode {

State::~State() {
  uninstallWarnings(*this);
  table.clear();
  delete ops;
}

State& state(Napi::Env env) { return *env.GetInstanceData<State>(); }

static TN_FN(setErrorClass) {
  TN_GUARD {
    state(info.Env()).torchError = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  });
}

static TN_FN(manualSeed) {
  TN_GUARD {
    torch::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

static TN_FN(getNumThreads) {
  TN_GUARD { return Napi::Number::New(info.Env(), at::get_num_threads()); });
}

static TN_FN(setNumThreads) {
  TN_GUARD {
    int n = info[0].As<Napi::Number>().Int32Value();
    TORCH_CHECK(n > 0, "set_num_threads expects a positive integer");
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}

// Keeps LibTorch's own default dtype in step with torch.set_default_dtype, so that ops which
// infer a floating type (arange(0.5), linspace...) agree with PyTorch.
static TN_FN(setDefaultDtype) {
  TN_GUARD {
    auto st = static_cast<at::ScalarType>(info[0].As<Napi::Number>().Int32Value());
    c10::set_default_dtype(caffe2::TypeMeta::fromScalarType(st));
    return info.Env().Undefined();
  });
}

// LibTorch's default dtype is process-wide (as PyTorch's is): torch.get_default_dtype() reads it
// here, so every environment reports what arange/linspace actually use.
static TN_FN(getDefaultDtype) {
  TN_GUARD {
    return Napi::Number::New(info.Env(), static_cast<int>(c10::typeMetaToScalarType(c10::get_default_dtype())));
  });
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  initVersion(env, exports);  // first: refuses a LibTorch other than the one built against
  env.SetInstanceData(new State());
  initWarnings(env, exports);
  exports.Set("setErrorClass", Napi::Function::New(env, setErrorClass, "setErrorClass"));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed, "manualSeed"));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads, "getNumThreads"));
  exports.Set("setDefaultDtype", Napi::Function::New(env, setDefaultDtype, "setDefaultDtype"));
  exports.Set("getDefaultDtype", Napi::Function::New(env, getDefaultDtype, "getDefaultDtype"));
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads, "setNumThreads"));
  tuneAllocator();
  initTableExports(env, exports);
  initOpDispatch(env, exports);
  initTensorData(env, exports);
  initIndexing(env, exports);
  initAutograd(env, exports);
  initCuda(env, exports);
  initAsync(env, exports);
  initJit(env, exports);
  initFileRead(env, exports);
  auto* jsLink = createJsLink(env);
  initCustomFunction(env, exports, jsLink);
  initTensorHooks(env, exports, jsLink);
  initAutogradGraph(env, exports, jsLink);
  initRuntimeSettings(env, exports);
  initDistributed(env, exports);
  initDdpReducer(env, exports);
  return exports;
}

}  // namespace torchnode

static Napi::Object InitTorchnode(Napi::Env env, Napi::Object exports) { return torchnode::init(env, exports); }
NODE_API_MODULE(torchnode, InitTorchnode)
