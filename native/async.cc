// Operators off the JS thread: callAsync(opId, ...args) converts the arguments on the JS thread,
// runs the operator on a libuv worker thread, and settles a Promise with the same result that
// call() returns. The stack owns references to its tensors, so disposing a JS handle while the
// work runs cannot free the data under it. Grad mode is thread-local in LibTorch, so the
// caller's mode is carried to the worker.
//
// While the operator runs, its tensors' storages are marked in State (asyncUsing, and
// asyncWriting for the arguments it writes): the JS thread may not modify them (an in-place op,
// set_, resize_, index_put_, .data = ...), nor use those being written, until the promise
// settles. Storages, not tensors: a view shares its base's storage, and resizing a view can
// reallocate it. The marks are released in complete(), which also runs on error and cancel.
#include <c10/core/GradMode.h>
#include <algorithm>
#include <memory>
#include <string>

#include "common.h"
#include "error_boundary.h"
#include "op_dispatch.h"

namespace torchnode {

struct AsyncCall {
  explicit AsyncCall(c10::OperatorHandle h) : handle(std::move(h)) {}
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  int32_t id = -1;
  c10::OperatorHandle handle;  // a copy: the registry may grow while this runs
  c10::Stack stack;
  bool gradEnabled = true;
  std::string error;  // set by the worker when the operator throws
  std::vector<const void*> using_, writing;  // the storages marked for this call
  WarningBuffer warnings;  // what LibTorch warned on the worker thread; the JS thread adopts them
};

static void mark(std::unordered_map<const void*, int32_t>& m, const void* key) { m[key]++; }
static void unmark(std::unordered_map<const void*, int32_t>& m, const void* key) {
  auto it = m.find(key);
  if (it != m.end() && --it->second == 0) m.erase(it);
}

static void markStorages(State& st, const OpEntry& op, AsyncCall& call) {
  forEachTensor(call.stack, [&](const at::Tensor& t, size_t i) {
    if (!t.defined() || !t.has_storage()) return;
    const void* key = t.storage().unsafeGetStorageImpl();
    mark(st.asyncUsing, key);
    call.using_.push_back(key);
    if (std::find(op.writes.begin(), op.writes.end(), static_cast<int>(i)) != op.writes.end()) {
      mark(st.asyncWriting, key);
      call.writing.push_back(key);
    }
  });
  st.pendingAsync++;
}

static void unmarkStorages(State& st, AsyncCall& call) {
  for (const void* k : call.using_) unmark(st.asyncUsing, k);
  for (const void* k : call.writing) unmark(st.asyncWriting, k);
  st.pendingAsync--;
}

void markInUse(State& st, const c10::IValue& v, StorageMarks& marks) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined() || !t.has_storage()) return;
    if (!marks.counted) {
      st.pendingAsync++;
      marks.counted = true;
    }
    const void* key = t.storage().unsafeGetStorageImpl();
    mark(st.asyncUsing, key);
    marks.keys.push_back(key);
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef()) markInUse(st, e, marks);
  } else if (v.isTuple()) {
    for (const c10::IValue& e : v.toTupleRef().elements()) markInUse(st, e, marks);
  } else if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) markInUse(st, e.value(), marks);
  }
}

void releaseStorageMarks(State& st, StorageMarks& marks) {
  for (const void* k : marks.keys) unmark(st.asyncUsing, k);
  marks.keys.clear();
  if (marks.counted) st.pendingAsync--;
  marks.counted = false;
}

// Worker thread: no N-API calls here.
static void execute(napi_env, void* data) {
  auto* call = static_cast<AsyncCall*>(data);
  try {
    c10_warnings::WarningHandlerGuard capture(&call->warnings);  // c10's handler is per thread: here, the call's buffer
    c10::AutoGradMode mode(call->gradEnabled);
    call->handle.callBoxed(call->stack);
  } catch (...) {
    call->error = currentErrorMessage();
  }
}

// JS thread: turns the results into handles and settles the promise.
static void complete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncCall> call(static_cast<AsyncCall*>(data));
  Napi::Env nenv(env);
  Napi::HandleScope scope(nenv);
  napi_delete_async_work(env, call->work);
  State& st = state(nenv);
  unmarkStorages(st, *call);
  st.warnings.adopt(call->warnings);
  if (status != napi_ok) {
    flushWarningsQuietly(nenv, st);
    napi_reject_deferred(env, call->deferred, makeTorchError(nenv, "the asynchronous operator call was cancelled"));
    return;
  }
  if (!call->error.empty()) {
    flushWarningsQuietly(nenv, st);
    napi_reject_deferred(env, call->deferred, makeTorchError(nenv, call->error));
    return;
  }
  try {
    flushWarnings(nenv, st);
    napi_resolve_deferred(env, call->deferred, popResults(env, st, st.ops->at(call->id), call->stack));
  } catch (...) {
    napi_reject_deferred(env, call->deferred, currentErrorToJs(nenv));
  }
}

static napi_value callAsync(napi_env env, napi_callback_info cbinfo) {
  Napi::Env nenv(env);
  CallArgs a(env, cbinfo);
  size_t argc = a.argc;
  napi_value* argv = a.argv;
  try {
    State& st = state(nenv);
    const OpEntry& op = entryArg(env, st, argc, argv);
    auto call = std::make_unique<AsyncCall>(op.handle);
    napi_get_value_int32(env, argv[0], &call->id);
    pushArgs(env, st, op, argv + 1, argc - 1, call->stack);
    if (st.pendingAsync != 0) checkStackNotPending(st, op, call->stack);
    call->gradEnabled = at::GradMode::is_enabled();
    napi_value promise, name;
    napi_create_promise(env, &call->deferred, &promise);
    napi_create_string_utf8(env, "torchnode:callAsync", NAPI_AUTO_LENGTH, &name);
    napi_create_async_work(env, nullptr, name, execute, complete, call.get(), &call->work);
    markStorages(st, op, *call);
    if (napi_queue_async_work(env, call->work) != napi_ok) {
      unmarkStorages(st, *call);
      napi_delete_async_work(env, call->work);
      throw std::runtime_error("callAsync: could not queue the work");
    }
    call.release();  // complete() owns it now
    return promise;
  } catch (...) {
    rethrowToJs(nenv);
  }
  return nullptr;
}

void initAsync(Napi::Env env, Napi::Object exports) {
  napi_value fn;
  napi_create_function(env, "callAsync", NAPI_AUTO_LENGTH, callAsync, nullptr, &fn);
  exports.Set("callAsync", Napi::Value(env, fn));
}

}  // namespace torchnode
