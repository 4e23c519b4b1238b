// Calls from LibTorch's autograd engine into JS: a JS autograd.Function's backward
// (native/custom_function.cc) and tensor hooks (native/tensor_hooks.cc). Both keep a JS function
// in a graph node through a napi_ref and call it synchronously from the engine. That is only
// possible on the JS thread of the environment that made them: on CPU, LibTorch runs a backward
// on the thread that started it, so y.backward() from JS works; a backward started elsewhere (an
// async operator on a libuv worker, a CUDA device thread) gets a TorchError instead of touching
// JS from the wrong thread.
//
// Graph nodes can die on any thread, including inside a GC-time finalizer: a node's reference is
// deleted at once on the JS thread (napi_delete_reference is allowed there), and elsewhere queued
// with the JS thread woken through an unref'd threadsafe function, which drains the queue (so
// does the next call into JS). Once the environment is torn down, nodes that outlive it no longer
// touch Node-API.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace torchnode {

// One per JS environment: which thread may call into it, and the references released off it.
struct JsLink {
  napi_env env;
  std::thread::id thread;
  std::mutex mu;
  bool alive = true;                 // false once the environment is being torn down
  std::vector<napi_ref> released;    // refs of nodes destroyed off the JS thread
  napi_threadsafe_function wake = nullptr;  // runs drain() on the JS thread

  bool onJsThread() const { return std::this_thread::get_id() == thread; }

  // Deletes ref now on the JS thread, else queues it for the JS thread.
  void release(napi_ref ref);
  // On the JS thread: deletes the references queued by other threads.
  void drain();
  // Counts a call from the engine into JS while it lasts.
  struct EngineCall {
    explicit EngineCall(JsLink* l) : link(l) { link->engineCalls++; }
    ~EngineCall() { link->engineCalls--; }
    EngineCall(const EngineCall&) = delete;
    EngineCall& operator=(const EngineCall&) = delete;
    JsLink* link;
  };
  // Calls from the engine into JS in progress (JS thread only): while there are some, the engine
  // may be walking a node's hook list, which must then not grow (native/autograd_graph.cc).
  int engineCalls = 0;

  // Before calling into JS from the engine: throws a TorchError naming `what` ("autograd.Function
  // X.backward", "a tensor hook") when this is not the JS thread or its environment has exited;
  // else counts the call until the result goes.
  [[nodiscard]] EngineCall enter(const std::string& what, const std::string& registeredWhere);
};

// The environment's link, made once at addon load (its cleanup is registered with the
// environment); the functions that need it hold it as their data.
std::shared_ptr<JsLink>* createJsLink(Napi::Env env);

}  // namespace torchnode
