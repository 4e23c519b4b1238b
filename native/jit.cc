// TorchScript modules (torch.jit): load and save, methods called with JS values converted by the
// method's own schema, parameters and attributes, train/eval/to, freeze and
// optimize_for_inference, tracing a JS module through LibTorch's tracer, and forward on a libuv
// worker thread. lib/jit/ is the PyTorch-shaped API over these functions.
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/serialization/import.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <atomic>
#include <cmath>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

using torch::jit::Module;

// What JS holds: the module (a handle to LibTorch's refcounted object) and how many of its
// asynchronous calls are running. Calls that change the module (train, to, setattr) wait for
// none to run: a worker thread reads its parameters and attributes meanwhile.
struct JitModule {
  explicit JitModule(Module m) : module(std::move(m)) {}
  Module module;
  std::atomic<int32_t> running{0};
};

// Tags our externals, so that no other External (another addon's, say) is taken for a module.
static const napi_type_tag kModuleTag = {0x7a3c1e5b9d2f4a61ULL, 0x8e0b6c4d2a1f3e59ULL};

static Napi::Value wrapModule(Napi::Env env, Module m) {
  auto ext = Napi::External<JitModule>::New(env, new JitModule(std::move(m)), [](Napi::Env, JitModule* p) { delete p; });
  ext.TypeTag(&kModuleTag);
  return ext;
}

static JitModule& moduleArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsExternal() || !info[i].As<Napi::Object>().CheckTypeTag(&kModuleTag))
    throw ArgError("expected a ScriptModule");
  return *info[i].As<Napi::External<JitModule>>().Data();
}

static void checkNotRunning(JitModule& jm, const char* what) {
  TORCH_CHECK(jm.running.load() == 0, what, ": a forward_async of this module is still running; await it first");
}

static std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsString()) throw ArgError(std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// ---- JS values to IValues, by TorchScript type -------------------------------------------

static c10::IValue toIValue(Napi::Env env, State& st, Napi::Value v, const c10::TypePtr& type, const std::string& what);

static c10::IValue tensorFrom(State& st, Napi::Value v, const std::string& what) {
  at::Tensor* t = v.IsNumber() ? st.table.find(asHandle(v.As<Napi::Number>().DoubleValue())) : nullptr;
  if (!t) throw ArgError(what + ": " + kNotATensor);
  at::Tensor copy = *t;
  checkNotPending(st, copy, false);
  return copy;
}

static c10::IValue listFrom(Napi::Env env, State& st, Napi::Value v, const c10::TypePtr& elem, const std::string& what) {
  if (!v.IsArray()) throw ArgError(what + ": expected an array");
  auto arr = v.As<Napi::Array>();
  c10::impl::GenericList list(elem);
  list.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) list.push_back(toIValue(env, st, arr.Get(i), elem, what + "[" + std::to_string(i) + "]"));
  return list;
}

static c10::IValue toIValue(Napi::Env env, State& st, Napi::Value v, const c10::TypePtr& type, const std::string& what) {
  using K = c10::TypeKind;
  switch (type->kind()) {
    case K::TensorType:
      return tensorFrom(st, v, what);
    case K::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return toIValue(env, st, v, type->expectRef<c10::OptionalType>().getElementType(), what);
    case K::NoneType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      throw ArgError(what + ": expected null");
    case K::IntType:
      if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()) ||
          std::trunc(v.As<Napi::Number>().DoubleValue()) != v.As<Napi::Number>().DoubleValue())
        throw ArgError(what + ": expected an integer");
      return checkedInt64(v.As<Napi::Number>().DoubleValue());
    case K::FloatType:
      if (!v.IsNumber()) throw ArgError(what + ": expected a number");
      return v.As<Napi::Number>().DoubleValue();
    case K::NumberType: {
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (!v.IsNumber()) throw ArgError(what + ": expected a number");
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<int64_t>(d);
      return d;
    }
    case K::BoolType:
      if (!v.IsBoolean()) throw ArgError(what + ": expected a boolean");
      return v.As<Napi::Boolean>().Value();
    case K::StringType:
      if (!v.IsString()) throw ArgError(what + ": expected a string");
      return v.As<Napi::String>().Utf8Value();
    case K::DeviceObjType:
      if (!v.IsString()) throw ArgError(what + ": expected a device string");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case K::ListType:
      return listFrom(env, st, v, type->expectRef<c10::ListType>().getElementType(), what);
    case K::TupleType: {
      const auto& elems = type->expectRef<c10::TupleType>().elements();
      if (!v.IsArray() || v.As<Napi::Array>().Length() != elems.size())
        throw ArgError(what + ": expected an array of " + std::to_string(elems.size()) + " (a tuple)");
      std::vector<c10::IValue> items;
      for (size_t i = 0; i < elems.size(); i++)
        items.push_back(toIValue(env, st, v.As<Napi::Array>().Get(static_cast<uint32_t>(i)), elems[i], what + "[" + std::to_string(i) + "]"));
      return c10::ivalue::Tuple::create(std::move(items));
    }
    case K::DictType: {
      const auto& dict = type->expectRef<c10::DictType>();
      if (!v.IsObject() || v.IsArray()) throw ArgError(what + ": expected an object (a dict)");
      c10::impl::GenericDict out(dict.getKeyType(), dict.getValueType());
      Napi::Object obj = v.As<Napi::Object>();
      Napi::Array keys = obj.GetPropertyNames();
      for (uint32_t i = 0; i < keys.Length(); i++) {
        std::string key = keys.Get(i).ToString().Utf8Value();
        c10::IValue k = dict.getKeyType()->kind() == K::StringType
                            ? c10::IValue(key)
                            : toIValue(env, st, Napi::Number::New(env, std::stod(key)), dict.getKeyType(), what + " key");
        out.insert_or_assign(std::move(k), toIValue(env, st, obj.Get(keys.Get(i)), dict.getValueType(), what + "." + key));
      }
      return out;
    }
    default:
      throw ArgError(what + ": values of TorchScript type " + type->repr_str() + " cannot be passed from JavaScript");
  }
}

// ---- IValues to JS ---------------------------------------------------------------------------

// A tensor goes back as { __tensor: handle } and a submodule as { __module: external }; lib/jit
// wraps them. Plain numbers cannot mark a tensor: an int result is a number too.
static Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("__tensor", handleValue(env, v.toTensor()));
    return o;
  }
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isList()) {
    auto list = v.toListRef();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return a;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i]));
    return a;
  }
  if (v.isGenericDict()) {
    // str keys → a plain object; other keys → a Map, which keeps their type
    auto dict = v.toGenericDict();
    if (dict.keyType()->kind() == c10::TypeKind::StringType) {
      Napi::Object o = Napi::Object::New(env);
      for (const auto& e : dict) o.Set(e.key().toStringRef(), fromIValue(env, e.value()));
      return o;
    }
    Napi::Object map = env.Global().Get("Map").As<Napi::Function>().New({});
    Napi::Function set = map.Get("set").As<Napi::Function>();
    for (const auto& e : dict) set.Call(map, {fromIValue(env, e.key()), fromIValue(env, e.value())});
    return map;
  }
  if (v.isModule()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("__module", wrapModule(env, Module(v.toObject())));
    return o;
  }
  throw std::runtime_error("a TorchScript value of type " + v.type()->repr_str() + " cannot be returned to JavaScript");
}

// ---- calling methods ---------------------------------------------------------------------

struct PreparedCall {
  std::vector<c10::IValue> args;
  torch::jit::Kwargs kwargs;
};

// runMethod(m, name, args[], kwargs{}): the arguments converted by the method's schema
// (argument 0 is self), kwargs by name; LibTorch fills defaults and checks the rest.
static PreparedCall prepareCall(const Napi::CallbackInfo& info, JitModule& jm, const std::string& name) {
  Napi::Env env = info.Env();
  State& st = state(env);
  auto method = jm.module.find_method(name);
  TORCH_CHECK(method.has_value(), "ScriptModule has no method '", name, "'");
  const auto& schema = method->function().getSchema();
  const auto& params = schema.arguments();
  PreparedCall call;
  if (info.Length() > 2 && info[2].IsArray()) {
    Napi::Array args = info[2].As<Napi::Array>();
    TORCH_CHECK(args.Length() + 1 <= params.size(), name, "() takes ", params.size() - 1, " arguments but ", args.Length(), " were given");
    for (uint32_t i = 0; i < args.Length(); i++)
      call.args.push_back(toIValue(env, st, args.Get(i), params[i + 1].type(), name + "() argument '" + params[i + 1].name() + "'"));
  }
  if (info.Length() > 3 && info[3].IsObject()) {
    Napi::Object kw = info[3].As<Napi::Object>();
    Napi::Array keys = kw.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string key = keys.Get(i).ToString().Utf8Value();
      auto index = schema.argumentIndexWithName(key);
      TORCH_CHECK(index.has_value() && *index > 0, name, "() got an unexpected keyword argument '", key, "'");
      call.kwargs.emplace(key, toIValue(env, st, kw.Get(key), params[*index].type(), name + "() argument '" + key + "'"));
    }
  }
  return call;
}

static TN_FN(runMethod) {
  TN_GUARD {
    JitModule& jm = moduleArg(info, 0);
    std::string name = stringArg(info, 1, "method name");
    PreparedCall call = prepareCall(info, jm, name);
    c10::IValue out = jm.module.get_method(name)(std::move(call.args), call.kwargs);
    return fromIValue(info.Env(), out);
  });
}

// runMethodAsync: the same on a libuv worker thread. The call holds its own reference to the
// module and to every input, and marks their storages (and the module's parameters and
// buffers) as in use, as callAsync does, so JS cannot write them until the promise settles.
struct AsyncMethodCall {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  JitModule* owner = nullptr;
  Napi::Reference<Napi::Value> ownerRef;  // keeps the module's External alive
  Module module;
  std::string name;
  PreparedCall call;
  c10::IValue result;
  bool gradEnabled = true;
  int numThreads = 1;
  std::string error;
  StorageMarks marks;
  WarningBuffer warnings;  // what LibTorch warned on the worker thread; the JS thread adopts them
};

static void executeMethod(napi_env, void* data) {
  auto* c = static_cast<AsyncMethodCall*>(data);
  try {
    c10_warnings::WarningHandlerGuard capture(&c->warnings);  // c10's handler is per thread: here, the call's buffer
    c10::AutoGradMode mode(c->gradEnabled);
    // The intra-op thread count is the caller's (torch.set_num_threads): OpenMP keeps it per
    // calling thread, and a libuv worker would otherwise use one thread per core.
    if (at::get_num_threads() != c->numThreads) at::set_num_threads(c->numThreads);
    c->result = c->module.get_method(c->name)(std::move(c->call.args), c->call.kwargs);
  } catch (...) {
    c->error = currentErrorMessage();
  }
}

static void completeMethod(napi_env env, napi_status status, void* data) {
  std::unique_ptr<AsyncMethodCall> c(static_cast<AsyncMethodCall*>(data));
  Napi::Env nenv(env);
  Napi::HandleScope scope(nenv);
  napi_delete_async_work(env, c->work);
  State& st = state(nenv);
  releaseStorageMarks(st, c->marks);
  c->owner->running--;
  c->ownerRef.Reset();
  st.warnings.adopt(c->warnings);
  if (status != napi_ok) {
    flushWarningsQuietly(nenv, st);
    napi_reject_deferred(env, c->deferred, makeTorchError(nenv, "the asynchronous method call was cancelled"));
  } else if (!c->error.empty()) {
    flushWarningsQuietly(nenv, st);
    napi_reject_deferred(env, c->deferred, makeTorchError(nenv, c->error));
  } else {
    try {
      flushWarnings(nenv, st);
      napi_resolve_deferred(env, c->deferred, fromIValue(nenv, c->result));
    } catch (...) {
      napi_reject_deferred(env, c->deferred, currentErrorToJs(nenv));
    }
  }
}

static TN_FN(runMethodAsync) {
  TN_GUARD {
    Napi::Env env = info.Env();
    State& st = state(env);
    JitModule& jm = moduleArg(info, 0);
    auto c = std::make_unique<AsyncMethodCall>();
    c->name = stringArg(info, 1, "method name");
    c->call = prepareCall(info, jm, c->name);
    c->module = jm.module;
    c->owner = &jm;
    c->ownerRef = Napi::Persistent(info[0]);
    c->gradEnabled = at::GradMode::is_enabled();
    c->numThreads = at::get_num_threads();
    for (const auto& v : c->call.args) markInUse(st, v, c->marks);
    for (const auto& kv : c->call.kwargs) markInUse(st, kv.second, c->marks);
    for (const auto& p : jm.module.parameters()) markInUse(st, p, c->marks);
    for (const auto& b : jm.module.buffers()) markInUse(st, b, c->marks);
    napi_value promise, name;
    napi_create_promise(env, &c->deferred, &promise);
    napi_create_string_utf8(env, "torchnode:runMethodAsync", NAPI_AUTO_LENGTH, &name);
    napi_create_async_work(env, nullptr, name, executeMethod, completeMethod, c.get(), &c->work);
    if (napi_queue_async_work(env, c->work) != napi_ok) {
      releaseStorageMarks(st, c->marks);
      napi_delete_async_work(env, c->work);
      throw std::runtime_error("forward_async: could not queue the work");
    }
    jm.running++;
    c.release();  // completeMethod owns it now
    return Napi::Value(env, promise);
  });
}

// ---- loading, saving, inspecting --------------------------------------------------------

static c10::optional<c10::Device> deviceArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return c10::Device(stringArg(info, i, "map_location"));
}

static TN_FN(load) {
  TN_GUARD { return wrapModule(info.Env(), torch::jit::load(stringArg(info, 0, "path"), deviceArg(info, 1))); });
}

static TN_FN(save) {
  TN_GUARD {
    moduleArg(info, 0).module.save(stringArg(info, 1, "path"));
    return info.Env().Undefined();
  });
}

static TN_FN(methods) {
  TN_GUARD {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& m : moduleArg(info, 0).module.get_methods()) {
      std::ostringstream schema;
      schema << m.function().getSchema();
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", m.name());
      o.Set("schema", schema.str());
      out.Set(i++, o);
    }
    return out;
  });
}

// named(m, kind, recurse): [name, value] pairs of parameters, buffers or children.
static TN_FN(named) {
  TN_GUARD {
    Napi::Env env = info.Env();
    const Module& m = moduleArg(info, 0).module;
    std::string kind = stringArg(info, 1, "kind");
    bool recurse = info.Length() > 2 && info[2].ToBoolean().Value();
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    auto push = [&](const std::string& name, Napi::Value v) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, name);
      pair.Set(1u, v);
      out.Set(i++, pair);
    };
    if (kind == "parameters") {
      for (const auto& p : m.named_parameters(recurse)) push(p.name, handleValue(env, p.value));
    } else if (kind == "buffers") {
      for (const auto& b : m.named_buffers(recurse)) push(b.name, handleValue(env, b.value));
    } else if (kind == "children") {
      for (const auto& c : m.named_children()) push(c.name, wrapModule(env, c.value));
    } else {
      throw ArgError("named: kind must be parameters, buffers or children");
    }
    return out;
  });
}

static TN_FN(getAttr) {
  TN_GUARD {
    const Module& m = moduleArg(info, 0).module;
    std::string name = stringArg(info, 1, "attribute name");
    TORCH_CHECK(m.hasattr(name), "ScriptModule has no attribute '", name, "'");
    return fromIValue(info.Env(), m.attr(name));
  });
}

static TN_FN(hasAttr) {
  TN_GUARD { return Napi::Boolean::New(info.Env(), moduleArg(info, 0).module.hasattr(stringArg(info, 1, "attribute name"))); });
}

// setAttr(m, name, value): an existing attribute, converted to its declared type.
static TN_FN(setAttr) {
  TN_GUARD {
    JitModule& jm = moduleArg(info, 0);
    checkNotRunning(jm, "setattr");
    std::string name = stringArg(info, 1, "attribute name");
    const auto& type = jm.module.type();
    TORCH_CHECK(type->hasAttribute(name), "ScriptModule has no attribute '", name, "'");
    jm.module.setattr(name, toIValue(info.Env(), state(info.Env()), info[2], type->getAttribute(name), name));
    return info.Env().Undefined();
  });
}

static TN_FN(train) {
  TN_GUARD {
    JitModule& jm = moduleArg(info, 0);
    checkNotRunning(jm, "train");
    jm.module.train(info.Length() < 2 || info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

static TN_FN(isTraining) {
  TN_GUARD {
    const Module& m = moduleArg(info, 0).module;
    return Napi::Boolean::New(info.Env(), m.hasattr("training") && m.is_training());
  });
}

// to(m, device | null, dtypeCode | null): in place, as nn.Module.to.
static TN_FN(to) {
  TN_GUARD {
    JitModule& jm = moduleArg(info, 0);
    checkNotRunning(jm, "to");
    auto device = deviceArg(info, 1);
    bool hasDtype = info.Length() > 2 && info[2].IsNumber();
    auto dtype = hasDtype ? static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value()) : at::ScalarType::Undefined;
    if (device && hasDtype) jm.module.to(*device, dtype);
    else if (device) jm.module.to(*device);
    else if (hasDtype) jm.module.to(dtype);
    return info.Env().Undefined();
  });
}

static TN_FN(typeName) {
  TN_GUARD { return Napi::String::New(info.Env(), moduleArg(info, 0).module.type()->name()->qualifiedName()); });
}

// graph(m, method): the method's TorchScript graph, as PyTorch's ScriptModule.graph prints it.
static TN_FN(graph) {
  TN_GUARD {
    const Module& m = moduleArg(info, 0).module;
    std::string name = stringArg(info, 1, "method name");
    auto method = m.find_method(name);
    TORCH_CHECK(method.has_value(), "ScriptModule has no method '", name, "'");
    return Napi::String::New(info.Env(), method->graph()->toString());
  });
}

static std::vector<std::string> stringList(const Napi::CallbackInfo& info, size_t i) {
  std::vector<std::string> out;
  if (i < info.Length() && info[i].IsArray()) {
    Napi::Array a = info[i].As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); k++) out.push_back(a.Get(k).ToString().Utf8Value());
  }
  return out;
}

// freeze(m, preservedAttrs, optimizeNumerics): a new, frozen module (torch.jit.freeze).
static TN_FN(freeze) {
  TN_GUARD {
    const Module& m = moduleArg(info, 0).module;
    bool optimize = info.Length() < 3 || info[2].ToBoolean().Value();
    return wrapModule(info.Env(), torch::jit::freeze(m, stringList(info, 1), optimize));
  });
}

// optimizeForInference(m, otherMethods): a new module; m must already be frozen (lib/jit freezes
// first, as PyTorch's Python wrapper does).
static TN_FN(optimizeForInference) {
  TN_GUARD {
    Module m = moduleArg(info, 0).module;
    return wrapModule(info.Env(), torch::jit::optimize_for_inference(m, stringList(info, 1)));
  });
}

// ---- tracing -----------------------------------------------------------------------------

// A TorchScript module shaped like the JS module: its parameters and buffers are the very
// tensors JS uses, so the tracer sees them as the module's attributes rather than constants.
// spec: { name, training, params: [[name, handle]], buffers: [[name, handle]], children: [[name, spec]] }
static Module moduleFromSpec(Napi::Env env, State& st, Napi::Object spec, const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  std::string name = spec.Get("name").ToString().Utf8Value();
  Module m(c10::QualifiedName("__torch__." + name), cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), spec.Get("training").ToBoolean().Value());
  auto each = [&](const char* key, auto&& fn) {
    Napi::Array list = spec.Get(key).As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Array pair = list.Get(i).As<Napi::Array>();
      fn(pair.Get(0u).ToString().Utf8Value(), pair.Get(1u));
    }
  };
  each("params", [&](const std::string& n, Napi::Value h) { m.register_parameter(n, tensorFrom(st, h, n).toTensor(), false); });
  each("buffers", [&](const std::string& n, Napi::Value h) { m.register_buffer(n, tensorFrom(st, h, n).toTensor()); });
  each("children", [&](const std::string& n, Napi::Value child) { m.register_module(n, moduleFromSpec(env, st, child.As<Napi::Object>(), cu)); });
  return m;
}

// The traced function's result: a tensor handle, or an array of them (a tuple).
static c10::IValue traceOutput(State& st, Napi::Value v) {
  if (!v.IsArray()) return tensorFrom(st, v, "the traced forward's result");
  std::vector<c10::IValue> items;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) items.push_back(traceOutput(st, a.Get(i)));
  return c10::ivalue::Tuple::create(std::move(items));
}

// trace(spec, fn, inputHandles, strict): runs fn (which calls the JS module's forward with the
// inputs as handles and returns handles) under LibTorch's tracer, and gives the module the
// traced graph as its forward method.
static TN_FN(trace) {
  TN_GUARD {
    Napi::Env env = info.Env();
    State& st = state(env);
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsArray())
      throw ArgError("trace(spec, fn, inputs)");
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    Module m = moduleFromSpec(env, st, info[0].As<Napi::Object>(), cu);
    Napi::Function fn = info[1].As<Napi::Function>();
    Napi::Array given = info[2].As<Napi::Array>();
    torch::jit::Stack inputs;
    for (uint32_t i = 0; i < given.Length(); i++) inputs.push_back(tensorFrom(st, given.Get(i), "trace input " + std::to_string(i)));
    bool strict = info.Length() < 4 || info[3].ToBoolean().Value();
    auto traced = [&](torch::jit::Stack in) -> torch::jit::Stack {
      std::vector<napi_value> args;
      for (const auto& v : in) args.push_back(handleValue(env, v.toTensor()));
      Napi::Value out = fn.Call(args);
      return {traceOutput(state(env), out)};
    };
    auto result = torch::jit::tracer::trace(std::move(inputs), traced, [](const at::Tensor&) { return std::string(); },
                                            strict, /*force_outplace=*/false, &m);
    auto function = cu->create_function(c10::QualifiedName(*m.type()->name(), "forward"), result.first->graph);
    m.type()->addMethod(function);
    return wrapModule(env, m);
  });
}

void initJit(Napi::Env env, Napi::Object exports) {
  Napi::Object jit = Napi::Object::New(env);
  jit.Set("load", Napi::Function::New(env, load, "load"));
  jit.Set("save", Napi::Function::New(env, save, "save"));
  jit.Set("methods", Napi::Function::New(env, methods, "methods"));
  jit.Set("runMethod", Napi::Function::New(env, runMethod, "runMethod"));
  jit.Set("runMethodAsync", Napi::Function::New(env, runMethodAsync, "runMethodAsync"));
  jit.Set("named", Napi::Function::New(env, named, "named"));
  jit.Set("getAttr", Napi::Function::New(env, getAttr, "getAttr"));
  jit.Set("hasAttr", Napi::Function::New(env, hasAttr, "hasAttr"));
  jit.Set("setAttr", Napi::Function::New(env, setAttr, "setAttr"));
  jit.Set("train", Napi::Function::New(env, train, "train"));
  jit.Set("isTraining", Napi::Function::New(env, isTraining, "isTraining"));
  jit.Set("to", Napi::Function::New(env, to, "to"));
  jit.Set("typeName", Napi::Function::New(env, typeName, "typeName"));
  jit.Set("graph", Napi::Function::New(env, graph, "graph"));
  jit.Set("freeze", Napi::Function::New(env, freeze, "freeze"));
  jit.Set("optimizeForInference", Napi::Function::New(env, optimizeForInference, "optimizeForInference"));
  jit.Set("trace", Napi::Function::New(env, trace, "trace"));
  exports.Set("jit", jit);
}

}  // namespace torchnode
