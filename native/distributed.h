// torch.distributed's native side (native/distributed.cc): c10d stores, gloo process groups,
// collectives and their Work handles.
#pragma once
#include <napi.h>

namespace torchnode {

void initDistributed(Napi::Env env, Napi::Object exports);

}  // namespace torchnode
