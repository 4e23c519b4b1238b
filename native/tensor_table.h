// The tensor table: JS holds a tensor as a small integer index into this table. Measured in
// shared/FINDINGS.md, this costs ~0.6 us per op against ~1.5 us for an object per result.
#pragma once
#include <ATen/ATen.h>
#include <cstdint>
#include <vector>

namespace torchnode {

class TensorTable {
 public:
  // Stores a tensor and returns its handle.
  int32_t put(at::Tensor t);
  // The tensor behind a handle, or nullptr when the handle is free or out of range.
  at::Tensor* find(int64_t h);
  // Drops the table's reference. A slot watched by a GC finalizer is kept reserved until that
  // finalizer runs, so a later tensor can never be freed by an earlier object's finalizer.
  void release(int32_t h);
  // Marks a handle as owned by the GC: called once the JS object exists.
  void markTracked(int32_t h);
  // Called from the GC finalizer of a tracked handle's JS object.
  void finalize(int32_t h);
  void clear();

  int64_t liveCount() const { return live_; }
  int64_t liveBytes() const { return bytes_; }
  int64_t trackedBytesDelta();  // bytes gained minus bytes freed since the last call

 private:
  enum : uint8_t { kFree = 0, kLive = 1, kTracked = 2, kZombie = 4 };
  std::vector<at::Tensor> tensors_;
  std::vector<uint8_t> flags_;
  std::vector<int64_t> nbytes_;
  std::vector<int32_t> free_;
  int64_t live_ = 0, bytes_ = 0;
  int64_t trackedAdded_ = 0, trackedFreed_ = 0;

  void drop(int32_t h);
};

}  // namespace torchnode
