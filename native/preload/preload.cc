// torchnode_preload.node: loads LibTorch's own libraries, by absolute path, before the
// relocatable addon. That addon names no LibTorch library and carries no search path (see
// CMakeLists.txt, TORCHNODE_RELOCATABLE), so one file serves a LibTorch wherever it is:
//  - Linux and macOS: dlopen with RTLD_GLOBAL puts LibTorch's symbols in the global scope, where
//    the addon's undefined symbols are then bound (RTLD_NOW, by lib/loader/load.ts);
//  - Windows: a DLL already loaded satisfies a later import by the same name; each is loaded
//    with its own folder searched for its dependencies, without changing the process's DLL
//    search path (other addons' LoadLibrary calls stay as they were).
// Deliberately free of LibTorch and of node-addon-api's C++ exceptions: it must load anywhere.
#include <node_api.h>

#include <string>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace {

bool ReadString(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->resize(len);
  return napi_get_value_string_utf8(env, v, out->data(), len + 1, &len) == napi_ok;
}

#ifdef _WIN32
std::wstring Widen(const std::string& s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, nullptr, 0);
  std::wstring w(n > 0 ? n - 1 : 0, L'\0');
  if (n > 0) MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, w.data(), n);
  return w;
}

std::string LastErrorText() {
  DWORD code = GetLastError();
  char* text = nullptr;
  FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, code, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = text ? text : "error " + std::to_string(code);
  if (text) LocalFree(text);
  return message;
}

// Loads one library; returns an empty string, or why it failed.
std::string LoadOne(const std::string& path) {
  HMODULE h = LoadLibraryExW(Widen(path).c_str(), nullptr,
                             LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
  return h ? "" : path + ": " + LastErrorText();
}
#else
std::string LoadOne(const std::string& path) {
  // Never closed: the addon's symbols are bound to these libraries for the process's lifetime.
  if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) return "";
  const char* why = dlerror();
  return why ? why : path + ": dlopen failed";
}
#endif

// preload(paths: string[]): undefined. Throws an Error with the system's
// own reason (dlerror / FormatMessage) for the first library that does not load.
napi_value Preload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool isArray = false;
  if (argc < 1 || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray) {
    napi_throw_type_error(env, nullptr, "preload(paths: string[])");
    return nullptr;
  }
  uint32_t n = 0;
  napi_get_array_length(env, argv[0], &n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    std::string path;
    if (napi_get_element(env, argv[0], i, &item) != napi_ok || !ReadString(env, item, &path)) {
      napi_throw_type_error(env, nullptr, "preload: every path must be a string");
      return nullptr;
    }
    std::string failure = LoadOne(path);
    if (!failure.empty()) {
      napi_throw_error(env, nullptr, failure.c_str());
      return nullptr;
    }
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "preload", NAPI_AUTO_LENGTH, Preload, nullptr, &fn);
  napi_set_named_property(env, exports, "preload", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
