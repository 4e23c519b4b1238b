// LibTorch's process-wide settings that PyTorch exposes as torch.* functions and torch.backends
// flags: deterministic algorithms, matmul precision, denormals, inter-op threads, the CPU random
// generator's state, warnings, and the cuDNN / MKL-DNN / TF32 switches. Each reads or writes
// at::globalContext() (or the generator) itself, so the flags change what LibTorch does.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <mutex>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static bool boolArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

static TN_FN(setDeterministic) {
  TN_GUARD {
    at::globalContext().setDeterministicAlgorithms(boolArg(info, 0), boolArg(info, 1));
    return info.Env().Undefined();
  });
}

static TN_FN(getDeterministic) {
  TN_GUARD {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("enabled", at::globalContext().deterministicAlgorithms());
    o.Set("warnOnly", at::globalContext().deterministicAlgorithmsWarnOnly());
    return o;
  });
}

static TN_FN(setMatmulPrecision) {
  TN_GUARD {
    at::globalContext().setFloat32MatmulPrecision(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

static TN_FN(getMatmulPrecision) {
  TN_GUARD {
    switch (at::globalContext().float32MatmulPrecision()) {
      case at::Float32MatmulPrecision::HIGHEST: return Napi::String::New(info.Env(), "highest");
      case at::Float32MatmulPrecision::HIGH: return Napi::String::New(info.Env(), "high");
      default: return Napi::String::New(info.Env(), "medium");
    }
  });
}

static TN_FN(setFlushDenormal) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), at::globalContext().setFlushDenormal(boolArg(info, 0))); });
}

static TN_FN(getNumInteropThreads) {
  TN_GUARD { return Napi::Number::New(info.Env(), at::get_num_interop_threads()); });
}

static TN_FN(setNumInteropThreads) {
  TN_GUARD {
    at::set_num_interop_threads(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  });
}

static TN_FN(initNumThreads) {
  TN_GUARD {
    at::init_num_threads();
    return info.Env().Undefined();
  });
}

// The CPU generator's seed and state, under its own lock as PyTorch takes it.
static TN_FN(initialSeed) {
  TN_GUARD {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(gen.current_seed()));
  });
}

static TN_FN(seedRandomly) {
  TN_GUARD {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(gen.seed()));
  });
}

static TN_FN(getRngState) {
  TN_GUARD {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    at::Tensor s;
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      s = gen.get_state();
    }
    return handleValue(info.Env(), s);
  });
}

static TN_FN(setRngState) {
  TN_GUARD {
    at::Tensor s = tensorArg(info, 0);
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
    return info.Env().Undefined();
  });
}

static TN_FN(isInferenceModeEnabled) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled()); });
}

static TN_FN(setWarnAlways) {
  TN_GUARD {
    c10_warnings::set_warnAlways(boolArg(info, 0));
    return info.Env().Undefined();
  });
}

static TN_FN(getWarnAlways) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), c10_warnings::get_warnAlways()); });
}

// torch.backends: what this LibTorch has, and the switches, by name.
static TN_FN(getBackendFlags) {
  TN_GUARD {
    at::Context& c = at::globalContext();
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("hasCuDNN", c.hasCuDNN());
    o.Set("hasMKL", c.hasMKL());
    o.Set("hasMKLDNN", c.hasMKLDNN());
    o.Set("hasOpenMP", c.hasOpenMP());
    o.Set("hasMPS", c.hasMPS());
    o.Set("cudnnEnabled", c.userEnabledCuDNN());
    o.Set("cudnnBenchmark", c.benchmarkCuDNN());
    o.Set("cudnnDeterministic", c.deterministicCuDNN());
    o.Set("cudnnAllowTF32", c.allowTF32CuDNN());
    o.Set("cublasAllowTF32", c.allowTF32CuBLAS());
    o.Set("mkldnnEnabled", c.userEnabledMkldnn());
    return o;
  });
}

// cuDNN's version number, or null in a LibTorch without cuDNN.
static TN_FN(cudnnVersion) {
  TN_GUARD {
    if (!at::globalContext().hasCuDNN()) return info.Env().Null();
    return Napi::Number::New(info.Env(), static_cast<double>(at::detail::getCUDAHooks().versionCuDNN()));
  });
}

static TN_FN(setBackendFlag) {
  TN_GUARD {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    bool v = boolArg(info, 1);
    at::Context& c = at::globalContext();
    if (name == "cudnnEnabled") c.setUserEnabledCuDNN(v);
    else if (name == "cudnnBenchmark") c.setBenchmarkCuDNN(v);
    else if (name == "cudnnDeterministic") c.setDeterministicCuDNN(v);
    else if (name == "cudnnAllowTF32") c.setAllowTF32CuDNN(v);
    else if (name == "cublasAllowTF32") c.setAllowTF32CuBLAS(v);
    else if (name == "mkldnnEnabled") c.setUserEnabledMkldnn(v);
    else TORCH_CHECK(false, "unknown backend flag ", name);
    return info.Env().Undefined();
  });
}

void initRuntimeSettings(Napi::Env env, Napi::Object exports) {
  Napi::Object s = Napi::Object::New(env);
  s.Set("setDeterministic", Napi::Function::New(env, setDeterministic, "setDeterministic"));
  s.Set("getDeterministic", Napi::Function::New(env, getDeterministic, "getDeterministic"));
  s.Set("setMatmulPrecision", Napi::Function::New(env, setMatmulPrecision, "setMatmulPrecision"));
  s.Set("getMatmulPrecision", Napi::Function::New(env, getMatmulPrecision, "getMatmulPrecision"));
  s.Set("setFlushDenormal", Napi::Function::New(env, setFlushDenormal, "setFlushDenormal"));
  s.Set("getNumInteropThreads", Napi::Function::New(env, getNumInteropThreads, "getNumInteropThreads"));
  s.Set("setNumInteropThreads", Napi::Function::New(env, setNumInteropThreads, "setNumInteropThreads"));
  s.Set("initNumThreads", Napi::Function::New(env, initNumThreads, "initNumThreads"));
  s.Set("initialSeed", Napi::Function::New(env, initialSeed, "initialSeed"));
  s.Set("seed", Napi::Function::New(env, seedRandomly, "seed"));
  s.Set("getRngState", Napi::Function::New(env, getRngState, "getRngState"));
  s.Set("setRngState", Napi::Function::New(env, setRngState, "setRngState"));
  s.Set("isInferenceModeEnabled", Napi::Function::New(env, isInferenceModeEnabled, "isInferenceModeEnabled"));
  s.Set("setWarnAlways", Napi::Function::New(env, setWarnAlways, "setWarnAlways"));
  s.Set("getWarnAlways", Napi::Function::New(env, getWarnAlways, "getWarnAlways"));
  s.Set("getBackendFlags", Napi::Function::New(env, getBackendFlags, "getBackendFlags"));
  s.Set("setBackendFlag", Napi::Function::New(env, setBackendFlag, "setBackendFlag"));
  s.Set("cudnnVersion", Napi::Function::New(env, cudnnVersion, "cudnnVersion"));
  exports.Set("settings", s);
}

}  // namespace torchnode
