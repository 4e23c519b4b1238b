// Python-style indexing (x[:, -1, ...], boolean and integer tensor indices) through LibTorch's
// own at::indexing, so the semantics are PyTorch's exactly.
#include <ATen/TensorIndexing.h>
#include <cmath>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

using at::indexing::TensorIndex;

// The item kinds of lib/indexing.ts's encoding: four doubles per item, [kind, a, b, c].
enum IndexKind { kInt = 0, kSlice = 1, kEllipsis = 2, kNone = 3, kBool = 4, kTensor = 5 };

// Slice bounds beyond any size select the same as the largest size LibTorch takes (a Python
// slice clamps its bounds the same way); LibTorch reserves integers below -2^62.
static c10::optional<int64_t> sliceBound(double d) {
  if (std::isnan(d)) return c10::nullopt;
  constexpr double kLimit = 4611686018427387904.0;  // 2^62
  return static_cast<int64_t>(std::max(-kLimit, std::min(kLimit, d)));
}

// Reads the encoded index (a Float64Array and an item count) in one call.
static std::vector<TensorIndex> parseIndices(const Napi::CallbackInfo& info, size_t at) {
  State& st = state(info.Env());
  if (!info[at].IsTypedArray() || info[at].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw ArgError("index: encoded indices expected");
  Napi::Float64Array enc = info[at].As<Napi::Float64Array>();
  uint32_t count = info[at + 1].As<Napi::Number>().Uint32Value();
  if (4 * static_cast<size_t>(count) > enc.ElementLength()) throw ArgError("index: encoded indices are too short");
  const double* d = enc.Data();
  std::vector<TensorIndex> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; i++, d += 4) {
    switch (static_cast<int>(d[0])) {
      case kInt: out.emplace_back(checkedInt64(d[1])); break;
      case kSlice: out.emplace_back(at::indexing::Slice(sliceBound(d[1]), sliceBound(d[2]), sliceBound(d[3]))); break;
      case kEllipsis: out.emplace_back(at::indexing::Ellipsis); break;
      case kNone: out.emplace_back(c10::nullopt); break;
      case kBool: out.emplace_back(d[1] != 0); break;
      case kTensor: {
        at::Tensor* t = st.table.find(asHandle(d[1]));
        if (!t) throw std::runtime_error(kNotATensor);
        checkNotPending(st, *t, false);
        out.emplace_back(*t);
        break;
      }
      default: throw ArgError("unsupported index item");
    }
  }
  return out;
}

static TN_FN(index) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    return handleValue(info.Env(), t.index(parseIndices(info, 1)));
  });
}

// indexPut(h, indices, count, valueHandle | null, scalar): the value is a tensor when
// valueHandle is given, else the number or boolean scalar.
static TN_FN(indexPut) {
  TN_GUARD {
    at::Tensor t = tensorArg(info, 0);
    checkNotPending(state(info.Env()), t, true);
    auto idx = parseIndices(info, 1);
    if (!info[3].IsNull() && !info[3].IsUndefined()) {
      t.index_put_(idx, tensorArg(info, 3));
    } else if (info[4].IsBoolean()) {
      t.index_put_(idx, at::Scalar(info[4].As<Napi::Boolean>().Value()));
    } else if (info[4].IsNumber()) {
      t.index_put_(idx, at::Scalar(info[4].As<Napi::Number>().DoubleValue()));
    } else {
      throw ArgError("index_put_: the value must be a Tensor, a number or a boolean");
    }
    return info.Env().Undefined();
  });
}

void initIndexing(Napi::Env env, Napi::Object exports) {
  exports.Set("index", Napi::Function::New(env, index, "index"));
  exports.Set("indexPut", Napi::Function::New(env, indexPut, "indexPut"));
}

}  // namespace torchnode
