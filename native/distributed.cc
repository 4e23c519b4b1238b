// torch.distributed over LibTorch's c10d: the stores (TCPStore, FileStore, PrefixStore), gloo
// process groups and their collectives. lib/distributed/ is the PyTorch-shaped API over these.
//
// Issuing a collective never blocks: ProcessGroupGloo queues it on its own threads and returns a
// Work. Waiting for a Work happens either on the JS thread with a timeout (the sync form) or on
// a libuv worker thread behind a Promise (distWorkWaitAsync), so `await work.wait()` leaves the
// event loop running. Failures (a timeout, a peer that closed its connection, a bad argument)
// are c10::Error or std::exception and reach JS as TorchError through the error boundary.
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupWrapper.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "distributed.h"
#include "error_boundary.h"

namespace torchnode {

using std::chrono::milliseconds;

// What JS holds for a store, a process group or a work: an External owning a reference. release
// drops it early (destroy_process_group), so that the group's threads and sockets go then, not
// at some later garbage collection.
template <typename T>
struct Holder {
  explicit Holder(c10::intrusive_ptr<T> p) : ptr(std::move(p)) {}
  c10::intrusive_ptr<T> ptr;
};

// A group: a ProcessGroupGloo, or the ProcessGroupWrapper that checks each collective's shapes
// first (TORCH_DISTRIBUTED_DEBUG=DETAIL). Their common base is ProcessGroup in 1.x, Backend in 2.x.
#if TORCH_VERSION_MAJOR < 2
using GroupBase = c10d::ProcessGroup;
#else
using GroupBase = c10d::Backend;
#endif

using StoreHolder = Holder<c10d::Store>;
using GroupHolder = Holder<GroupBase>;
using WorkHolder = Holder<c10d::Work>;

// Type tags: no other External (another addon's, or one of our other kinds) is taken for ours.
static const napi_type_tag kStoreTag = {0x4d1f0a7c93b25e18ULL, 0xa6c2e4f1b8d3907eULL};
static const napi_type_tag kGroupTag = {0x9b3e6d2a1c7f4085ULL, 0x3f8a1d6e2c9b7450ULL};
static const napi_type_tag kWorkTag = {0x2c6f9e1b4a8d3705ULL, 0xd7e3b1a9f4c26085ULL};

template <typename T>
static Napi::Value wrap(Napi::Env env, c10::intrusive_ptr<T> p, const napi_type_tag* tag) {
  auto ext = Napi::External<Holder<T>>::New(env, new Holder<T>(std::move(p)), [](Napi::Env, Holder<T>* h) { delete h; });
  ext.TypeTag(tag);
  return ext;
}

template <typename T>
static Holder<T>& holderArg(const Napi::CallbackInfo& info, size_t i, const napi_type_tag* tag, const char* what) {
  if (i >= info.Length() || !info[i].IsExternal() || !info[i].As<Napi::Object>().CheckTypeTag(tag))
    throw ArgError(std::string("expected a ") + what);
  return *info[i].As<Napi::External<Holder<T>>>().Data();
}

template <typename T>
static c10::intrusive_ptr<T> liveArg(const Napi::CallbackInfo& info, size_t i, const napi_type_tag* tag, const char* what) {
  auto& h = holderArg<T>(info, i, tag, what);
  TORCH_CHECK(h.ptr, "this ", what, " was destroyed");
  return h.ptr;
}

static c10::intrusive_ptr<c10d::Store> storeArg(const Napi::CallbackInfo& info, size_t i) {
  return liveArg<c10d::Store>(info, i, &kStoreTag, "Store");
}
static c10::intrusive_ptr<GroupBase> groupArg(const Napi::CallbackInfo& info, size_t i) {
  return liveArg<GroupBase>(info, i, &kGroupTag, "ProcessGroup");
}
static c10::intrusive_ptr<c10d::Work> workArg(const Napi::CallbackInfo& info, size_t i) {
  return liveArg<c10d::Work>(info, i, &kWorkTag, "Work");
}

static std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsString()) throw ArgError(std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

static int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) throw ArgError(std::string(what) + " must be a number");
  return checkedInt64(info[i].As<Napi::Number>().DoubleValue());
}

// A timeout in milliseconds; a negative one means "none given" (the group's or store's own).
static milliseconds msArg(const Napi::CallbackInfo& info, size_t i) {
  return milliseconds(intArg(info, i, "timeout"));
}

static at::Tensor tensorValue(Napi::Env env, Napi::Value v) {
  double h = -1;
  if (v.IsNumber()) h = v.As<Napi::Number>().DoubleValue();
  at::Tensor* t = state(env).table.find(asHandle(h));
  if (!t) throw std::runtime_error(kNotATensor);
  return *t;
}

static std::vector<at::Tensor> tensorList(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError("expected a list of tensors");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(tensorValue(info.Env(), a.Get(k)));
  return out;
}

static std::vector<std::vector<at::Tensor>> tensorLists(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError("expected a list of lists of tensors");
  auto a = info[i].As<Napi::Array>();
  std::vector<std::vector<at::Tensor>> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value row = a.Get(k);
    if (!row.IsArray()) throw ArgError("expected a list of lists of tensors");
    auto r = row.As<Napi::Array>();
    for (uint32_t j = 0; j < r.Length(); j++) out[k].push_back(tensorValue(info.Env(), r.Get(j)));
  }
  return out;
}

std::vector<at::Tensor> distTensorList(const Napi::CallbackInfo& info, size_t i) { return tensorList(info, i); }

c10::intrusive_ptr<c10d::ProcessGroup> processGroupArg(const Napi::CallbackInfo& info, size_t i) {
  auto group = groupArg(info, i);
#if TORCH_VERSION_MAJOR < 2
  return group;
#else
  // 2.x splits the ProcessGroup (which routes each collective by device through the dispatcher)
  // from the Backend that runs it; DDP's C++ side takes the former, as Python's group object is.
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(group->getRank(), group->getSize());
  pg->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, group);
  pg->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  return pg;
#endif
}

static c10d::ReduceOp reduceOpArg(const Napi::CallbackInfo& info, size_t i) {
  int64_t op = intArg(info, i, "op");
  if (op < c10d::ReduceOp::SUM || op > c10d::ReduceOp::MAX) throw ArgError("op must be a ReduceOp");
  return c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
}

// ---- stores ---------------------------------------------------------------------------------

// (host, port, worldSize or -1, isServer, timeoutMs, waitWorkers)
static TN_FN(tcpStore) {
  TN_GUARD {
    c10d::TCPStoreOptions opts;
    std::string host = stringArg(info, 0, "host");
    int64_t port = intArg(info, 1, "port");
    if (port < 0 || port > 65535) throw ArgError("port must be in [0, 65535]");
    opts.port = static_cast<uint16_t>(port);
    int64_t world = intArg(info, 2, "world_size");
    if (world >= 0) opts.numWorkers = static_cast<std::size_t>(world);
    opts.isServer = info[3].ToBoolean().Value();
    opts.timeout = msArg(info, 4);
    opts.waitWorkers = info[5].ToBoolean().Value();
    auto store = c10::make_intrusive<c10d::TCPStore>(host, opts);
    return wrap<c10d::Store>(info.Env(), store, &kStoreTag);
  });
}

static TN_FN(fileStore) {
  TN_GUARD {
    std::string path = stringArg(info, 0, "path");
    int64_t world = intArg(info, 1, "world_size");
    auto store = c10::make_intrusive<c10d::FileStore>(path, static_cast<int>(world));
    return wrap<c10d::Store>(info.Env(), store, &kStoreTag);
  });
}

static TN_FN(prefixStore) {
  TN_GUARD {
    std::string prefix = stringArg(info, 0, "prefix");
    auto store = c10::make_intrusive<c10d::PrefixStore>(prefix, storeArg(info, 1));
    return wrap<c10d::Store>(info.Env(), store, &kStoreTag);
  });
}

// The port a TCPStore listens on or connects to (the real one when asked for port 0); -1 for
// other stores.
static TN_FN(storePort) {
  TN_GUARD {
    auto store = storeArg(info, 0);
    auto* tcp = dynamic_cast<c10d::TCPStore*>(store.get());
    return Napi::Number::New(info.Env(), tcp ? tcp->getPort() : -1);
  });
}

static std::vector<uint8_t> bytesArg(const Napi::CallbackInfo& info, size_t i) {
  if (i < info.Length() && info[i].IsString()) {
    std::string s = info[i].As<Napi::String>().Utf8Value();
    return std::vector<uint8_t>(s.begin(), s.end());
  }
  if (i < info.Length() && info[i].IsTypedArray()) {
    auto a = info[i].As<Napi::Uint8Array>();
    return std::vector<uint8_t>(a.Data(), a.Data() + a.ByteLength());
  }
  throw ArgError("value must be a string or a Uint8Array");
}

static TN_FN(storeSet) {
  TN_GUARD {
    storeArg(info, 0)->set(stringArg(info, 1, "key"), bytesArg(info, 2));
    return info.Env().Undefined();
  });
}

static TN_FN(storeGet) {
  TN_GUARD {
    std::vector<uint8_t> v = storeArg(info, 0)->get(stringArg(info, 1, "key"));
    return Napi::Buffer<uint8_t>::Copy(info.Env(), v.data(), v.size());
  });
}

static TN_FN(storeAdd) {
  TN_GUARD {
    int64_t r = storeArg(info, 0)->add(stringArg(info, 1, "key"), intArg(info, 2, "amount"));
    return Napi::Number::New(info.Env(), static_cast<double>(r));
  });
}

static std::vector<std::string> keysArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError("keys must be a list of strings");
  auto a = info[i].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsString()) throw ArgError("keys must be a list of strings");
    keys.push_back(v.As<Napi::String>().Utf8Value());
  }
  return keys;
}

static TN_FN(storeWait) {
  TN_GUARD {
    auto store = storeArg(info, 0);
    auto keys = keysArg(info, 1);
    milliseconds timeout = msArg(info, 2);
    if (timeout.count() < 0) store->wait(keys);
    else store->wait(keys, timeout);
    return info.Env().Undefined();
  });
}

static TN_FN(storeCheck) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), storeArg(info, 0)->check(keysArg(info, 1))); });
}

static TN_FN(storeDeleteKey) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), storeArg(info, 0)->deleteKey(stringArg(info, 1, "key"))); });
}

static TN_FN(storeNumKeys) {
  TN_GUARD { return Napi::Number::New(info.Env(), static_cast<double>(storeArg(info, 0)->getNumKeys())); });
}

static TN_FN(storeSetTimeout) {
  TN_GUARD {
    storeArg(info, 0)->setTimeout(msArg(info, 1));
    return info.Env().Undefined();
  });
}

// ---- process groups -------------------------------------------------------------------------

// The transport device, chosen as PyTorch's ProcessGroupGloo binding does: GLOO_SOCKET_IFNAME
// names interfaces; otherwise the address the hostname resolves to (or loopback).
static std::shared_ptr<::gloo::transport::Device> defaultDevice() {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) {
    std::string first(ifname);
    first = first.substr(0, first.find(','));
    return c10d::ProcessGroupGloo::createDeviceForInterface(first);
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

static c10::intrusive_ptr<c10d::ProcessGroupGloo> makeGloo(c10::intrusive_ptr<c10d::Store> store, int64_t rank, int64_t size, milliseconds timeout) {
  if (size <= 0) throw ArgError("world_size must be positive");
  if (rank < 0 || rank >= size) throw ArgError("rank must be in [0, world_size)");
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  opts->devices.push_back(defaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, static_cast<int>(rank), static_cast<int>(size), opts);
}

// (store, rank, size, timeoutMs): connects the full mesh through the store, so it returns once
// every rank has joined, or throws when they have not within the timeout.
static TN_FN(newGloo) {
  TN_GUARD {
    auto store = storeArg(info, 0);
    int64_t rank = intArg(info, 1, "rank"), size = intArg(info, 2, "world_size");
    return wrap<GroupBase>(info.Env(), makeGloo(store, rank, size, msArg(info, 3)), &kGroupTag);
  });
}

// (group, helperStore, rank, size, timeoutMs): c10d's ProcessGroupWrapper around the group, as
// PyTorch builds it under TORCH_DISTRIBUTED_DEBUG=DETAIL: before each collective it compares the
// ranks' operations, shapes and dtypes over a helper gloo group, so a mismatch is an error on
// every rank instead of an abort inside gloo's transport thread.
static TN_FN(wrapForDebug) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto helper = makeGloo(storeArg(info, 1), intArg(info, 2, "rank"), intArg(info, 3, "world_size"), msArg(info, 4));
    auto wrapper = c10::make_intrusive<c10d::ProcessGroupWrapper>(pg, helper);
    return wrap<GroupBase>(info.Env(), wrapper, &kGroupTag);
  });
}

// Rank 0 writes a sequence number to the group's store and the others read it: PyTorch does
// this after creating a gloo group, and a Python peer waits for it.
static TN_FN(setSequenceNumber) {
  TN_GUARD {
    groupArg(info, 0)->setSequenceNumberForGroup();
    return info.Env().Undefined();
  });
}

static TN_FN(release) {
  TN_GUARD {
    if (info[0].IsExternal()) {
      auto obj = info[0].As<Napi::Object>();
      if (obj.CheckTypeTag(&kGroupTag)) info[0].As<Napi::External<GroupHolder>>().Data()->ptr.reset();
      else if (obj.CheckTypeTag(&kStoreTag)) info[0].As<Napi::External<StoreHolder>>().Data()->ptr.reset();
      else if (obj.CheckTypeTag(&kWorkTag)) info[0].As<Napi::External<WorkHolder>>().Data()->ptr.reset();
    }
    return info.Env().Undefined();
  });
}

static Napi::Value workValue(Napi::Env env, c10::intrusive_ptr<c10d::Work> w) {
  return wrap<c10d::Work>(env, std::move(w), &kWorkTag);
}

// Every collective: (group, tensors..., options...) -> Work.
static TN_FN(allreduce) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto tensors = tensorList(info, 1);
    c10d::AllreduceOptions o;
    o.reduceOp = reduceOpArg(info, 2);
    return workValue(info.Env(), pg->allreduce(tensors, o));
  });
}

static TN_FN(broadcast) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto tensors = tensorList(info, 1);
    c10d::BroadcastOptions o;
    o.rootRank = intArg(info, 2, "src");
    return workValue(info.Env(), pg->broadcast(tensors, o));
  });
}

static TN_FN(reduce) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto tensors = tensorList(info, 1);
    c10d::ReduceOptions o;
    o.rootRank = intArg(info, 2, "dst");
    o.reduceOp = reduceOpArg(info, 3);
    return workValue(info.Env(), pg->reduce(tensors, o));
  });
}

static TN_FN(allgather) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto outputs = tensorLists(info, 1);
    auto inputs = tensorList(info, 2);
    return workValue(info.Env(), pg->allgather(outputs, inputs, c10d::AllgatherOptions()));
  });
}

static TN_FN(gather) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto outputs = tensorLists(info, 1);
    auto inputs = tensorList(info, 2);
    c10d::GatherOptions o;
    o.rootRank = intArg(info, 3, "dst");
    return workValue(info.Env(), pg->gather(outputs, inputs, o));
  });
}

static TN_FN(scatter) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto outputs = tensorList(info, 1);
    auto inputs = tensorLists(info, 2);
    c10d::ScatterOptions o;
    o.rootRank = intArg(info, 3, "src");
    return workValue(info.Env(), pg->scatter(outputs, inputs, o));
  });
}

static TN_FN(reduceScatter) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto outputs = tensorList(info, 1);
    auto inputs = tensorLists(info, 2);
    c10d::ReduceScatterOptions o;
    o.reduceOp = reduceOpArg(info, 3);
    return workValue(info.Env(), pg->reduce_scatter(outputs, inputs, o));
  });
}

static TN_FN(barrier) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    c10d::BarrierOptions o;
    milliseconds t = msArg(info, 1);
    if (t.count() >= 0) o.timeout = t;
    return workValue(info.Env(), pg->barrier(o));
  });
}

static TN_FN(send) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto tensors = tensorList(info, 1);
    return workValue(info.Env(), pg->send(tensors, static_cast<int>(intArg(info, 2, "dst")), static_cast<int>(intArg(info, 3, "tag"))));
  });
}

// src < 0: from any source (recvAnysource); the Work's sourceRank says which.
static TN_FN(recv) {
  TN_GUARD {
    auto pg = groupArg(info, 0);
    auto tensors = tensorList(info, 1);
    int64_t src = intArg(info, 2, "src");
    int tag = static_cast<int>(intArg(info, 3, "tag"));
    return workValue(info.Env(), src < 0 ? pg->recvAnysource(tensors, tag) : pg->recv(tensors, static_cast<int>(src), tag));
  });
}

// ---- works ----------------------------------------------------------------------------------

// (work, timeoutMs or -1): waits on the JS thread. gloo's own timeout (the group's) still ends
// a collective whose peers do not answer, so the wait ends without one given too.
static TN_FN(workWait) {
  TN_GUARD {
    auto w = workArg(info, 0);
    milliseconds t = msArg(info, 1);
    bool ok = t.count() < 0 ? w->wait() : w->wait(t);
    return Napi::Boolean::New(info.Env(), ok);
  });
}

static TN_FN(workIsCompleted) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), workArg(info, 0)->isCompleted()); });
}

static TN_FN(workSourceRank) {
  TN_GUARD { return Napi::Number::New(info.Env(), workArg(info, 0)->sourceRank()); });
}

struct AsyncWait {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  c10::intrusive_ptr<c10d::Work> w;
  milliseconds timeout{-1};
  std::string error;
};

// Worker thread: no N-API calls here.
static void waitExecute(napi_env, void* data) {
  auto* a = static_cast<AsyncWait*>(data);
  try {
    if (a->timeout.count() < 0) a->w->wait();
    else a->w->wait(a->timeout);
  } catch (...) {
    a->error = currentErrorMessage();
  }
}

static void waitComplete(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncWait> a(static_cast<AsyncWait*>(data));
  Napi::Env nenv(env);
  Napi::HandleScope scope(nenv);
  napi_delete_async_work(env, a->work);
  if (status != napi_ok) {
    napi_reject_deferred(env, a->deferred, makeTorchError(nenv, "waiting for the collective was cancelled"));
  } else if (!a->error.empty()) {
    napi_reject_deferred(env, a->deferred, makeTorchError(nenv, a->error));
  } else {
    napi_resolve_deferred(env, a->deferred, Napi::Boolean::New(nenv, true));
  }
}

static TN_FN(workWaitAsync) {
  TN_GUARD {
    Napi::Env env = info.Env();
    auto a = std::make_unique<AsyncWait>();
    a->w = workArg(info, 0);
    a->timeout = msArg(info, 1);
    napi_value promise, name;
    napi_create_promise(env, &a->deferred, &promise);
    napi_create_string_utf8(env, "torchnode:distWorkWait", NAPI_AUTO_LENGTH, &name);
    napi_create_async_work(env, nullptr, name, waitExecute, waitComplete, a.get(), &a->work);
    if (napi_queue_async_work(env, a->work) != napi_ok) {
      napi_delete_async_work(env, a->work);
      throw std::runtime_error("could not queue the wait");
    }
    a.release();  // waitComplete owns it now
    return Napi::Value(env, promise);
  });
}

static TN_FN(available) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), true); });
}

void initDistributed(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  fn("distAvailable", available);
  fn("distTcpStore", tcpStore);
  fn("distFileStore", fileStore);
  fn("distPrefixStore", prefixStore);
  fn("distStorePort", storePort);
  fn("distStoreSet", storeSet);
  fn("distStoreGet", storeGet);
  fn("distStoreAdd", storeAdd);
  fn("distStoreWait", storeWait);
  fn("distStoreCheck", storeCheck);
  fn("distStoreDeleteKey", storeDeleteKey);
  fn("distStoreNumKeys", storeNumKeys);
  fn("distStoreSetTimeout", storeSetTimeout);
  fn("distNewGloo", newGloo);
  fn("distWrapForDebug", wrapForDebug);
  fn("distSetSequenceNumber", setSequenceNumber);
  fn("distRelease", release);
  fn("distAllreduce", allreduce);
  fn("distBroadcast", broadcast);
  fn("distReduce", reduce);
  fn("distAllgather", allgather);
  fn("distGather", gather);
  fn("distScatter", scatter);
  fn("distReduceScatter", reduceScatter);
  fn("distBarrier", barrier);
  fn("distSend", send);
  fn("distRecv", recv);
  fn("distWorkWait", workWait);
  fn("distWorkWaitAsync", workWaitAsync);
  fn("distWorkIsCompleted", workIsCompleted);
  fn("distWorkSourceRank", workSourceRank);
}

}  // namespace torchnode
