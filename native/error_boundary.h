// The one place where C++ failures become JS exceptions. Every exported function body runs
// inside guard(): a c10::Error keeps LibTorch's own message without the C++ backtrace, and
// is thrown as the JS TorchError class so that the JS stack is the caller's. What LibTorch warned
// during the call goes to JS on the way out (warnings.h).
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <stdexcept>
#include <string>

#include "common.h"

namespace torchnode {

// An argument the user got wrong, detected on the native side (maps to JS TypeError).
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throwTorchError(Napi::Env env, const std::string& message);
// After a raw N-API call that ran JS (an element getter) failed: when that JS threw, takes the
// pending exception and throws it as a Napi::Error, so it reaches the caller unchanged.
void throwIfJsThrew(napi_env env);
// The JS TorchError for a message, as a value (for rejecting a promise).
Napi::Value makeTorchError(Napi::Env env, const std::string& message);
// The JS error for a caught C++ failure (ArgError → TypeError, c10::Error and others →
// TorchError); used from inside a catch block.
Napi::Value currentErrorToJs(Napi::Env env);
// For raw N-API callbacks: sets the pending JS exception for the C++ failure being handled.
void rethrowToJs(Napi::Env env);
// LibTorch's message as the user sees it (an error's or a warning's): no C++ source locations or
// type names.
std::string cleanMessage(std::string message);
// The message of the C++ failure being handled (LibTorch's own, without the backtrace), for work
// on a libuv worker thread, which cannot touch JS; used from inside a catch block.
std::string currentErrorMessage();

template <typename F>
Napi::Value guard(const Napi::CallbackInfo& info, F&& body) {
  Napi::Env env = info.Env();
  State& st = state(env);
  try {
    Napi::Value result = body();
    flushWarnings(env, st);
    return result;
  } catch (...) {
    flushWarningsQuietly(env, st);
    throw Napi::Error(env, currentErrorToJs(env));
  }
}

// Wraps a function so that its body runs inside guard().
#define TN_FN(name) Napi::Value name(const Napi::CallbackInfo& info)
#define TN_GUARD return guard(info, [&]() -> Napi::Value

}  // namespace torchnode
