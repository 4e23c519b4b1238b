// See error_boundary.h.
#include "error_boundary.h"
#include "common.h"

#include <regex>

namespace torchnode {

// LibTorch messages sometimes end with "(Triggered internally at ...)" or source locations in
// "Exception raised from" lines; the user needs neither. Some spell C++ types (c10::Half,
// c10::complex<float>) or name a source file (INTERNAL ASSERT FAILED at "/build/...cpp":123):
// those become PyTorch's dtype names, and the location goes.
std::string cleanMessage(std::string m) {
  for (const char* marker : {"\nException raised from", "Exception raised from "}) {
    auto p = m.find(marker);
    if (p != std::string::npos) m.erase(p);
  }
  static const std::pair<std::regex, const char*> rewrites[] = {
      {std::regex("(c10|at)::complex<(c10|at)::Half>"), "ComplexHalf"},
      {std::regex("(c10|at)::complex<float>"), "ComplexFloat"},
      {std::regex("(c10|at)::complex<double>"), "ComplexDouble"},
      {std::regex(" at \"[^\"]*\":[0-9]+"), ""},
      {std::regex("\\b(c10|at|caffe2)::"), ""},
  };
  if (m.find("::") != std::string::npos || m.find(" at \"") != std::string::npos)
    for (const auto& [pattern, replacement] : rewrites) m = std::regex_replace(m, pattern, replacement);
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

std::string currentErrorMessage() {
  try {
    throw;
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown native error";
  }
}

void rethrowToJs(Napi::Env env) {
  Napi::Value err = currentErrorToJs(env);
  napi_throw(env, err);
}

}  // namespace torchnode
