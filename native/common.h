// Shared declarations of the addon: per-environment state and the small helpers every concern uses.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>

#include "tensor_table.h"

namespace torchnode {

class OpRegistry;

// Everything the addon keeps lives here, one instance per Node environment (main thread or
// worker), so the addon is context-aware.
struct State {
  TensorTable table;
  OpRegistry* ops = nullptr;
  Napi::FunctionReference torchError;  // the JS TorchError class, set by lib/binding.ts
  int64_t pendingExternal = 0;         // tracked bytes not yet reported to V8
  ~State();
};

State& state(Napi::Env env);

// Reads a tensor handle argument; throws a TorchError for a disposed or bogus handle.
at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i);
// Wraps a result tensor into a handle (a plain JS number); undefined tensors become null.
Napi::Value handleValue(Napi::Env env, at::Tensor t);

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

}  // namespace torchnode
