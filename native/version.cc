// Which LibTorch this process runs on, and the check that it is the one the addon was compiled
// against. The libraries' own build string (at::show_config) is the runtime truth; TORCH_VERSION
// is what the headers said at compile time. Headers of one version over libraries of another
// hung on the first mutex, so a mismatch refuses to load with both versions named.
#include <ATen/Context.h>
#include <ATen/Version.h>
#include <torch/version.h>
#ifdef _WIN32
#define NOMINMAX
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include <regex>
#include <string>

#include "common.h"

namespace torchnode {

// "TORCH_VERSION=2.13.0," in the "Build settings" line; empty when the line is absent.
static std::string buildSetting(const std::string& config, const std::string& key) {
  std::smatch m;
  if (std::regex_search(config, m, std::regex(key + "=([^,\\s]*)"))) return m[1];
  return "";
}

// The CUDA version LibTorch was built with ("13.0", as PyTorch's torch.version.cuda), from its
// build settings; empty for a CPU build.
static std::string cudaVersionOf(const std::string& config) {
  std::string useCuda = buildSetting(config, "USE_CUDA");
  if (useCuda != "ON" && useCuda != "1") return "";
  return buildSetting(config, "CUDA_VERSION");
}

// "cu130" for a LibTorch built with CUDA 13.0, "cpu" for one built without CUDA.
static std::string flavourOf(const std::string& cuda) {
  if (cuda.empty()) return "cpu";
  std::string digits;
  for (char c : cuda) if (c != '.') digits += c;
  return "cu" + digits;
}

// The file of the loaded LibTorch CPU library (the one that defines at::show_config).
static std::string loadedLibraryPath() {
#ifdef _WIN32
  HMODULE module = nullptr;
  char file[MAX_PATH] = {0};
  if (GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                         reinterpret_cast<LPCSTR>(&at::show_config), &module) &&
      GetModuleFileNameA(module, file, MAX_PATH))
    return file;
  return "";
#else
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&at::show_config), &info) && info.dli_fname) return info.dli_fname;
  return "";
#endif
}

// What the loaded LibTorch says of itself: one LibTorch per process, so read once, not again
// for every worker environment.
struct LoadedLibTorch {
  std::string config, runtime, cuda, path;
};

static const LoadedLibTorch& loadedLibTorch() {
  static const LoadedLibTorch loaded = [] {
    std::string config = at::show_config();
    return LoadedLibTorch{config, buildSetting(config, "TORCH_VERSION"), cudaVersionOf(config), loadedLibraryPath()};
  }();
  return loaded;
}

void initVersion(Napi::Env env, Napi::Object exports) {
  const auto& [config, runtime, cuda, path] = loadedLibTorch();
  if (!runtime.empty() && runtime != TORCH_VERSION) {
    throw Napi::Error::New(env,
        "torchnode: this addon was built against LibTorch " TORCH_VERSION " but LibTorch " + runtime +
        " was loaded (" + path + "). Rebuild it against the LibTorch you use (npm rebuild torchnode " +
        "--build-from-source), or make LibTorch " TORCH_VERSION " the one found.");
  }
  Napi::Object v = Napi::Object::New(env);
  v.Set("version", runtime.empty() ? std::string(TORCH_VERSION) : runtime);
  v.Set("builtAgainst", TORCH_VERSION);
  v.Set("flavour", flavourOf(cuda));
  v.Set("cuda", cuda.empty() ? env.Null() : Napi::String::New(env, cuda));
  v.Set("mkl", at::hasMKL());
  v.Set("mkldnn", at::hasMKLDNN());
#ifdef _GLIBCXX_USE_CXX11_ABI
  v.Set("cxx11Abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
#else
  v.Set("cxx11Abi", env.Null());
#endif
  v.Set("library", path);
  v.Set("config", config);
  exports.Set("libtorch", v);
  exports.Set("libtorchVersion", v.Get("version"));
}

}  // namespace torchnode
