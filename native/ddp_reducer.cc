// DistributedDataParallel's engine: LibTorch's own c10d::Reducer, the C++ class that PyTorch's
// DDP (torch/nn/parallel/distributed.py) drives, and the two helpers its constructor calls:
// verify_params_across_processes and broadcast_coalesced. lib/nn/parallel/distributed.ts is the
// Python file's counterpart over these.
//
// The Reducer puts a post hook on each parameter's gradient accumulator. During backward it
// copies ready gradients into flat buckets and starts one all-reduce per full bucket on the
// group's threads while backward goes on; at the end of backward (an autograd engine callback)
// it waits for them and writes the averaged gradients back to `.grad`. Using the same class and
// the same calls in the same order as PyTorch means a torchnode rank and a Python rank issue the
// same collectives, so they can train in one group.
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <torch/version.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "distributed.h"
#include "error_boundary.h"

namespace torchnode {

struct ReducerHolder {
  std::shared_ptr<c10d::Reducer> reducer;
};

static const napi_type_tag kReducerTag = {0x71c4e2a95b3d8f06ULL, 0x8e2d5a1f7c4b9063ULL};

static c10d::Reducer& reducerArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsExternal() || !info[i].As<Napi::Object>().CheckTypeTag(&kReducerTag))
    throw ArgError("expected a Reducer");
  auto* h = info[i].As<Napi::External<ReducerHolder>>().Data();
  TORCH_CHECK(h->reducer, "this DistributedDataParallel's reducer was released");
  return *h->reducer;
}

// The Reducer's destructor removes its autograd hooks and may throw (it is noexcept(false)); a
// finalizer must not.
static void dropReducer(std::shared_ptr<c10d::Reducer>& r) {
  try {
    r.reset();
  } catch (...) {
  }
}

static int64_t numberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) throw ArgError(std::string(what) + " must be a number");
  return checkedInt64(info[i].As<Napi::Number>().DoubleValue());
}

static std::vector<bool> boolList(const Napi::CallbackInfo& info, size_t i, size_t n, const char* what) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError(std::string(what) + " must be a list of booleans");
  auto a = info[i].As<Napi::Array>();
  if (a.Length() != n) throw ArgError(std::string(what) + " must have one entry per parameter");
  std::vector<bool> out;
  for (uint32_t k = 0; k < n; k++) out.push_back(a.Get(k).ToBoolean().Value());
  return out;
}

// Bucket size limits in bytes; a negative one is Python's sys.maxsize (one bucket for all).
static std::vector<size_t> sizeLimits(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError("bucket size limits must be a list of numbers");
  auto a = info[i].As<Napi::Array>();
  std::vector<size_t> out;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) throw ArgError("bucket size limits must be a list of numbers");
    int64_t n = checkedInt64(v.As<Napi::Number>().DoubleValue());
    out.push_back(n < 0 ? static_cast<size_t>(std::numeric_limits<int64_t>::max()) : static_cast<size_t>(n));
  }
  return out;
}

// (group, params, expectSparse, initialSizeLimits, bucketBytesCap, findUnused, gradientAsBucketView,
//  firstBucketBytesCap, paramNames) -> Reducer. As _ddp_init_helper: assign parameters to buckets
// by size, reverse the buckets (gradients come back roughly in reverse order), build the Reducer.
static TN_FN(reducerNew) {
  TN_GUARD {
    auto pg = processGroupArg(info, 0);
    std::vector<at::Tensor> params = distTensorList(info, 1);
    if (params.empty()) throw ArgError("DistributedDataParallel needs at least one parameter that requires grad");
    std::vector<bool> sparse = boolList(info, 2, params.size(), "expect_sparse_gradient");
    std::vector<size_t> limits = sizeLimits(info, 3);
    int64_t bucketBytesCap = numberArg(info, 4, "bucket_bytes_cap");
    bool findUnused = info[5].ToBoolean().Value();
    bool asView = info[6].ToBoolean().Value();
    int64_t firstBucketBytesCap = numberArg(info, 7, "first_bucket_bytes_cap");
    std::unordered_map<size_t, std::string> names;
    if (info.Length() > 8 && info[8].IsArray()) {
      auto a = info[8].As<Napi::Array>();
      for (uint32_t k = 0; k < a.Length(); k++) names[k] = a.Get(k).ToString().Utf8Value();
    }

    auto assignment = c10d::compute_bucket_assignment_by_size(params, limits, sparse);
    std::vector<std::vector<size_t>> buckets(std::get<0>(assignment).rbegin(), std::get<0>(assignment).rend());
#if TORCH_VERSION_MAJOR < 2
    std::vector<size_t> perBucket(std::get<1>(assignment).rbegin(), std::get<1>(assignment).rend());
    auto reducer = std::make_shared<c10d::Reducer>(std::move(params), std::move(buckets), std::move(perBucket), pg, std::move(sparse),
                                                   bucketBytesCap, findUnused, asView, std::move(names), firstBucketBytesCap);
#else
    // 2.x: the limits for rebuilding are a separate list; empty means the Reducer's own rule
    // (first bucket, then bucket_bytes_cap), which is what PyTorch passes without a per-bucket list.
    auto reducer = std::make_shared<c10d::Reducer>(std::move(params), std::move(buckets), pg, std::move(sparse), bucketBytesCap,
                                                   findUnused, asView, std::move(names), firstBucketBytesCap,
                                                   /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
                                                   std::vector<int64_t>{});
#endif
    auto ext = Napi::External<ReducerHolder>::New(info.Env(), new ReducerHolder{std::move(reducer)}, [](Napi::Env, ReducerHolder* h) {
      dropReducer(h->reducer);
      delete h;
    });
    ext.TypeTag(&kReducerTag);
    return ext;
  });
}

static TN_FN(reducerPrepareForForward) {
  TN_GUARD {
    reducerArg(info, 0).prepare_for_forward();
    return info.Env().Undefined();
  });
}

// (reducer, outputs): outputs are searched for unused parameters (find_unused_parameters only).
static TN_FN(reducerPrepareForBackward) {
  TN_GUARD {
    reducerArg(info, 0).prepare_for_backward(distTensorList(info, 1));
    return info.Env().Undefined();
  });
}

// Once, after the first backward: rebuilds the buckets in the order gradients became ready,
// agreed from rank 0 by a broadcast. True when it did.
static TN_FN(reducerRebuildBuckets) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), reducerArg(info, 0).rebuild_buckets()); });
}

static TN_FN(reducerRelease) {
  TN_GUARD {
    if (info.Length() > 0 && info[0].IsExternal() && info[0].As<Napi::Object>().CheckTypeTag(&kReducerTag))
      dropReducer(info[0].As<Napi::External<ReducerHolder>>().Data()->reducer);
    return info.Env().Undefined();
  });
}

// (group, params): every rank has as many parameters as rank 0, with the same shapes and strides;
// otherwise a clear error on every rank (instead of a broadcast of mismatched sizes).
static TN_FN(verifyParams) {
  TN_GUARD {
    c10d::verify_params_across_processes(processGroupArg(info, 0), distTensorList(info, 1), {});
    return info.Env().Undefined();
  });
}

// (group, tensors, bufferBytes, src): rank src's values into every rank's tensors, flattened into
// buffers of at most bufferBytes (PyTorch's _broadcast_coalesced).
static TN_FN(broadcastCoalesced) {
  TN_GUARD {
    auto pg = processGroupArg(info, 0);
    std::vector<at::Tensor> tensors = distTensorList(info, 1);
    int64_t bytes = numberArg(info, 2, "buffer_size"), src = numberArg(info, 3, "src");
    if (bytes <= 0) throw ArgError("buffer_size must be positive");
    if (src < 0 || src >= pg->getSize()) throw ArgError("src must be a rank of the group");
    if (!tensors.empty()) c10d::broadcast_coalesced(pg, tensors, static_cast<size_t>(bytes), static_cast<int>(src));
    return info.Env().Undefined();
  });
}

void initDdpReducer(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("distReducerNew", reducerNew);
  fn("distReducerPrepareForForward", reducerPrepareForForward);
  fn("distReducerPrepareForBackward", reducerPrepareForBackward);
  fn("distReducerRebuildBuckets", reducerRebuildBuckets);
  fn("distReducerRelease", reducerRelease);
  fn("distVerifyParams", verifyParams);
  fn("distBroadcastCoalesced", broadcastCoalesced);
}

}  // namespace torchnode
