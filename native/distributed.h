// torch.distributed's native side (native/distributed.cc): c10d stores, gloo process groups,
// collectives and their Work handles.
#pragma once
#include <napi.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <vector>

namespace torchnode {

void initDistributed(Napi::Env env, Napi::Object exports);
// DistributedDataParallel's Reducer (native/ddp_reducer.cc).
void initDdpReducer(Napi::Env env, Napi::Object exports);

// For native/ddp_reducer.cc: the c10d ProcessGroup of a group value from JS (in LibTorch 2.x a
// ProcessGroup over the group's gloo Backend, as PyTorch builds it), and a list of tensor handles.
c10::intrusive_ptr<c10d::ProcessGroup> processGroupArg(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> distTensorList(const Napi::CallbackInfo& info, size_t i);

}  // namespace torchnode
