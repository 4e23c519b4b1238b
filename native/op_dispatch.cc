// Op dispatch: schema-driven conversion between JS values and IValues, and boxed calls.
#include "op_dispatch.h"

#include <ATen/ScalarOps.h>
#include <cmath>

#include "common.h"
#include "error_boundary.h"

namespace torchnode {

static Kind kindOfScalarType(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType: return Kind::Int;
    case c10::TypeKind::FloatType:
    case c10::TypeKind::SymFloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    case c10::TypeKind::StringType: return Kind::Str;
    case c10::TypeKind::DeviceObjType: return Kind::Device;
    case c10::TypeKind::GeneratorType: return Kind::Generator;
    default: return Kind::Unsupported;
  }
}

static std::pair<Kind, bool> kindOf(c10::TypePtr t) {
  bool optional = false;
  if (auto o = t->cast<c10::OptionalType>()) {
    optional = true;
    t = o->getElementType();
  }
  if (auto l = t->cast<c10::ListType>()) {
    c10::TypePtr e = l->getElementType();
    if (auto eo = e->cast<c10::OptionalType>()) {
      return {eo->getElementType()->kind() == c10::TypeKind::TensorType ? Kind::OptTensorList
                                                                        : Kind::Unsupported,
              optional};
    }
    switch (kindOfScalarType(e)) {
      case Kind::Tensor: return {Kind::TensorList, optional};
      case Kind::Int: return {Kind::IntList, optional};
      case Kind::Float: return {Kind::FloatList, optional};
      case Kind::Bool: return {Kind::BoolList, optional};
      case Kind::Scalar: return {Kind::ScalarList, optional};
      default: return {Kind::Unsupported, optional};
    }
  }
  return {kindOfScalarType(t), optional};
}

// The unboxed handle for an op whose schema is one of the UnboxedHandle signatures: plain
// (non-optional) Tensor and Scalar arguments that nothing writes to, one new Tensor returned.
static UnboxedHandle unboxedHandle(const c10::OperatorHandle& handle, const OpEntry& e) {
  const c10::FunctionSchema& schema = handle.schema();
  if (e.writtenArg >= 0 || e.returns.size() != 1 || e.returns[0] != Kind::Tensor) return std::monostate{};
  if (schema.returns()[0].type()->kind() != c10::TypeKind::TensorType) return std::monostate{};
  std::string sig;
  for (size_t i = 0; i < e.args.size(); i++) {
    const c10::Argument& a = schema.arguments()[i];
    if (e.args[i].optional || (a.alias_info() && a.alias_info()->isWrite())) return std::monostate{};
    if (e.args[i].kind == Kind::Tensor && a.type()->kind() == c10::TypeKind::TensorType) sig += 'T';
    else if (e.args[i].kind == Kind::Scalar) sig += 'S';
    else if (e.args[i].kind == Kind::IntList && e.args[i].fixedLength == 0) sig += 'L';
    else return std::monostate{};
  }
  try {  // typed() checks the C++ signature the kernel was registered with
    if (sig == "T") return handle.typed<UnaryFn>();
    if (sig == "TT") return handle.typed<BinaryFn>();
    if (sig == "TTS") return handle.typed<BinaryAlphaFn>();
    if (sig == "TS") return handle.typed<ScalarFn>();
    if (sig == "TSS") return handle.typed<ScalarAlphaFn>();
  } catch (const c10::Error&) {
  }
  if (sig == "TL") {  // int[] or SymInt[]: typed() tells which signature the kernel has
    try {
      return handle.typed<SymIntsFn>();
    } catch (const c10::Error&) {
    }
    try {
      return handle.typed<IntsFn>();
    } catch (const c10::Error&) {
    }
  }
  return std::monostate{};
}

int32_t OpRegistry::resolve(const std::string& name, const std::string& overload, int wrappedNumberArg) {
  std::string key = name + "." + overload;
  if (wrappedNumberArg >= 0) key += "#" + std::to_string(wrappedNumberArg);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw ArgError("Unknown operator " + name + (overload.empty() ? "" : "." + overload));
  const c10::FunctionSchema& schema = handle->schema();
  OpEntry e{*handle, name, overload, {}, {}, -1};
  for (const c10::Argument& a : schema.arguments()) {
    auto [kind, optional] = kindOf(a.type());
    e.args.push_back(ArgSpec{a.name(), kind, optional, a.N() ? *a.N() : 0, a.kwarg_only(),
                             a.default_value(), a.type()->str()});
  }
  if (wrappedNumberArg >= 0) {
    if (static_cast<size_t>(wrappedNumberArg) >= e.args.size() || e.args[wrappedNumberArg].kind != Kind::Tensor ||
        e.args[wrappedNumberArg].optional)
      throw ArgError(key + ": a wrapped number needs a Tensor argument there");
    e.args[wrappedNumberArg].wrappedNumber = true;
  }
  for (const c10::Argument& r : schema.returns()) e.returns.push_back(kindOf(r.type()).first);
  const auto& rets = schema.returns();
  if (rets.size() == 1 && rets[0].alias_info() && rets[0].alias_info()->isWrite()) {
    for (size_t i = 0; i < schema.arguments().size(); i++) {
      const auto* alias = schema.arguments()[i].alias_info();
      if (alias && alias->isWrite() && alias->beforeSets() == rets[0].alias_info()->beforeSets()) {
        e.writtenArg = static_cast<int>(i);
        break;
      }
    }
  }
  for (size_t i = 0; i < schema.arguments().size(); i++) {
    const auto* alias = schema.arguments()[i].alias_info();
    if (alias && alias->isWrite()) e.writes.push_back(static_cast<int>(i));
  }
  e.unboxed = unboxedHandle(*handle, e);
  int32_t id = static_cast<int32_t>(entries_.size());
  entries_.push_back(std::move(e));
  ids_.emplace(key, id);
  return id;
}

OpEntry& OpRegistry::at(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= entries_.size()) throw ArgError("bad operator id");
  return entries_[id];
}

// JS has one number type: integral values become int Scalars (as Python ints would), so integer
// tensors keep their dtype under scalar arithmetic.
static c10::Scalar numberScalar(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
  return d;
}

int64_t checkedInt64(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(d >= -kTwo63 && d < kTwo63)) throw std::runtime_error("Overflow when unpacking long");
  return static_cast<int64_t>(d);
}

// ---- JS -> IValue -------------------------------------------------------------------------

struct Converter {
  napi_env env;
  State& st;
  const OpEntry& op;

  [[noreturn]] void bad(const ArgSpec& a, const char* what) {
    throw ArgError(op.name + (op.overload.empty() ? "" : "." + op.overload) + ": argument '" +
                   a.name + "' (" + a.typeName + ") " + what);
  }

  // A number that is not a live handle of this environment's table: a disposed tensor, a forged
  // or foreign handle. A TorchError, as for every handle the native side rejects.
  [[noreturn]] void badHandle(const ArgSpec& a) {
    throw std::runtime_error(op.name + (op.overload.empty() ? "" : "." + op.overload) + ": argument '" + a.name +
                             "' (" + a.typeName + ") is a Tensor that has been disposed, or not a tensor of this thread");
  }

  napi_valuetype type(napi_value v) {
    napi_valuetype t;
    napi_typeof(env, v, &t);
    return t;
  }

  double number(napi_value v, const ArgSpec& a) {
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok) bad(a, "must be a number");
    return d;
  }

  int64_t integer(napi_value v, const ArgSpec& a) {
    double d = number(v, a);
    if (!std::isfinite(d) || std::trunc(d) != d) bad(a, "must be an integer");
    return checkedInt64(d);
  }

  bool boolean(napi_value v, const ArgSpec& a) {
    bool b;
    if (napi_get_value_bool(env, v, &b) != napi_ok) bad(a, "must be a boolean");
    return b;
  }

  at::Tensor tensor(napi_value v, const ArgSpec& a) {
    double h;
    if (napi_get_value_double(env, v, &h) != napi_ok) bad(a, "must be a Tensor");
    at::Tensor* t = st.table.find(asHandle(h));
    if (!t) badHandle(a);
    return *t;
  }

  uint32_t length(napi_value v, const ArgSpec& a) {
    bool isArray = false;
    napi_is_array(env, v, &isArray);
    if (!isArray) bad(a, "must be an array");
    uint32_t n;
    napi_get_array_length(env, v, &n);
    return n;
  }

  // May run JS (an element getter); a JS exception there propagates as it is.
  napi_value element(napi_value v, uint32_t i) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok) {
      throwIfJsThrew(env);
      throw std::runtime_error("could not read an array element");
    }
    return e;
  }

  c10::IValue scalar(napi_value v, const ArgSpec& a) {
    napi_valuetype t = type(v);
    if (t == napi_boolean) return c10::IValue(boolean(v, a));
    if (t != napi_number) bad(a, "must be a number or boolean");
    return c10::IValue(numberScalar(number(v, a)));
  }

  c10::IValue convert(napi_value v, const ArgSpec& a) {
    if (a.wrappedNumber) {
      napi_valuetype t = type(v);
      if (t == napi_number) return at::native::wrapped_scalar_tensor(numberScalar(number(v, a)));
      if (t == napi_boolean) return at::native::wrapped_scalar_tensor(c10::Scalar(boolean(v, a)));
      bad(a, "must be a number or boolean");
    }
    if (a.kind == Kind::Tensor) {  // the common case first: a handle, no type query needed
      double h;
      if (napi_get_value_double(env, v, &h) == napi_ok) {
        at::Tensor* t = st.table.find(asHandle(h));
        if (!t) badHandle(a);
        return *t;
      }
    }
    napi_valuetype t = type(v);
    if (t == napi_undefined) {
      if (a.defaultValue) return *a.defaultValue;
      if (a.optional) return c10::IValue();
      bad(a, "is required");
    }
    if (t == napi_null) {
      if (a.optional || a.kind == Kind::Generator) return c10::IValue();
      bad(a, "cannot be null");
    }
    switch (a.kind) {
      case Kind::Tensor: return tensor(v, a);
      case Kind::Int: return integer(v, a);
      case Kind::Float: return number(v, a);
      case Kind::Bool: return boolean(v, a);
      case Kind::Scalar: return scalar(v, a);
      case Kind::Str: {
        if (t != napi_string) bad(a, "must be a string");
        size_t n;
        napi_get_value_string_utf8(env, v, nullptr, 0, &n);
        std::string s(n, '\0');
        napi_get_value_string_utf8(env, v, s.data(), n + 1, &n);
        return s;
      }
      case Kind::Device: {
        if (t != napi_string) bad(a, "must be a device string");
        size_t n;
        napi_get_value_string_utf8(env, v, nullptr, 0, &n);
        std::string s(n, '\0');
        napi_get_value_string_utf8(env, v, s.data(), n + 1, &n);
        return c10::Device(s);
      }
      case Kind::IntList: {
        if (t == napi_number) {
          int64_t x = integer(v, a);
          return std::vector<int64_t>(a.fixedLength > 0 ? a.fixedLength : 1, x);
        }
        uint32_t n = length(v, a);
        std::vector<int64_t> xs(n);
        for (uint32_t i = 0; i < n; i++) xs[i] = integer(element(v, i), a);
        // int[N] with N > 1 (kernel sizes, paddings): kernels read N values whatever the list
        // holds (reflection_pad2d read uninitialised memory for [] and [1]). One value stands for
        // all N, as a number does; any other length is refused, except the empty list where the
        // schema's own default is one (pooling's stride=[]: "as the kernel"). int[1] means "one
        // or a list".
        bool emptyIsDefault = xs.empty() && a.defaultValue && a.defaultValue->isIntList() && a.defaultValue->toIntList().empty();
        if (a.fixedLength > 1 && xs.size() != static_cast<size_t>(a.fixedLength) && !emptyIsDefault) {
          if (xs.size() != 1) bad(a, ("must have " + std::to_string(a.fixedLength) + " elements, got " + std::to_string(xs.size())).c_str());
          xs.assign(a.fixedLength, xs[0]);
        }
        return xs;
      }
      case Kind::FloatList: {
        if (t == napi_number) return std::vector<double>(a.fixedLength > 0 ? a.fixedLength : 1, number(v, a));
        uint32_t n = length(v, a);
        std::vector<double> xs(n);
        for (uint32_t i = 0; i < n; i++) xs[i] = number(element(v, i), a);
        return xs;
      }
      case Kind::BoolList: {
        uint32_t n = length(v, a);
        c10::List<bool> xs;
        for (uint32_t i = 0; i < n; i++) xs.push_back(boolean(element(v, i), a));
        return xs;
      }
      case Kind::ScalarList: {
        // Scalar[] (the _foreach_*.ScalarList step sizes): each element converts as a Scalar
        // does (integral numbers as ints, booleans as bools). A generic list typed Number is
        // what the kernels' ArrayRef<Scalar> unboxes from.
        uint32_t n = length(v, a);
        c10::impl::GenericList xs(c10::NumberType::get());
        xs.reserve(n);
        for (uint32_t i = 0; i < n; i++) {
          napi_value e = element(v, i);
          napi_valuetype et = type(e);
          if (et != napi_number && et != napi_boolean) bad(a, "must be a list of numbers or booleans");
          xs.push_back(scalar(e, a));
        }
        return xs;
      }
      case Kind::TensorList: {
        uint32_t n = length(v, a);
        std::vector<at::Tensor> xs;
        xs.reserve(n);
        for (uint32_t i = 0; i < n; i++) xs.push_back(tensor(element(v, i), a));
        return xs;
      }
      case Kind::OptTensorList: {
        uint32_t n = length(v, a);
        c10::List<c10::optional<at::Tensor>> xs;
        for (uint32_t i = 0; i < n; i++) {
          napi_value e = element(v, i);
          napi_valuetype et = type(e);
          if (et == napi_null || et == napi_undefined) xs.push_back(c10::nullopt);
          else xs.push_back(tensor(e, a));
        }
        return xs;
      }
      case Kind::Generator: bad(a, "must be null (custom generators are not supported yet)");
      case Kind::Unsupported: break;
    }
    bad(a, "has a type torchnode cannot pass yet");
  }
};

// ---- IValue -> JS -------------------------------------------------------------------------

static napi_value toJs(napi_env env, State& st, c10::IValue& v) {
  napi_value out;
  if (v.isTensor()) {
    at::Tensor t = std::move(v).toTensor();
    if (!t.defined()) napi_get_null(env, &out);
    else napi_create_int32(env, st.table.put(std::move(t)), &out);
  } else if (v.isNone()) {
    napi_get_undefined(env, &out);
  } else if (v.isInt()) {
    napi_create_double(env, static_cast<double>(v.toInt()), &out);
  } else if (v.isDouble()) {
    napi_create_double(env, v.toDouble(), &out);
  } else if (v.isBool()) {
    napi_get_boolean(env, v.toBool(), &out);
  } else if (v.isString()) {
    const std::string& s = v.toStringRef();
    napi_create_string_utf8(env, s.data(), s.size(), &out);
  } else if (v.isDevice()) {
    std::string s = v.toDevice().str();
    napi_create_string_utf8(env, s.data(), s.size(), &out);
  } else if (v.isTuple()) {
    auto& elems = v.toTupleRef().elements();
    napi_create_array_with_length(env, elems.size(), &out);
    for (size_t i = 0; i < elems.size(); i++) {
      c10::IValue e = elems[i];
      napi_set_element(env, out, i, toJs(env, st, e));
    }
  } else if (v.isList()) {
    c10::List<c10::IValue> l = v.toList();
    napi_create_array_with_length(env, l.size(), &out);
    for (size_t i = 0; i < l.size(); i++) {
      c10::IValue e = l.get(i);
      napi_set_element(env, out, i, toJs(env, st, e));
    }
  } else {
    throw std::runtime_error("torchnode cannot return a value of type " + v.tagKind());
  }
  return out;
}

OpEntry& entryArg(napi_env env, State& st, size_t argc, const napi_value* argv) {
  int32_t id = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) throw ArgError("call: operator id expected");
  return st.ops->at(id);
}

void pushArgs(napi_env env, State& st, const OpEntry& op, const napi_value* args, size_t given, c10::Stack& stack) {
  if (given > op.args.size())
    throw ArgError(op.name + "." + op.overload + ": takes " + std::to_string(op.args.size()) +
                   " arguments but " + std::to_string(given) + " were given");
  napi_value undef;
  napi_get_undefined(env, &undef);
  Converter conv{env, st, op};
  for (size_t i = 0; i < op.args.size(); i++) stack.push_back(conv.convert(i < given ? args[i] : undef, op.args[i]));
}

napi_value popResults(napi_env env, State& st, const OpEntry& op, c10::Stack& stack) {
  napi_value out;
  if (op.writtenArg >= 0 || stack.empty()) {
    napi_get_undefined(env, &out);
  } else if (stack.size() == 1) {
    out = toJs(env, st, stack[0]);
  } else {
    napi_create_array_with_length(env, stack.size(), &out);
    for (size_t i = 0; i < stack.size(); i++) napi_set_element(env, out, i, toJs(env, st, stack[i]));
  }
  stack.clear();
  return out;
}

// Reads the arguments of an unboxed call. Anything unusual (a disposed tensor, a missing
// argument without a default, a value of another type) returns false, and the call takes the
// boxed path, which raises the proper error.
struct UnboxedArgs {
  napi_env env;
  State& st;
  const OpEntry& op;
  const napi_value* args;
  size_t given;

  // Valid until anything runs JS: callUnboxed fetches the tensors after the reads that can.
  const at::Tensor* tensor(size_t i) {
    double h;
    if (i >= given || napi_get_value_double(env, args[i], &h) != napi_ok) return nullptr;
    return st.table.find(asHandle(h));
  }

  // A Tensor argument that may be a wrapped number (ArgSpec::wrappedNumber): the number's
  // tensor is made into `made`, which the caller keeps for the call.
  const at::Tensor* tensorOrNumber(size_t i, at::Tensor& made) {
    if (!op.args[i].wrappedNumber) return tensor(i);
    napi_valuetype t = napi_undefined;
    if (i < given) napi_typeof(env, args[i], &t);
    if (t == napi_number) {
      double d;
      napi_get_value_double(env, args[i], &d);
      made = at::native::wrapped_scalar_tensor(numberScalar(d));
    } else if (t == napi_boolean) {
      bool b;
      napi_get_value_bool(env, args[i], &b);
      made = at::native::wrapped_scalar_tensor(c10::Scalar(b));
    } else {
      return nullptr;
    }
    return &made;
  }

  bool scalar(size_t i, c10::Scalar& out) {
    napi_valuetype t = napi_undefined;
    if (i < given) napi_typeof(env, args[i], &t);
    if (t == napi_undefined) {
      if (!op.args[i].defaultValue) return false;
      out = op.args[i].defaultValue->toScalar();
      return true;
    }
    if (t != napi_number) return false;
    double d;
    napi_get_value_double(env, args[i], &d);
    out = numberScalar(d);
    return true;
  }

  // A JS array of integers (any exact integer a double holds, far from SymInt's reserved range).
  bool ints(size_t i, c10::SmallVector<int64_t, 8>& out) {
    bool isArray = false;
    if (i >= given || napi_is_array(env, args[i], &isArray) != napi_ok || !isArray) return false;
    uint32_t n = 0;
    napi_get_array_length(env, args[i], &n);
    out.resize(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value e;
      double d;
      if (napi_get_element(env, args[i], k, &e) != napi_ok) {
        throwIfJsThrew(env);  // a getter threw: that is the call's error
        return false;
      }
      if (napi_get_value_double(env, e, &d) != napi_ok) return false;
      if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) >= 9007199254740992.0) return false;
      out[k] = static_cast<int64_t>(d);
    }
    return true;
  }
};

static bool callUnboxed(UnboxedArgs& a, at::Tensor& result) {
  if (a.given > a.op.args.size()) return false;
  const at::Tensor* x = a.tensor(0);
  if (!x) return false;
  c10::Scalar s1, s2;
  at::Tensor number;  // a wrapped-number argument's tensor, alive for the call
  switch (a.op.unboxed.index()) {
    case 1:
      result = std::get<1>(a.op.unboxed).call(*x);
      return true;
    case 2: {
      const at::Tensor* y = a.tensorOrNumber(1, number);
      if (!y) return false;
      result = std::get<2>(a.op.unboxed).call(*x, *y);
      return true;
    }
    case 3: {
      const at::Tensor* y = a.tensorOrNumber(1, number);
      if (!y || !a.scalar(2, s1)) return false;
      result = std::get<3>(a.op.unboxed).call(*x, *y, s1);
      return true;
    }
    case 4:
      if (!a.scalar(1, s1)) return false;
      result = std::get<4>(a.op.unboxed).call(*x, s1);
      return true;
    case 5:
      if (!a.scalar(1, s1) || !a.scalar(2, s2)) return false;
      result = std::get<5>(a.op.unboxed).call(*x, s1, s2);
      return true;
    case 6:
    case 7: {
      c10::SmallVector<int64_t, 8> xs;
      if (!a.ints(1, xs)) return false;  // element getters may run JS: x is fetched again
      if (a.st.pendingAsync != 0) return false;  // a getter started an asynchronous op: check on the boxed path
      x = a.tensor(0);
      if (!x) return false;
      if (a.op.unboxed.index() == 6) result = std::get<6>(a.op.unboxed).call(*x, xs);
      else result = std::get<7>(a.op.unboxed).call(*x, c10::fromIntArrayRefUnchecked(xs));
      return true;
    }
    default:
      return false;
  }
}

void checkStackNotPending(State& st, const OpEntry& op, const c10::Stack& stack) {
  size_t w = 0;
  forEachTensor(stack, [&](const at::Tensor& t, size_t i) {
    while (w < op.writes.size() && static_cast<size_t>(op.writes[w]) < i) w++;
    checkNotPending(st, t, w < op.writes.size() && static_cast<size_t>(op.writes[w]) == i);
  });
}

// call(opId, ...args): the hot path. Raw N-API keeps it allocation-free.
static napi_value callOp(napi_env env, napi_callback_info cbinfo) {
  Napi::Env nenv(env);
  CallArgs a(env, cbinfo);
  size_t argc = a.argc;
  napi_value* argv = a.argv;
  State& st = state(nenv);
  try {
    OpRegistry::StackLease lease(*st.ops);
    c10::Stack& stack = lease.get();
    OpEntry& op = entryArg(env, st, argc, argv);
    // While asynchronous operations are pending, every call takes the boxed path, which checks
    // its tensors against theirs.
    if (op.unboxed.index() != 0 && st.pendingAsync == 0) {
      UnboxedArgs args{env, st, op, argv + 1, argc - 1};
      at::Tensor result;
      if (callUnboxed(args, result)) {
        flushWarnings(nenv, st);  // first: a sink that throws fails the call, and result is freed
        napi_value out;
        if (result.defined()) napi_create_int32(env, st.table.put(std::move(result)), &out);
        else napi_get_null(env, &out);
        return out;
      }
    }
    pushArgs(env, st, op, argv + 1, argc - 1, stack);
    if (st.pendingAsync != 0) checkStackNotPending(st, op, stack);
    op.handle.callBoxed(stack);
    flushWarnings(nenv, st);
    return popResults(env, st, op, stack);
  } catch (...) {
    flushWarningsQuietly(nenv, st);
    rethrowToJs(nenv);
  }
  return nullptr;
}

static const char* kindName(Kind k) {
  switch (k) {
    case Kind::Tensor: return "Tensor";
    case Kind::TensorList: return "Tensor[]";
    case Kind::OptTensorList: return "Tensor?[]";
    case Kind::Int: return "int";
    case Kind::IntList: return "int[]";
    case Kind::Float: return "float";
    case Kind::FloatList: return "float[]";
    case Kind::Bool: return "bool";
    case Kind::BoolList: return "bool[]";
    case Kind::Scalar: return "Scalar";
    case Kind::ScalarList: return "Scalar[]";
    case Kind::Str: return "str";
    case Kind::Device: return "Device";
    case Kind::Generator: return "Generator";
    default: return "unsupported";
  }
}

static TN_FN(resolveOp) {
  TN_GUARD {
    std::string name = info[0].As<Napi::String>();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    if (name.find("::") == std::string::npos) name = "aten::" + name;
    int wrappedNumberArg = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
    return Napi::Number::New(info.Env(), state(info.Env()).ops->resolve(name, overload, wrappedNumberArg));
  });
}

// opInfo(id): the schema as data, used by the raw torch.ops path to place keyword arguments
// and to convert results.
static TN_FN(opInfo) {
  TN_GUARD {
    Napi::Env env = info.Env();
    OpEntry& op = state(env).ops->at(info[0].As<Napi::Number>().Int32Value());
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", op.name);
    o.Set("overload", op.overload);
    o.Set("schema", c10::toString(op.handle.schema()));
    Napi::Array args = Napi::Array::New(env, op.args.size());
    for (size_t i = 0; i < op.args.size(); i++) {
      Napi::Object a = Napi::Object::New(env);
      a.Set("name", op.args[i].name);
      a.Set("kind", kindName(op.args[i].kind));
      a.Set("optional", op.args[i].optional);
      a.Set("hasDefault", op.args[i].defaultValue.has_value());
      a.Set("kwargOnly", op.args[i].kwargOnly);
      args.Set(static_cast<uint32_t>(i), a);
    }
    o.Set("args", args);
    Napi::Array rets = Napi::Array::New(env, op.returns.size());
    for (size_t i = 0; i < op.returns.size(); i++) rets.Set(static_cast<uint32_t>(i), kindName(op.returns[i]));
    o.Set("returns", rets);
    o.Set("writtenArg", op.writtenArg);
    return o;
  });
}

// overloads(name): every overload name registered for an operator.
static TN_FN(overloads) {
  TN_GUARD {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    if (name.find("::") == std::string::npos) name = "aten::" + name;
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const c10::OperatorName& on : c10::Dispatcher::singleton().getAllOpNames())
      if (on.name == name) out.Set(n++, on.overload_name);
    return out;
  });
}

// wrappedNumber(x): a number or boolean as the 0-dim "wrapped number" tensor that PyTorch makes
// of a Python number passed where an operator takes a Tensor (type promotion treats it as a
// scalar: float32 + 2.5 stays float32).
static TN_FN(wrappedNumber) {
  TN_GUARD {
    Napi::Value v = info[0];
    c10::Scalar s;
    if (v.IsBoolean()) s = v.As<Napi::Boolean>().Value();
    else if (v.IsNumber()) s = numberScalar(v.As<Napi::Number>().DoubleValue());
    else throw ArgError("wrappedNumber: a number or boolean is expected");
    return handleValue(info.Env(), at::native::wrapped_scalar_tensor(s));
  });
}

void initOpDispatch(Napi::Env env, Napi::Object exports) {
  state(env).ops = new OpRegistry();
  napi_value fn;
  napi_create_function(env, "call", NAPI_AUTO_LENGTH, callOp, nullptr, &fn);
  exports.Set("call", Napi::Value(env, fn));
  exports.Set("resolve", Napi::Function::New(env, resolveOp, "resolve"));
  exports.Set("opInfo", Napi::Function::New(env, opInfo, "opInfo"));
  exports.Set("overloads", Napi::Function::New(env, overloads, "overloads"));
  exports.Set("wrappedNumber", Napi::Function::New(env, wrappedNumber, "wrappedNumber"));
}

}  // namespace torchnode
