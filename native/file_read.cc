// Reading a byte range of an open file straight into a new tensor's storage (pread), so that a
// loader such as torch.safetensors copies nothing through JS: one kernel copy from the page
// cache into memory the tensor owns. POSIX only; elsewhere the function is not exported and
// lib/safetensors/read.ts reads through a JS buffer instead.
#ifndef _WIN32
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static int64_t nonNegativeInt(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw ArgError(std::string("readTensor: ") + what + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<int64_t>(d)))
    throw ArgError(std::string("readTensor: ") + what + " must be a non-negative integer");
  return static_cast<int64_t>(d);
}

// readTensor(fd, position, dtype, shape): a new contiguous CPU tensor of dtype and shape whose
// bytes are the file's bytes [position, position + nbytes). A file that ends sooner is an error.
static TN_FN(readTensor) {
  TN_GUARD {
    Napi::Env env = info.Env();
    int64_t fd = nonNegativeInt(info[0], "fd");
    int64_t position = nonNegativeInt(info[1], "position");
    if (!info[2].IsNumber()) throw ArgError("readTensor: dtype must be a number");
    auto dtype = static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value());
    if (!info[3].IsArray()) throw ArgError("readTensor: shape must be an array of integers");
    Napi::Array a = info[3].As<Napi::Array>();
    std::vector<int64_t> shape(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) shape[i] = nonNegativeInt(a.Get(i), "shape entries");

    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    const size_t nbytes = t.nbytes();
    auto* dst = static_cast<char*>(t.data_ptr());
    size_t done = 0;
    while (done < nbytes) {
      // at most 1 GiB per call: Linux transfers at most 0x7ffff000 bytes per read anyway
      size_t want = std::min<size_t>(nbytes - done, size_t(1) << 30);
      ssize_t n = ::pread(static_cast<int>(fd), dst + done, want, static_cast<off_t>(position + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("reading the file failed: ") + std::strerror(errno));
      }
      if (n == 0)
        throw std::runtime_error("the file ended at byte " + std::to_string(position + done) + ", before the " +
                                 std::to_string(nbytes) + " bytes at " + std::to_string(position) +
                                 " could be read (did it change while being read?)");
      done += static_cast<size_t>(n);
    }
    return handleValue(env, std::move(t));
  });
}

void initFileRead(Napi::Env env, Napi::Object exports) {
  exports.Set("readTensor", Napi::Function::New(env, readTensor, "readTensor"));
}

}  // namespace torchnode

#else

#include "common.h"

namespace torchnode {
void initFileRead(Napi::Env, Napi::Object) {}
}  // namespace torchnode

#endif
