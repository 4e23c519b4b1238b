// Shared declarations of the addon: per-environment state and the small helpers every concern uses.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "tensor_table.h"
#include "warnings.h"

namespace torchnode {

class OpRegistry;

// Everything the addon keeps lives here, one instance per Node environment (main thread or
// worker), so the addon is context-aware.
struct State {
  TensorTable table;
  OpRegistry* ops = nullptr;
  Napi::FunctionReference torchError;  // the JS TorchError class, set by lib/binding.ts
  int64_t reportedExternal = 0;        // the bytes of GC-tracked tensors V8 has been told about
  // Storages (c10::StorageImpl*) that pending asynchronous operations use, counted per use: JS
  // may not write them (asyncUsing), nor touch them at all when the operation writes them
  // (asyncWriting), until the operation settles. pendingAsync lets the hot path skip the maps.
  int64_t pendingAsync = 0;
  std::unordered_map<const void*, int32_t> asyncUsing, asyncWriting;
  WarningBuffer warnings;                // LibTorch's warnings on this thread, until the call returns
  Napi::FunctionReference warningSink;   // lib/warnings.ts's, which shows them as Node warnings
  ~State();
};

State& state(Napi::Env env);

// At the end of a native call: what LibTorch warned during it goes to JS (see warnings.h).
inline void flushWarnings(Napi::Env env, State& st) {
  if (!st.warnings.empty()) emitWarnings(env, st);
}
inline void flushWarningsQuietly(Napi::Env env, State& st) noexcept {
  if (!st.warnings.empty()) emitWarningsQuietly(env, st);
}

inline constexpr const char* kNotATensor =
    "Expected a Tensor of this thread: got a disposed tensor, or a value that is not a tensor";

// Reads a tensor handle argument; throws a TorchError for a disposed or bogus handle. A copy, not
// a reference into the table: anything that runs JS afterwards may grow or reuse the table.
at::Tensor tensorArg(const Napi::CallbackInfo& info, size_t i);
// Throws a TorchError when a pending asynchronous operation holds t's storage: always when the
// operation writes it, and when `write` (the caller is about to modify t) when it only reads it.
void checkNotPending(State& st, const at::Tensor& t, bool write);
// A JS integer as int64, as Python unpacks an int: beyond int64 it is PyTorch's overflow error.
int64_t checkedInt64(double d);
// Reads an array of tensor handles; null entries (allowed only when nullable) are undefined
// tensors. `what` names the array in errors.
std::vector<at::Tensor> handleList(Napi::Env env, const Napi::Value& v, const char* what, bool nullable);
// Wraps a result tensor into a handle (a plain JS number); undefined tensors become null.
Napi::Value handleValue(Napi::Env env, at::Tensor t);

// Storages a pending asynchronous call uses (beyond callAsync's own operator calls): marked
// while it runs, so that JS cannot write them meanwhile (checkNotPending).
struct StorageMarks {
  std::vector<const void*> keys;
  bool counted = false;  // this call is counted in State::pendingAsync
};
// Marks the storages of every tensor in v (lists, tuples and dict values included).
void markInUse(State& st, const c10::IValue& v, StorageMarks& marks);
void releaseStorageMarks(State& st, StorageMarks& marks);

// Sets glibc's malloc up for tensors' burst frees (see tensor_table.cc); once per process.
void tuneAllocator();

// Registration functions, one per concern file.
void initTensorData(Napi::Env env, Napi::Object exports);
void initOpDispatch(Napi::Env env, Napi::Object exports);
void initIndexing(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initCuda(Napi::Env env, Napi::Object exports);
void initAsync(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initTableExports(Napi::Env env, Napi::Object exports);
void initVersion(Napi::Env env, Napi::Object exports);
void initJit(Napi::Env env, Napi::Object exports);
void initFileRead(Napi::Env env, Napi::Object exports);
struct JsLink;
void initCustomFunction(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link);
void initTensorHooks(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link);
void initAutogradGraph(Napi::Env env, Napi::Object exports, std::shared_ptr<JsLink>* link);
void initRuntimeSettings(Napi::Env env, Napi::Object exports);
void initWarnings(Napi::Env env, Napi::Object exports);

}  // namespace torchnode
