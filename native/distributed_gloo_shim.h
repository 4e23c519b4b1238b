// Declarations of the few gloo types that c10d's ProcessGroupGloo.hpp names. Neither LibTorch
// build here ships gloo's headers (Debian links libgloo0 without libgloo-dev; the pip wheel
// links gloo statically), yet both export ProcessGroupGloo from libtorch_cpu. Our code only
// holds these types behind smart pointers and never calls into them: the real definitions
// live in the library, so nothing here reaches the object layout or a vtable we use.
// CMakeLists.txt writes gloo/<header>.h files that include this one, for distributed.cc only.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace gloo {
// 2.x's ProcessGroupGloo::setTimeout, an inline virtual, names this member; it is only emitted
// where the class's vtable is, in LibTorch itself.
class Context {
 public:
  void setTimeout(std::chrono::milliseconds timeout);
};
namespace transport {
class Device;
class UnboundBuffer;
}  // namespace transport
namespace rendezvous {
// The interface c10d's GlooStore overrides (without the optional "store v2" extension, which
// ProcessGroupGloo.hpp only compiles in when GLOO_STORE_HAS_STORE_V2 is defined).
class Store {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::seconds(30);
  virtual ~Store() = default;
  virtual void set(const std::string& key, const std::vector<char>& data) = 0;
  virtual std::vector<char> get(const std::string& key) = 0;
  virtual void wait(const std::vector<std::string>& keys) = 0;
  virtual void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) = 0;
};
}  // namespace rendezvous
}  // namespace gloo
