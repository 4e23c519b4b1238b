// Stands in for torch/csrc/distributed/autograd/context/context.h where the LibTorch headers lack
// it (Debian's 1.13 ships c10d's reducer.hpp, which includes it, but not the RPC headers). The
// Reducer only names DistAutogradContext (a pointer member and a callback type for distributed
// autograd over RPC, which torchnode does not bind), so a declaration with that type suffices:
// nothing here is ever constructed.
#pragma once
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
