// See error_boundary.h.
#include "error_boundary.h"
#include "common.h"

namespace torchnode {

// LibTorch messages sometimes end with "(Triggered internally at ...)" or source locations in
// "Exception raised from" lines; the user needs neither.
static std::string cleanMessage(std::string m) {
  for (const char* marker : {"\nException raised from", "Exception raised from "}) {
    auto p = m.find(marker);
    if (p != std::string::npos) m.erase(p);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

void throwTorchError(Napi::Env env, const std::string& message) {
  State& st = state(env);
  std::string msg = cleanMessage(message);
  if (!st.torchError.IsEmpty()) {
    Napi::Object err = st.torchError.New({Napi::String::New(env, msg)});
    throw Napi::Error(env, err);
  }
  throw Napi::Error::New(env, msg);
}

}  // namespace torchnode
