// The tensor table: JS holds a tensor as a small integer index into this table. Measured in
// shared/FINDINGS.md, this costs ~0.6 us per op against ~1.5 us for an object per result.
//
// A handle is not a bare slot index: it carries a check value (the environment's tag and the
// slot's generation), so a number that JS made up, a handle from another environment (a worker)
// or the old handle of a disposed tensor whose slot was reused does not resolve. Slot 0 is never
// used, so no number below 512 is ever a handle.
#pragma once
#include <ATen/ATen.h>
#include <cstdint>
#include <vector>

namespace torchnode {

// A JS number as a handle to look up: -1 (never a handle) unless it is an integer in int32's
// range, so no double-to-integer conversion is ever out of range.
inline int64_t asHandle(double d) {
  return d >= 0 && d <= 2147483647.0 && static_cast<double>(static_cast<int32_t>(d)) == d ? static_cast<int64_t>(d) : -1;
}

class TensorTable {
 public:
  TensorTable();
  // Stores a tensor and returns its handle.
  int32_t put(at::Tensor t);
  // The tensor behind a handle, or nullptr when the handle is not a live handle of this table.
  // The pointer is valid only until the next put() or release(): never hold it across anything
  // that can run JS (a getter, a nested call); copy the at::Tensor instead.
  at::Tensor* find(int64_t h);
  // Drops the table's reference. A slot watched by a GC finalizer is kept reserved until that
  // finalizer runs, so a later tensor can never be freed by an earlier object's finalizer.
  // Returns the bytes (data and native overhead) of a GC-tracked tensor freed here, else 0.
  int64_t release(int64_t h);
  // Marks a handle as owned by the GC: called once the JS object exists. `counted` is what the
  // tensor counts toward V8's external memory until it is freed (see track()).
  void markTracked(int64_t h, int64_t counted);
  // Called from the GC finalizer of a tracked handle's JS object.
  int64_t finalize(int64_t h);  // returns the tracked bytes it freed (0 if disposed before)
  void clear();

  int64_t liveCount() const { return live_; }
  int64_t liveBytes() const { return bytes_; }
  int64_t trackedBytes() const { return tracked_; }  // of the live tensors the GC owns

  static constexpr int kCheckBits = 9;  // 3 bits of environment tag, 6 of slot generation
  static constexpr int32_t kMaxSlots = 1 << (31 - kCheckBits);

 private:
  enum : uint8_t { kFree = 0, kLive = 1, kTracked = 2, kZombie = 4 };
  std::vector<at::Tensor> tensors_;
  std::vector<uint8_t> flags_;
  std::vector<uint8_t> gens_;
  std::vector<int64_t> nbytes_;
  std::vector<int64_t> counted_;  // a GC-tracked slot's bytes in tracked_
  std::vector<int32_t> free_;
  int64_t live_ = 0, bytes_ = 0;
  int64_t tracked_ = 0;
  uint32_t envTag_;

  int32_t check(int32_t slot) const { return static_cast<int32_t>(((envTag_ & 7) << 6) | (gens_[slot] & 63)); }
  // The slot of a handle whose check value matches, else -1.
  int32_t slotOf(int64_t h) const;
  // Frees the slot's tensor; returns the bytes it counted as GC-tracked (0 when untracked).
  int64_t drop(int32_t slot);
  void recycle(int32_t slot);
};

}  // namespace torchnode
