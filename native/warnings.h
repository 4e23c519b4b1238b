// LibTorch's warnings (TORCH_WARN) reach JS as Node warnings, as PyTorch turns them into Python
// warnings. c10 hands each warning to the handler of the thread that raised it; the JS thread's
// handler (WarningBuffer, one per environment) keeps them until the native call that raised them
// returns, and flushWarnings then passes them to lib/warnings.ts, which shows each distinct one
// once through process.emitWarning. Without this, LibTorch printed each one to stderr every
// time it was raised: an LSTM with scattered weights on the GPU printed the same line every step.
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <string>
#include <vector>

namespace torchnode {

// PyTorch 2 moved c10's warning functions from namespace c10::Warning to c10::WarningUtils
// (c10::Warning became the class of one warning).
#if TORCH_VERSION_MAJOR >= 2
namespace c10_warnings = c10::WarningUtils;
#else
namespace c10_warnings = c10::Warning;
#endif

struct PendingWarning {
  std::string message;
  bool deprecation;  // LibTorch 2.x's DeprecationWarning; UserWarning otherwise
};

// Keeps the warnings c10 raises on the thread it is installed on.
class WarningBuffer final : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& warning) override;
#else
  void process(const c10::SourceLocation& location, const std::string& message, bool verbatim) override;
#endif
  bool empty() const { return pending_.empty(); }
  std::vector<PendingWarning> take();
  // Moves other's warnings after this one's (a worker thread's, into the JS thread's).
  void adopt(WarningBuffer& other);

 private:
  std::vector<PendingWarning> pending_;
};

struct State;

// At environment start and end: the JS thread's warnings go to st's buffer, then back to c10's.
void installWarnings(State& st);
void uninstallWarnings(State& st);

// Hands the buffered warnings to the JS sink. When the sink throws (node --throw-deprecation, a
// process.emitWarning that throws), its error propagates as Napi::Error and the call fails with
// it, as a warning turned into an error does in Python.
void emitWarnings(Napi::Env env, State& st);
// The same on a call's error path: the call's own error is what its caller sees, so an error the
// sink throws is dropped.
void emitWarningsQuietly(Napi::Env env, State& st) noexcept;

}  // namespace torchnode
