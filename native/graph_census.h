// Autograd graphs held through tensors left to the GC, counted so that V8 hears of them
// (native/graph_census.cc).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace torchnode {

// t was just handed to the GC: notes the autograd nodes created on this thread since the previous
// call that t's graph reaches, and watches them until they are freed.
void noteGraph(const at::Tensor& t);

// Native bytes of the noted nodes still alive on this thread, as of the last recount.
int64_t liveGraphBytes();

// Recounts: drops the noted nodes freed since the last recount.
void recountGraphs();

}  // namespace torchnode
