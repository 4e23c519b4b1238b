// Python-style indexing (x[:, -1, ...], boolean and integer tensor indices) through LibTorch's
// own at::indexing, so the semantics are PyTorch's exactly.
#include <ATen/TensorIndexing.h>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

using at::indexing::TensorIndex;

static c10::optional<int64_t> optInt(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  return static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
}

// Each item, as encoded by lib/indexing.ts: number -> integer, null -> None (new axis),
// boolean, "..." -> Ellipsis, [start, stop, step] -> slice, {h} -> tensor handle.
static std::vector<TensorIndex> parseIndices(const Napi::CallbackInfo& info, const Napi::Value& v) {
  State& st = state(info.Env());
  Napi::Array items = v.As<Napi::Array>();
  std::vector<TensorIndex> out;
  out.reserve(items.Length());
  for (uint32_t i = 0; i < items.Length(); i++) {
    Napi::Value e = items.Get(i);
    if (e.IsNumber()) {
      out.emplace_back(static_cast<int64_t>(e.As<Napi::Number>().DoubleValue()));
    } else if (e.IsNull()) {
      out.emplace_back(c10::nullopt);
    } else if (e.IsBoolean()) {
      out.emplace_back(e.As<Napi::Boolean>().Value());
    } else if (e.IsString()) {
      out.emplace_back(at::indexing::Ellipsis);
    } else if (e.IsArray()) {
      Napi::Array s = e.As<Napi::Array>();
      out.emplace_back(at::indexing::Slice(optInt(s.Get(0u)), optInt(s.Get(1u)), optInt(s.Get(2u))));
    } else if (e.IsObject()) {
      double h = e.As<Napi::Object>().Get("h").As<Napi::Number>().DoubleValue();
      at::Tensor* t = st.table.find(static_cast<int64_t>(h));
      if (!t) throw std::runtime_error("index tensor has been disposed");
      out.emplace_back(*t);
    } else {
      throw ArgError("unsupported index item");
    }
  }
  return out;
}

static TN_FN(index) {
  TN_GUARD {
    at::Tensor& t = tensorArg(info, 0);
    return handleValue(info.Env(), t.index(parseIndices(info, info[1])));
  });
}

// indexPut(h, indices, value): value is a tensor handle ({h}) or a number/boolean.
static TN_FN(indexPut) {
  TN_GUARD {
    at::Tensor& t = tensorArg(info, 0);
    auto idx = parseIndices(info, info[1]);
    Napi::Value v = info[2];
    if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      t.index_put_(idx, at::Scalar(d));
    } else if (v.IsBoolean()) {
      t.index_put_(idx, at::Scalar(v.As<Napi::Boolean>().Value()));
    } else {
      double h = v.As<Napi::Object>().Get("h").As<Napi::Number>().DoubleValue();
      at::Tensor* src = state(info.Env()).table.find(static_cast<int64_t>(h));
      if (!src) throw std::runtime_error("value tensor has been disposed");
      t.index_put_(idx, *src);
    }
    return info.Env().Undefined();
  });
}

void initIndexing(Napi::Env env, Napi::Object exports) {
  exports.Set("index", Napi::Function::New(env, index, "index"));
  exports.Set("indexPut", Napi::Function::New(env, indexPut, "indexPut"));
}

}  // namespace torchnode
