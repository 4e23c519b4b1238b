// The JS environment's link for calls from the autograd engine into JS (native/js_link.h).
#include "js_link.h"

#include <c10/util/Exception.h>

namespace torchnode {

void JsLink::release(napi_ref ref) {
  std::lock_guard<std::mutex> lock(mu);
  if (!alive) return;  // the environment's teardown deletes its references itself
  if (onJsThread()) {
    napi_delete_reference(env, ref);
    return;
  }
  released.push_back(ref);
  if (wake) napi_call_threadsafe_function(wake, nullptr, napi_tsfn_nonblocking);
}

void JsLink::drain() {
  std::vector<napi_ref> refs;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!alive) return;
    refs.swap(released);
  }
  for (napi_ref r : refs) napi_delete_reference(env, r);
}

JsLink::EngineCall JsLink::enter(const std::string& what, const std::string& registeredWhere) {
  TORCH_CHECK(onJsThread(), what, " can only run on the JS thread that created it (", registeredWhere,
              "), but this backward runs on another thread (an asynchronous operation's worker "
              "thread, or a device thread): call .backward() or torch.autograd.grad synchronously on that JS thread");
  {
    std::lock_guard<std::mutex> lock(mu);
    TORCH_CHECK(alive, what, ": the JS environment that created it has exited");
  }
  drain();
  return EngineCall(this);
}

// The environment is going away: nodes that outlive it (held by other environments' objects or
// by LibTorch) must not touch its Node-API state any more.
static void onEnvCleanup(void* arg) {
  auto* holder = static_cast<std::shared_ptr<JsLink>*>(arg);
  {
    std::lock_guard<std::mutex> lock((*holder)->mu);
    (*holder)->alive = false;
    (*holder)->released.clear();
  }
  delete holder;
}

// The threadsafe function's JS-thread side: frees the references queued off the JS thread.
static void drainOnJsThread(napi_env env, napi_value, void* context, void*) {
  if (env != nullptr) (*static_cast<std::shared_ptr<JsLink>*>(context))->drain();
}

static void freeWakeContext(napi_env, void* data, void*) { delete static_cast<std::shared_ptr<JsLink>*>(data); }

std::shared_ptr<JsLink>* createJsLink(Napi::Env env) {
  auto link = std::make_shared<JsLink>();
  link->env = env;
  link->thread = std::this_thread::get_id();
  auto* wakeContext = new std::shared_ptr<JsLink>(link);
  napi_value resource;
  napi_create_string_utf8(env, "torchnode.autograd.release", NAPI_AUTO_LENGTH, &resource);
  if (napi_create_threadsafe_function(env, nullptr, nullptr, resource, 0, 1, wakeContext, freeWakeContext, wakeContext,
                                      drainOnJsThread, &link->wake) == napi_ok) {
    napi_unref_threadsafe_function(env, link->wake);  // never keeps the process alive
  } else {
    delete wakeContext;  // without it, queued references wait for the next call into JS
  }
  // Functions hold the link through this holder; it lives until the environment's cleanup, which
  // is registered after Node-API's own teardown hook and so runs before it.
  auto* holder = new std::shared_ptr<JsLink>(link);
  napi_add_env_cleanup_hook(env, onEnvCleanup, holder);
  return holder;
}

}  // namespace torchnode
