// Crossing data between JS and tensors: creation from TypedArrays, export to ArrayBuffers, and
// the metadata reads (shape, dtype, device...) that are not operators.
#include <cstring>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static std::vector<int64_t> intList(const Napi::Value& v) {
  if (!v.IsArray()) throw ArgError("shape must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw ArgError("shape must be an array of integers");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d)))
      throw ArgError("shape entries must be non-negative integers");
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

// fromBuffer(typedArray, dtype, shape, device?): copies the bytes into a new tensor. The JS side
// picks a TypedArray whose element type is `dtype`.
static TN_FN(fromBuffer) {
  TN_GUARD {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray()) throw ArgError("fromBuffer: a TypedArray is required");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    auto dtype = static_cast<at::ScalarType>(info[1].As<Napi::Number>().Int32Value());
    std::vector<int64_t> shape = intList(info[2]);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t nbytes = t.numel() * t.element_size();
    if (nbytes != ta.ByteLength())
      throw ArgError("data has " + std::to_string(ta.ByteLength()) + " bytes but shape " +
                     c10::str(at::IntArrayRef(shape)) + " of " + c10::toString(dtype) + " needs " +
                     std::to_string(nbytes));
    if (nbytes) {
      auto* src = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      std::memcpy(t.data_ptr(), src, nbytes);
    }
    // The rest of torch.tensor()'s work in the same crossing: the dtype JS has no array for
    // (float16, bfloat16, complex), the device, requires_grad.
    if (info.Length() > 5 && info[5].IsNumber()) {
      auto target = static_cast<at::ScalarType>(info[5].As<Napi::Number>().Int32Value());
      if (target != dtype) t = t.to(target);
    }
    if (info.Length() > 3 && info[3].IsString()) {
      c10::Device dev(info[3].As<Napi::String>().Utf8Value());
      if (!dev.is_cpu()) t = t.to(dev);
    }
    if (info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value()) t.set_requires_grad(true);
    return handleValue(env, std::move(t));
  });
}

// The tensor as contiguous CPU data of an exportable type: half and bfloat16 become float32
// (JS has no 16-bit float array on Node 20).
static at::Tensor exportable(at::Tensor t) {
  if (t.is_complex()) throw ArgError("complex tensors cannot be exported to a TypedArray");
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  return t.detach().to(at::kCPU).contiguous();
}

// Large copies go to fresh memory (glibc maps blocks above its mmap threshold anew each time),
// and every 4 KB page of it faults on first write: on a virtual machine with costly faults, a
// 64 MB export took 0.3-0.5 s, against 25 ms for PyTorch's `.numpy().copy()`, whose numpy asks
// for transparent huge pages on arrays of 4 MB and more. The same request here: the 2 MB-aligned
// interior of the destination faults in 2 MB pages. A no-op where THP is off.
static constexpr size_t kHugePageBytes = size_t{2} << 20;
static constexpr size_t kHugePageThreshold = size_t{4} << 20;
static void adviseHugePages(void* data, size_t nbytes) {
#ifdef __linux__
  if (nbytes < kHugePageThreshold) return;
  auto begin = (reinterpret_cast<uintptr_t>(data) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  auto end = (reinterpret_cast<uintptr_t>(data) + nbytes) & ~(kHugePageBytes - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// toBuffer(h): the elements as a new ArrayBuffer. napi_create_buffer allocates without zeroing
// (napi_create_arraybuffer zero-fills, which cost as much as the copy itself), and its ArrayBuffer
// is V8's own, freed by the GC with no finalizer of ours.
static TN_FN(toBuffer) {
  TN_GUARD {
    Napi::Env env = info.Env();
    at::Tensor t = exportable(tensorArg(info, 0));
    size_t nbytes = t.numel() * t.element_size();
    void* data = nullptr;
    napi_value buf, ab;
    if (napi_create_buffer(env, nbytes, &data, &buf) != napi_ok ||
        napi_get_typedarray_info(env, buf, nullptr, nullptr, nullptr, &ab, nullptr) != napi_ok) {
      throwIfJsThrew(env);
      throw std::runtime_error("could not allocate " + std::to_string(nbytes) + " bytes for the exported tensor");
    }
    if (nbytes) {
      adviseHugePages(data, nbytes);
      std::memcpy(data, t.data_ptr(), nbytes);
    }
    return Napi::Value(env, ab);
  });
}

// copyInto(h, typedArray): the elements copied into the caller's TypedArray, whose byte length
// the JS side has checked against the tensor (a reused array costs no fresh memory).
static TN_FN(copyInto) {
  TN_GUARD {
    at::Tensor t = exportable(tensorArg(info, 0));
    if (!info[1].IsTypedArray()) throw ArgError("copyInto: a TypedArray is required");
    Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
    size_t nbytes = t.numel() * t.element_size();
    if (nbytes != ta.ByteLength())
      throw ArgError("the output array has " + std::to_string(ta.ByteLength()) + " bytes but the tensor has " + std::to_string(nbytes));
    if (nbytes) {
      auto* dst = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      adviseHugePages(dst, nbytes);
      std::memcpy(dst, t.data_ptr(), nbytes);
    }
    return info.Env().Undefined();
  });
}

// shareBuffer(h, previous?): an ArrayBuffer over the tensor's own memory, as PyTorch's .numpy()
// shares it: no copy, writes go both ways. The buffer holds its own reference to the storage, so
// it stays valid after the tensor is disposed, until V8 collects the buffer. `previous`, the
// buffer this tensor shared last time, is returned again while it still spans exactly the
// tensor's memory: V8 counts every new buffer's bytes as external memory and runs a full
// collection after every few dozen MB of them, which made a fresh buffer per call cost as much
// as a copy.
static TN_FN(shareBuffer) {
  TN_GUARD {
    Napi::Env env = info.Env();
    at::Tensor t = tensorArg(info, 0);
    if (info.Length() > 1 && info[1].IsArrayBuffer() && !t.requires_grad() && t.device().is_cpu() && t.has_storage() &&
        t.is_contiguous() && t.numel() > 0) {
      Napi::ArrayBuffer previous = info[1].As<Napi::ArrayBuffer>();
      if (previous.Data() == t.data_ptr() && previous.ByteLength() == t.numel() * t.element_size()) return previous;
    }
    if (t.requires_grad())
      throw ArgError("Can't share the memory of a tensor that requires grad: use t.detach().asTypedArray() instead");
    if (!t.device().is_cpu())
      throw ArgError("Can't share the memory of a tensor on " + t.device().str() + ": use t.cpu().asTypedArray(), or toTypedArray() for a copy");
    // bool is left out too: a write of 2 through a Uint8Array would make an invalid bool.
    if (t.is_complex() || t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kBool ||
        t.is_quantized() || !t.has_storage() || t.is_conj() || t.is_neg())
      throw ArgError(std::string("Can't share the memory of a ") + c10::toString(t.scalar_type()) + " tensor as a TypedArray: use toTypedArray() for a converted copy");
    if (!t.is_contiguous())
      throw ArgError("Can't share the memory of a non-contiguous tensor as a TypedArray: use t.contiguous().asTypedArray(), or toTypedArray() for a copy");
    size_t nbytes = t.numel() * t.element_size();
    if (nbytes == 0) return Napi::ArrayBuffer::New(env, 0);
    // A resize_ that grows the tensor would move its memory away from under the buffer: from now
    // on that is LibTorch's "not resizable" error instead.
    t.storage().unsafeGetStorageImpl()->set_resizable(false);
    auto* keep = new at::Tensor(t.detach());
    napi_value ab;
    napi_status s = napi_create_external_arraybuffer(
        env, keep->data_ptr(), nbytes,
        [](napi_env, void*, void* hint) { delete static_cast<at::Tensor*>(hint); }, keep, &ab);
    if (s != napi_ok) {
      delete keep;
      throw ArgError("this JavaScript runtime does not allow buffers over native memory (a V8 sandbox): use toTypedArray() for a copy");
    }
    return Napi::Value(env, ab);
  });
}

static TN_FN(shape) {
  TN_GUARD {
    Napi::Env env = info.Env();
    at::Tensor t = tensorArg(info, 0);
    auto sizes = t.sizes();
    Napi::Array out = Napi::Array::New(env, sizes.size());
    for (size_t i = 0; i < sizes.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(sizes[i])));
    return out;
  });
}

static TN_FN(strides) {
  TN_GUARD {
    Napi::Env env = info.Env();
    at::Tensor t = tensorArg(info, 0);
    auto st = t.strides();
    Napi::Array out = Napi::Array::New(env, st.size());
    for (size_t i = 0; i < st.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(st[i])));
    return out;
  });
}

static TN_FN(dtype) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<int>(tensorArg(info, 0).scalar_type())); });
}

static TN_FN(device) {
  TN_GUARD { return Napi::String::New(info.Env(), tensorArg(info, 0).device().str()); });
}

static TN_FN(dim) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<double>(tensorArg(info, 0).dim())); });
}

static TN_FN(numel) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<double>(tensorArg(info, 0).numel())); });
}

// dataPtr(h): the address of the first element, as PyTorch's Tensor.data_ptr() (a JS number holds
// any 48-bit address exactly). RNN.flatten_parameters() compares them to find aliased weights.
static TN_FN(dataPtr) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(tensorArg(info, 0).data_ptr()))); });
}

static TN_FN(isContiguous) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_contiguous()); });
}

// item(h): a one-element tensor's value as a JS number or boolean.
static TN_FN(item) {
  TN_GUARD {
    Napi::Env env = info.Env();
    at::Tensor t = tensorArg(info, 0);
    if (t.numel() != 1)
      throw std::runtime_error("a Tensor with " + std::to_string(t.numel()) +
                               " elements cannot be converted to Scalar");
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    if (s.isComplex()) throw ArgError("complex item() is not supported");
    return Napi::Number::New(env, s.toDouble());
  });
}

void initTensorData(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBuffer", Napi::Function::New(env, fromBuffer, "fromBuffer"));
  exports.Set("toBuffer", Napi::Function::New(env, toBuffer, "toBuffer"));
  exports.Set("copyInto", Napi::Function::New(env, copyInto, "copyInto"));
  exports.Set("shareBuffer", Napi::Function::New(env, shareBuffer, "shareBuffer"));
  exports.Set("shape", Napi::Function::New(env, shape, "shape"));
  exports.Set("strides", Napi::Function::New(env, strides, "strides"));
  exports.Set("dtype", Napi::Function::New(env, dtype, "dtype"));
  exports.Set("device", Napi::Function::New(env, device, "device"));
  exports.Set("dim", Napi::Function::New(env, dim, "dim"));
  exports.Set("numel", Napi::Function::New(env, numel, "numel"));
  exports.Set("isContiguous", Napi::Function::New(env, isContiguous, "isContiguous"));
  exports.Set("dataPtr", Napi::Function::New(env, dataPtr, "dataPtr"));
  exports.Set("item", Napi::Function::New(env, item, "item"));
}

}  // namespace torchnode
