// Tensor table and handle lifetime: explicit release, and GC-time finalizers for tensors that
// no scope owns, so a plain loop with no memory code stays bounded.
#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static int64_t bytesOf(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

int32_t TensorTable::put(at::Tensor t) {
  int32_t h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = static_cast<int32_t>(tensors_.size());
    tensors_.emplace_back();
    flags_.push_back(kFree);
    nbytes_.push_back(0);
  }
  int64_t b = bytesOf(t);
  tensors_[h] = std::move(t);
  flags_[h] = kLive;
  nbytes_[h] = b;
  live_ += 1;
  bytes_ += b;
  return h;
}

at::Tensor* TensorTable::find(int64_t h) {
  if (h < 0 || h >= static_cast<int64_t>(tensors_.size()) || !(flags_[h] & kLive)) return nullptr;
  return &tensors_[h];
}

void TensorTable::drop(int32_t h) {
  live_ -= 1;
  bytes_ -= nbytes_[h];
  if (flags_[h] & kTracked) trackedFreed_ += nbytes_[h];
  nbytes_[h] = 0;
  tensors_[h] = at::Tensor();
}

void TensorTable::release(int32_t h) {
  if (!find(h)) return;
  bool tracked = flags_[h] & kTracked;
  drop(h);
  if (tracked) {
    flags_[h] = kZombie;  // the finalizer still points here
  } else {
    flags_[h] = kFree;
    free_.push_back(h);
  }
}

void TensorTable::markTracked(int32_t h) {
  if (!find(h)) return;
  flags_[h] |= kTracked;
  trackedAdded_ += nbytes_[h];
}

void TensorTable::finalize(int32_t h) {
  if (h < 0 || h >= static_cast<int32_t>(tensors_.size())) return;
  if (flags_[h] & kLive) drop(h);
  flags_[h] = kFree;
  free_.push_back(h);
}

void TensorTable::clear() {
  tensors_.clear();
  flags_.clear();
  nbytes_.clear();
  free_.clear();
  live_ = bytes_ = 0;
}

int64_t TensorTable::trackedBytesDelta() {
  int64_t d = trackedAdded_ - trackedFreed_;
  trackedAdded_ = trackedFreed_ = 0;
  return d;
}



at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i) {
  double h = -1;
  if (i < info.Length()) napi_get_value_double(info.Env(), info[i], &h);
  at::Tensor* t = state(info.Env()).table.find(static_cast<int64_t>(h));
  if (!t) throw std::runtime_error("Tensor has been disposed (or is not a tensor)");
  return *t;
}

Napi::Value handleValue(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return Napi::Number::New(env, state(env).table.put(std::move(t)));
}

// Runs during garbage collection: touches no JS, only the table.
static void finalizeHandle(node_api_basic_env env, void* data, void* hint) {
  auto* st = static_cast<State*>(data);
  st->table.finalize(static_cast<int32_t>(reinterpret_cast<intptr_t>(hint)));
}

// track(obj, handle): the GC now owns the handle through obj. V8 is told about the tensor's
// bytes so that native memory pressure triggers collections.
static TN_FN(track) {
  TN_GUARD {
    Napi::Env env = info.Env();
    State& st = state(env);
    int32_t h = info[1].As<Napi::Number>().Int32Value();
    if (!st.table.find(h)) throw std::runtime_error("Tensor has been disposed");
    st.table.markTracked(h);
    napi_status s = napi_add_finalizer(env, info[0], &st, finalizeHandle,
                                       reinterpret_cast<void*>(static_cast<intptr_t>(h)), nullptr);
    if (s != napi_ok) throw std::runtime_error("napi_add_finalizer failed");
    int64_t delta = st.table.trackedBytesDelta();
    if (delta != 0) {
      int64_t total;
      napi_adjust_external_memory(env, delta, &total);
    }
    return env.Undefined();
  });
}

static TN_FN(dispose) {
  TN_GUARD {
    int32_t h = info[0].As<Napi::Number>().Int32Value();
    state(info.Env()).table.release(h);
    return info.Env().Undefined();
  });
}

static TN_FN(memoryStats) {
  TN_GUARD {
    Napi::Env env = info.Env();
    State& st = state(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("live_tensors", Napi::Number::New(env, static_cast<double>(st.table.liveCount())));
    o.Set("live_bytes", Napi::Number::New(env, static_cast<double>(st.table.liveBytes())));
    return o;
  });
}

void initTableExports(Napi::Env env, Napi::Object exports) {
  exports.Set("track", Napi::Function::New(env, track, "track"));
  exports.Set("dispose", Napi::Function::New(env, dispose, "dispose"));
  exports.Set("memoryStats", Napi::Function::New(env, memoryStats, "memoryStats"));
}

}  // namespace torchnode
