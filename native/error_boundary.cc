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

Napi::Value makeTorchError(Napi::Env env, const std::string& message) {
  State& st = state(env);
  std::string msg = cleanMessage(message);
  if (!st.torchError.IsEmpty()) return st.torchError.New({Napi::String::New(env, msg)});
  return Napi::Error::New(env, msg).Value();
}

void throwTorchError(Napi::Env env, const std::string& message) {
  throw Napi::Error(env, makeTorchError(env, message));
}

void throwIfJsThrew(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value e;
  napi_get_and_clear_last_exception(env, &e);
  throw Napi::Error(env, e);
}

Napi::Value currentErrorToJs(Napi::Env env) {
  try {
    throw;
  } catch (const Napi::Error& e) {
    return e.Value();
  } catch (const ArgError& e) {
    return Napi::TypeError::New(env, e.what()).Value();
  } catch (const c10::Error& e) {
    return makeTorchError(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    return makeTorchError(env, e.what());
  } catch (...) {
    return makeTorchError(env, "unknown native error");
  }
}

void rethrowToJs(Napi::Env env) {
  Napi::Value err = currentErrorToJs(env);
  napi_throw(env, err);
}

}  // namespace torchnode
