// CUDA availability and device queries. These calls work on CPU-only LibTorch builds too,
// where they report no devices.
#include <torch/cuda.h>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static TN_FN(isAvailable) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); });
}

static TN_FN(deviceCount) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count())); });
}

static TN_FN(synchronize) {
  TN_GUARD {
    TORCH_CHECK(torch::cuda::is_available(), "torch.cuda.synchronize: CUDA is not available");
    int64_t device = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : -1;
    torch::cuda::synchronize(device);
    return info.Env().Undefined();
  });
}

void initCuda(Napi::Env env, Napi::Object exports) {
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("isAvailable", Napi::Function::New(env, isAvailable, "isAvailable"));
  cuda.Set("deviceCount", Napi::Function::New(env, deviceCount, "deviceCount"));
  cuda.Set("synchronize", Napi::Function::New(env, synchronize, "synchronize"));
  exports.Set("cuda", cuda);
}

}  // namespace torchnode
