// See warnings.h.
#include "warnings.h"

#include <cstdio>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

#if TORCH_VERSION_MAJOR >= 2
void WarningBuffer::process(const c10::Warning& warning) {
  pending_.push_back({warning.msg(), std::holds_alternative<c10::DeprecationWarning>(warning.type())});
}
#else
void WarningBuffer::process(const c10::SourceLocation&, const std::string& message, bool) {
  pending_.push_back({message, false});
}
#endif

std::vector<PendingWarning> WarningBuffer::take() {
  std::vector<PendingWarning> out;
  out.swap(pending_);
  return out;
}

void WarningBuffer::adopt(WarningBuffer& other) {
  for (PendingWarning& w : other.pending_) pending_.push_back(std::move(w));
  other.pending_.clear();
}

void installWarnings(State& st) { c10_warnings::set_warning_handler(&st.warnings); }

void uninstallWarnings(State& st) {
  // nullptr is c10's own handler again (it prints to stderr).
  if (c10_warnings::get_warning_handler() == &st.warnings) c10_warnings::set_warning_handler(nullptr);
}

// The sink is lib/warnings.ts's; LibTorch's message is cleaned as an error's is (C++ type names
// become PyTorch's). The buffer is emptied first: the sink runs JS, which may call into LibTorch
// and warn again.
void emitWarnings(Napi::Env env, State& st) {
  std::vector<PendingWarning> warnings = st.warnings.take();
  if (st.warningSink.IsEmpty()) {  // lib/warnings.ts not loaded: c10's own way
    for (const PendingWarning& w : warnings) std::fprintf(stderr, "Warning: %s\n", cleanMessage(w.message).c_str());
    return;
  }
  for (const PendingWarning& w : warnings) {
    st.warningSink.Call({Napi::String::New(env, cleanMessage(w.message)), Napi::Boolean::New(env, w.deprecation)});
  }
}

void emitWarningsQuietly(Napi::Env env, State& st) noexcept {
  try {
    emitWarnings(env, st);
  } catch (...) {
    // The sink's error: dropped for the call's own (see warnings.h).
  }
}

static TN_FN(setWarningSink) {
  TN_GUARD {
    state(info.Env()).warningSink = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  });
}

void initWarnings(Napi::Env env, Napi::Object exports) {
  installWarnings(state(env));
  exports.Set("setWarningSink", Napi::Function::New(env, setWarningSink, "setWarningSink"));
}

}  // namespace torchnode
