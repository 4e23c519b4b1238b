// Tensor table and handle lifetime: explicit release, and GC-time finalizers for tensors that
// no scope owns, so a plain loop with no memory code stays bounded.
#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common.h"
#include "cpu_allocator.h"
#include "error_boundary.h"
#include "graph_census.h"

namespace torchnode {

// What a tensor costs natively besides its data: TensorImpl, StorageImpl, autograd metadata,
// the finalizer's reference and malloc's rounding. Counted, with the data, in what V8 is told
// about tensors left to the GC and toward the young-collection requests (track()). Counting only
// data bytes let a loop of one-element results run ~500,000 tensors (550 MB of RSS) between
// scavenges, each then finalizing them all at once (0.4 s; measured: 1-element add 4.2 us a
// call, 1.25 us with this).
static constexpr int64_t kNativeBytesPerTensor = 512;

static int64_t bytesOf(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

// Each environment (main thread, each worker) gets its own tag, so the first eight environments
// never accept one another's handles.
static std::atomic<uint32_t> nextEnvTag{0};

TensorTable::TensorTable() : envTag_(nextEnvTag++) {
  // Slot 0 stays reserved: small numbers are never handles.
  tensors_.emplace_back();
  flags_.push_back(kFree);
  gens_.push_back(0);
  nbytes_.push_back(0);
  counted_.push_back(0);
}

int32_t TensorTable::put(at::Tensor t) {
  int32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (tensors_.size() >= static_cast<size_t>(kMaxSlots))
      throw std::runtime_error("too many live tensors (" + std::to_string(kMaxSlots - 1) + "): dispose some");
    slot = static_cast<int32_t>(tensors_.size());
    tensors_.emplace_back();
    flags_.push_back(kFree);
    gens_.push_back(0);
    nbytes_.push_back(0);
    counted_.push_back(0);
  }
  int64_t b = bytesOf(t);
  tensors_[slot] = std::move(t);
  flags_[slot] = kLive;
  nbytes_[slot] = b;
  live_ += 1;
  bytes_ += b;
  return (slot << kCheckBits) | check(slot);
}

int32_t TensorTable::slotOf(int64_t h) const {
  if (h < (1 << kCheckBits) || h > INT32_MAX) return -1;
  int32_t slot = static_cast<int32_t>(h >> kCheckBits);
  if (static_cast<size_t>(slot) >= tensors_.size() || check(slot) != static_cast<int32_t>(h & ((1 << kCheckBits) - 1))) return -1;
  return slot;
}

at::Tensor* TensorTable::find(int64_t h) {
  int32_t slot = slotOf(h);
  if (slot < 0 || !(flags_[slot] & kLive)) return nullptr;
  return &tensors_[slot];
}

int64_t TensorTable::drop(int32_t slot) {
  live_ -= 1;
  bytes_ -= nbytes_[slot];
  int64_t tracked = flags_[slot] & kTracked ? counted_[slot] : 0;
  tracked_ -= tracked;
  nbytes_[slot] = 0;
  counted_[slot] = 0;
  tensors_[slot] = at::Tensor();
  return tracked;
}

// The slot becomes free under a new generation: its old handle no longer resolves.
void TensorTable::recycle(int32_t slot) {
  flags_[slot] = kFree;
  gens_[slot] += 1;
  free_.push_back(slot);
}

int64_t TensorTable::release(int64_t h) {
  if (!find(h)) return 0;
  int32_t slot = slotOf(h);
  bool tracked = flags_[slot] & kTracked;
  int64_t freed = drop(slot);
  if (tracked) flags_[slot] = kZombie;  // the finalizer still points here
  else recycle(slot);
  return freed;
}

void TensorTable::markTracked(int64_t h, int64_t counted) {
  if (!find(h)) return;
  int32_t slot = slotOf(h);
  flags_[slot] |= kTracked;
  counted_[slot] = counted;
  tracked_ += counted;
}

int64_t TensorTable::finalize(int64_t h) {
  int32_t slot = slotOf(h);
  if (slot < 0 || !(flags_[slot] & (kTracked | kZombie))) return 0;
  int64_t freed = flags_[slot] & kLive ? drop(slot) : 0;
  recycle(slot);
  return freed;
}

void TensorTable::clear() {
  tensors_.resize(1);
  flags_.resize(1);
  gens_.resize(1);
  nbytes_.resize(1);
  counted_.resize(1);
  free_.clear();
  live_ = bytes_ = tracked_ = 0;
}

at::Tensor tensorArg(const Napi::CallbackInfo& info, size_t i) {
  double h = -1;
  if (i < info.Length()) napi_get_value_double(info.Env(), info[i], &h);
  State& st = state(info.Env());
  at::Tensor* t = st.table.find(asHandle(h));
  if (!t) throw std::runtime_error(kNotATensor);
  at::Tensor out = *t;
  checkNotPending(st, out, false);
  return out;
}

void checkNotPending(State& st, const at::Tensor& t, bool write) {
  if (st.pendingAsync == 0 || !t.defined() || !t.has_storage()) return;
  const void* key = t.storage().unsafeGetStorageImpl();
  if (st.asyncWriting.count(key))
    throw std::runtime_error("This tensor is being written by a pending asynchronous operation: await it before using the tensor");
  if (write && st.asyncUsing.count(key))
    throw std::runtime_error("This tensor is in use by a pending asynchronous operation: await it before modifying the tensor (or a view of it)");
}

Napi::Value handleValue(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return Napi::Number::New(env, state(env).table.put(std::move(t)));
}

// Bytes the GC has freed through finalizers since track() last asked for a young collection.
// Per thread: each worker thread has its own JS environment and heap, and its finalizers run on it.
static thread_local int64_t gcFreedBytes = 0;

// Runs during garbage collection: touches no JS, only the table.
static void finalizeHandle(node_api_basic_env env, void* data, void* hint) {
  auto* st = static_cast<State*>(data);
  gcFreedBytes += st->table.finalize(static_cast<int64_t>(reinterpret_cast<intptr_t>(hint)));
}

static void tuneMalloc();

// Tensors die in bursts here: a scope closing, or the GC finalizing a batch of them. With
// glibc's defaults, a burst of frees at the top of the heap is handed back to the OS and the
// next step faults the same pages in again (measured: a 10-op chain on 1M floats in a scope took
// twice as long). Keeping up to 256 MB of freed heap, and serving blocks up to 32 MB (glibc's
// largest allowed) from the heap, lets the next step reuse that memory as PyTorch's refcounted
// frees do. Skipped when the user tunes malloc through its own variables, or sets
// TORCHNODE_MALLOC_TUNING=0.
void tuneAllocator() {
  static std::once_flag once;  // once per process, whichever environment (thread) loads first
  std::call_once(once, [] {
    installCpuCache();
    tuneMalloc();
  });
}

static void tuneMalloc() {
#ifdef __GLIBC__
  for (const char* v : {"TORCHNODE_MALLOC_TUNING", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"}) {
    const char* set = std::getenv(v);
    if (set && (std::string(v) != "TORCHNODE_MALLOC_TUNING" || std::string(set) == "0")) return;
  }
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

// V8 learns about tracked tensors' bytes in steps of this size: telling it per tensor would cost
// an extra call on every small op, and a step this small changes nothing for its GC heuristics.
static constexpr int64_t kExternalMemoryStep = 256 * 1024;

// After this many bytes of tensors handed to the GC, track() asks JS for a young-generation
// collection (lib/memory.ts). Tensors left to the GC in a loop die young: a scavenge finds them
// for a fraction of a millisecond and their finalizers free the memory at once, while V8 on its
// own waits for external-memory pressure and then runs full mark-compacts (measured on the
// polynomial fit: 16,000 tensors alive at a time, most of the step's system time in page faults).
// TORCHNODE_YOUNG_GC_BYTES sets the amount; 0 turns the requests off.
static int64_t youngGcStep() {
  static const int64_t step = [] {
    const char* v = std::getenv("TORCHNODE_YOUNG_GC_BYTES");
    return v && *v ? std::strtoll(v, nullptr, 10) : int64_t{8} * 1024 * 1024;
  }();
  return step;
}
// Per thread: each worker thread has its own JS environment and heap.
static thread_local int64_t youngBytes = 0;
static thread_local int64_t youngCount = 0;  // tensors handed to the GC since the last request

// Many small tensors are collected sooner: once this many are handed to the GC and they hold an
// eighth of the step (1 MB by default). This decides for tensors of about 2-16 KB; smaller ones
// reach the 1 MB first, larger ones the whole step. A burst of thousands of small tensors freed
// at once costs more per tensor the larger it is (cold TensorImpls, glibc consolidating its
// bins), and the next step's kernels write into memory that has left the cache: on the
// polynomial fit (8 KB tensors, about 23 a step), about 2,000 tensors a scavenge cost 0.45 us of
// finalizers a tensor and 89-100 us a step. But a scavenge also costs a fixed 0.1-0.15 ms
// however little it finds (V8's roots and its new space's pages; more in a process whose new
// space has grown to 32 MB), so batches too small pay that too often. Measured on the same fit
// (2026-12-04, pinned): 256 tensors, 0.20 ms a scavenge (0.08 of it finalizers), medians of
// 67.9 and 68.1 us a step in two plain scripts, and 1.06-1.24 of PyTorch in seven bench runs
// (median 1.13); 512, 0.20 ms (0.12), 65.2 and 66.0 us (PyTorch 65.3-65.6), 1.02-1.23 (median
// 1.06); 1,024, 0.38 ms (0.27), no faster. A fixed 1 MB step for all sizes instead made loops
// over 1 MB tensors (y = y.mul(0.5).add(z)) take 280-350 us an iteration against 105-150.
static constexpr int64_t kSmallBatchTensors = 512;

// The step grows while scavenges find the tensors handed to them still alive. A function V8 has
// not optimized yet keeps each intermediate of a method chain in its interpreter registers until
// it returns, so with large tensors (a 10-op chain on 1M floats, a request every 3 ops) most of a
// chain survives two scavenges, is promoted, and waits for a mark-compact: 67 of them in 220
// chains, 12 ms a chain (under --always-turbofan: 1 and 4.8 ms; PyTorch 3.3 ms). When the GC has
// freed less than half of what the previous request handed it, the next request waits for twice
// the bytes, up to 4 steps (32 MB); once it frees 90%, the step halves back. That chain: 50
// mark-compacts, 9.1 ms. A fixed larger step (16 tensors and 8 MB, or 32 MB) did better there
// (6 ms) but made loops that drop each result at once (y = y.add(...)) 32-43% slower from the
// larger working set; these grow only where it pays.
static thread_local int64_t youngStep = youngGcStep();
static thread_local int64_t handedAtLastRequest = 0;

static void adaptYoungStep() {
  int64_t handed = handedAtLastRequest;
  int64_t freed = gcFreedBytes;
  handedAtLastRequest = youngBytes;
  gcFreedBytes = 0;
  if (handed <= 0) return;
  if (freed * 2 < handed) youngStep = std::min(youngStep * 2, 4 * youngGcStep());
  else if (freed * 10 >= handed * 9) youngStep = std::max(youngStep / 2, youngGcStep());
}

// A tensor handed to the GC and then disposed by hand is freed already: it no longer counts
// toward the next young collection. Counted, a loop that disposes its 6 MB results (a relu on a
// conv's activations) asked for a scavenge every other op: 0.42 ms an op against 0.2 in PyTorch.
static void forgetYoung(int64_t freed) {
  youngBytes = freed < youngBytes ? youngBytes - freed : 0;
}


// V8 is told about tracked tensors' bytes, except those handed to the GC since the last
// young-collection request: the next request's scavenge frees most of them, and V8 learns about
// the survivors at the next track() after it. V8 counts external memory allocated since its last
// mark-compact against the old generation's allocation limit, and after a mark-compact of a small
// heap that limit can be as little as 8 MB (plus the new space) above the heap's size. Told about
// each young step as it grew, V8 then found the limit reached at every requested scavenge and
// marked the old generation without pause, freeing nothing: an LSTM language-model step with no
// memory code took 105-111 ms after the bench's earlier cases (92 mark-compacts in 153 steps),
// against 65-91 ms in a fresh process; hidden this way, 66-85 ms (17-45 mark-compacts). What V8
// does not know about is at most one step (32 MB), and the next request collects it anyway.
// The autograd graphs those tensors keep alive are counted in full (native/graph_census.cc).
static void reportExternal(napi_env env, State& st) {
  int64_t live = st.table.trackedBytes();
  int64_t hidden = youngGcStep() > 0 ? std::min(youngBytes, live) : 0;
  int64_t change = std::max<int64_t>(live - hidden, 0) + liveGraphBytes() - st.reportedExternal;
  if (change >= kExternalMemoryStep || change <= -kExternalMemoryStep) {
    int64_t total;
    napi_adjust_external_memory(env, change, &total);
    st.reportedExternal += change;
  }
}

// The data bytes a tensor handed to the GC counts: what finalizing its JS object could free.
//  - A view counts its own elements: its base was counted already, and counting the whole
//    storage per view made input.split(1, 1) over 1,000 steps force a scavenge every 250 views,
//    promoting everything alive at that moment to the old generation.
//  - An alias of memory something else holds counts nothing: p.grad (the same tensor the
//    parameter holds), p.data and detach() (a new tensor on the parameter's storage), or an op
//    that returned its input. Counted, the word language model's step (clip_grad_norm_ and the
//    p.data.add_(p.grad) update) counted 3 aliases of its 4 MB of parameters a step: they asked
//    for extra scavenges, survived them, and as external memory kept V8 marking a small heap
//    after the bench's earlier cases (15-46 mark-compacts in 150 steps, 3.4-6.6 ms of GC a
//    step; counted as aliases, none and 1.6-1.9 ms).
//  - A tensor autograd recorded counts in full even when its storage is shared: an op's output
//    that its backward saves is held by the graph, which this object keeps alive.
static int64_t ownedBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  if (t.is_view()) return bytesOf(t);
  if (!t.requires_grad() && (t.use_count() > 1 || t.storage().use_count() > 1)) return 0;
  return static_cast<int64_t>(t.storage().nbytes());
}

// track(obj, handle): the GC now owns the handle through obj. V8 is told about the tensor's
// bytes once it outlives a young collection (reportExternal), so that native memory pressure
// triggers full collections. Returns true when JS should run a young-generation collection (see
// youngGcStep). Raw N-API: this runs once per op result outside scopes, so it skips
// node-addon-api's per-call wrapper.
static napi_value track(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  State& st = state(Napi::Env(env));
  double h = -1;
  at::Tensor* t = nullptr;
  if (argc < 2 || napi_get_value_double(env, argv[1], &h) != napi_ok || !(t = st.table.find(asHandle(h)))) {
    napi_throw_error(env, nullptr, "Tensor has been disposed");
    return nullptr;
  }
  if (napi_add_finalizer(env, argv[0], &st, finalizeHandle, reinterpret_cast<void*>(static_cast<intptr_t>(asHandle(h))), nullptr) != napi_ok) {
    napi_throw_error(env, nullptr, "napi_add_finalizer failed");
    return nullptr;
  }
  try {
    noteGraph(*t);
  } catch (...) {
    // Only an estimate for V8 (a view's node made on demand, an allocation), never a reason to
    // fail the op; and no exception may leave this raw N-API callback.
  }
  int64_t counted = kNativeBytesPerTensor + ownedBytes(*t);
  youngBytes += counted;
  youngCount++;
  st.table.markTracked(asHandle(h), counted);  // obj is alive here, so its finalizer cannot have run yet
  reportExternal(env, st);
  bool collect = youngGcStep() > 0 && (youngBytes >= youngStep || (youngCount >= kSmallBatchTensors && youngBytes * 8 >= youngStep));
  if (collect) {
    recountGraphs();  // the graphs the previous collection freed
    adaptYoungStep();
    youngBytes = 0;
    youngCount = 0;
  }
  napi_value out;
  napi_get_boolean(env, collect, &out);
  return out;
}

// dispose(handle): frees the table's reference now. Raw N-API: scopes call it once per tensor.
static napi_value dispose(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[1];
  size_t argc = 1;
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  double h = -1;
  if (argc < 1 || napi_get_value_double(env, argv[0], &h) != napi_ok) {
    napi_throw_type_error(env, nullptr, "dispose: a tensor handle is expected");
    return nullptr;
  }
  forgetYoung(state(Napi::Env(env)).table.release(asHandle(h)));
  return nullptr;
}

// disposeMany(handles, count): the first `count` handles of a Float64Array freed at once. A scope
// closing frees every tensor it holds: one crossing instead of one per tensor (a 1-element add in
// a scope spent ~5% of its time in those crossings).
static napi_value disposeMany(napi_env env, napi_callback_info cbinfo) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  bool isTyped = false;
  uint32_t count = 0;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &isTyped) != napi_ok || !isTyped ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || napi_get_value_uint32(env, argv[1], &count) != napi_ok || count > length) {
    napi_throw_type_error(env, nullptr, "disposeMany: a Float64Array of handles and a count within it are expected");
    return nullptr;
  }
  TensorTable& table = state(Napi::Env(env)).table;
  const double* hs = static_cast<const double*>(data);
  int64_t freed = 0;
  for (uint32_t i = 0; i < count; i++) freed += table.release(asHandle(hs[i]));
  forgetYoung(freed);
  return nullptr;
}

static TN_FN(memoryStats) {
  TN_GUARD {
    Napi::Env env = info.Env();
    State& st = state(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("live_tensors", Napi::Number::New(env, static_cast<double>(st.table.liveCount())));
    o.Set("live_bytes", Napi::Number::New(env, static_cast<double>(st.table.liveBytes())));
    o.Set("v8_external_bytes", Napi::Number::New(env, static_cast<double>(st.reportedExternal)));
    return o;
  });
}

void initTableExports(Napi::Env env, Napi::Object exports) {
  for (auto [name, fn] : {std::pair<const char*, napi_callback>{"track", track}, {"dispose", dispose}, {"disposeMany", disposeMany}}) {
    napi_value f;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
    exports.Set(name, Napi::Value(env, f));
  }
  exports.Set("memoryStats", Napi::Function::New(env, memoryStats, "memoryStats"));
}

}  // namespace torchnode
