// LibTorch's CPU allocator with a cache of freed blocks in front (see CachingCpuAllocator).
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "cpu_allocator.h"

namespace torchnode {

// A cache of freed CPU tensor blocks in front of LibTorch's allocator. Tensors that scopes or
// the GC free die in bursts of thousands, where PyTorch's reference counting frees each one at
// once; glibc then spends its time merging the freed chunks into its bins and splitting them
// again for the next step's tensors (measured on the polynomial fit: malloc, free and
// malloc_consolidate about 20% of the step). Here a freed block goes onto a stack of blocks of
// its size class and the next tensor of that class takes the most recently freed one, still in
// cache. Blocks up to 16 MB, in classes 1/8 of a power of two apart (at most 12.5% of slack),
// and at most TORCHNODE_CPU_CACHE_MB held (64 by default); anything else goes straight to
// malloc / free (see newBlock).
// Large blocks are cached for the order in which they come back, not for malloc's cost: a scope
// frees its tensors in the order they were made, glibc merges the freed neighbours into one chunk
// and hands it out again from its start, so each step of a loop wrote its results into the same
// blocks in the same order, every one of them the least recently touched (a 10-op chain on 1M
// floats in a scope: 40 MB of results a step, more than this machine's 32 MB L3). From the
// stacks, the first op of the next step takes the block the last op wrote. Measured on that
// chain in filtered bench runs: 1.40-1.52 of PyTorch's time with blocks up to 1 MB and 32 MB
// held (six runs); 1.14-1.36 with these limits (five runs). 32 MB held is not enough for its
// 40 MB: blocks up to 16 MB with 32 MB held measured as before. Peak RSS of the benchmark's CNN
// loop did not change (316-318 MB against 322-325 without memory code, 289-291 against 288 with
// a scope), nor did the LSTMCell loop's time (paired runs, 32 MB against 64 MB held).
// A class nothing has asked for in a while gives its blocks back once the cache is full (see
// dropIdleClasses), so sizes an earlier phase of a program used do not keep the sizes in use now
// out of the cache.
// Each block carries a 64-byte header with its class, so one plain deleter frees any of them.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kHeader = 64;     // room for the Header below, before the data
  static constexpr size_t kAlignment = 64;  // c10's alignment for CPU tensor data
  static constexpr int kMaxBlockLog2 = 24;
  static constexpr size_t kMaxBlock = size_t{1} << kMaxBlockLog2;
  static constexpr int kUncached = -1;

  explicit CachingCpuAllocator(size_t cacheBytes) : cacheBytes_(cacheBytes) {
    for (auto& stack : free_) stack.reserve(256);  // no regrowth while a burst of frees comes in
    instance_ = this;
  }

#if TORCH_VERSION_MAJOR >= 2
  // Both defined here rather than inherited from libc10's out-of-line versions: the vtable would
  // otherwise name symbols LibTorch 1.13 lacks, and a 2.x build shown 1.13's libraries would fail
  // in the dynamic loader instead of reaching initVersion's clear "built against" message.
  c10::DataPtr allocate(size_t n) override { return allocateBlock(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    if (count) std::memcpy(dest, src, count);
  }
  bool is_simple_data_ptr(const c10::DataPtr& p) const override { return p.get() == p.get_context(); }
#else
  c10::DataPtr allocate(size_t n) const override { return allocateBlock(n); }
#endif
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

 private:
  // Size class of n bytes (n <= kMaxBlock): its index and its rounded size.
  static int classOf(size_t n, size_t& rounded) {
    if (n <= 512) {
      rounded = n <= 64 ? 64 : (n + 63) & ~size_t{63};
      return static_cast<int>(rounded / 64) - 1;  // 0..7
    }
    int e = 63 - __builtin_clzll(static_cast<unsigned long long>(n - 1));  // 2^e < n <= 2^(e+1), e >= 9
    size_t step = size_t{1} << (e - 3);
    rounded = (n + step - 1) & ~(step - 1);
    return 8 + (e - 9) * 8 + static_cast<int>(rounded / step) - 9;
  }
  static constexpr int kClasses = 8 + (kMaxBlockLog2 - 9) * 8;  // 9 <= e < kMaxBlockLog2

  c10::DataPtr allocateBlock(size_t n) const {
    if (n == 0) return {nullptr, nullptr, &release, c10::Device(c10::DeviceType::CPU)};
    size_t rounded = n;
    int cls = n <= kMaxBlock ? classOf(n, rounded) : kUncached;
    void* block = nullptr;
    if (cls != kUncached) {
      std::lock_guard<std::mutex> lock(mutex_);
      asked_[cls]++;
      auto& stack = free_[cls];
      if (!stack.empty()) {
        block = stack.back();
        stack.pop_back();
        cached_ -= rounded;
      }
    }
    if (!block) block = newBlock(rounded, cls);
    void* data = static_cast<char*>(block) + kHeader;
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  // What each block's header holds: its size class, and the pointer malloc returned.
  struct Header {
    int cls;
    void* raw;
  };
  static_assert(sizeof(Header) <= kHeader, "the header fits before the data");

  // A block from plain malloc, aligned by hand, rather than c10::alloc_cpu's posix_memalign: a
  // memalign request asks glibc for the size plus the alignment plus slack, so a freed chunk of
  // exactly the size never fits the next request of that size, and glibc grows the heap instead.
  // Measured on a loop of relus over a conv's 6.4 MB activations: the heap grew by some forty
  // such blocks (22,000-27,000 page faults in the first 500 relus, 350 MB of RSS) before it
  // settled; from malloc, 1,600-5,000 faults and 296 MB.
  static void* newBlock(size_t rounded, int cls) {
    TORCH_CHECK(rounded <= SIZE_MAX - kHeader - kAlignment, "DefaultCPUAllocator: not enough memory: you tried to allocate ", rounded, " bytes.");
    void* raw = std::malloc(rounded + kHeader + kAlignment);
    TORCH_CHECK(raw, "DefaultCPUAllocator: not enough memory: you tried to allocate ", rounded, " bytes.");
    // data = block + kHeader lands on the next kAlignment boundary at or after raw + kHeader.
    uintptr_t data = (reinterpret_cast<uintptr_t>(raw) + kHeader + kAlignment - 1) & ~uintptr_t{kAlignment - 1};
    void* block = reinterpret_cast<void*>(data - kHeader);
    *static_cast<Header*>(block) = Header{cls, raw};
    return block;
  }

  static void freeBlock(void* block) { std::free(static_cast<Header*>(block)->raw); }

  static void release(void* data) {
    if (!data) return;
    void* block = static_cast<char*>(data) - kHeader;
    int cls = static_cast<Header*>(block)->cls;
    if (cls != kUncached && instance_->keep(block, cls)) return;
    freeBlock(block);
  }

  bool keep(void* block, int cls) {
    size_t bytes = classBytes(cls);
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + bytes > cacheBytes_) {
      // Full: room only where idle classes give their blocks back.
      if (!dropIdleClasses() || cached_ + bytes > cacheBytes_) return false;
    }
    free_[cls].push_back(block);
    cached_ += bytes;
    return true;
  }

  // Called with the cache full. Frees the blocks of each class that no allocation has asked for
  // since the previous call, if that was at least kIdle ago; the clock is read only here, when a
  // block is about to be refused, never on the allocation path. A loop that uses a class every
  // step keeps it, however full the cache; a class from a phase that ended goes within one or
  // two kIdle of the cache filling up with what the program uses now. Returns whether it freed
  // anything.
  bool dropIdleClasses() {
    auto now = std::chrono::steady_clock::now();
    if (now - lastLook_ < kIdle) return false;
    bool dropped = false;
    for (int c = 0; c < kClasses; c++) {
      if (asked_[c] == askedAtLastLook_[c] && !free_[c].empty()) {
        for (void* block : free_[c]) freeBlock(block);
        cached_ -= free_[c].size() * classBytes(c);
        free_[c].clear();
        dropped = true;
      }
      askedAtLastLook_[c] = asked_[c];
    }
    lastLook_ = now;
    return dropped;
  }

  static size_t classBytes(int cls) {
    if (cls < 8) return static_cast<size_t>(cls + 1) * 64;
    int e = 9 + (cls - 8) / 8;
    return static_cast<size_t>(9 + (cls - 8) % 8) << (e - 3);
  }

  const size_t cacheBytes_;
  mutable std::mutex mutex_;
  mutable std::vector<void*> free_[kClasses];
  mutable size_t cached_ = 0;
  // Allocations asked of each class (they may wrap: only equality with the last look counts).
  mutable uint32_t asked_[kClasses] = {};
  uint32_t askedAtLastLook_[kClasses] = {};
  static constexpr std::chrono::seconds kIdle{1};
  std::chrono::steady_clock::time_point lastLook_ = std::chrono::steady_clock::now();
  static CachingCpuAllocator* instance_;
};
CachingCpuAllocator* CachingCpuAllocator::instance_ = nullptr;

// TORCHNODE_CPU_CACHE_MB sets the most freed memory the cache keeps (default 64); 0 leaves
// LibTorch's allocator as it is. The allocator is never deleted: tensors outlive any owner.
void installCpuCache() {
  const char* v = std::getenv("TORCHNODE_CPU_CACHE_MB");
  long long mb = v && *v ? std::strtoll(v, nullptr, 10) : 64;
  if (mb <= 0) return;
  c10::SetCPUAllocator(new CachingCpuAllocator(static_cast<size_t>(mb) << 20), /*priority=*/1);
}

}  // namespace torchnode
