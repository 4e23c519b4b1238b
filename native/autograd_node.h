// How LibTorch holds an autograd node, for the files that keep or watch nodes
// (native/custom_function.cc, native/graph_census.cc).
#pragma once

#include <torch/csrc/autograd/edge.h>

namespace torchnode {

// std::shared_ptr<Node> in LibTorch 1.x, c10::intrusive_ptr<Node> in recent 2.x.
using NodePtr = decltype(torch::autograd::Edge::function);

}  // namespace torchnode
