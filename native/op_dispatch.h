// Calling any ATen operator by schema through c10::Dispatcher: JS resolves an operator name
// once to an integer id, then calls it with plain JS values converted by the schema.
#pragma once
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <c10/core/SymIntArrayRef.h>
#include <deque>
#include <node_api.h>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace torchnode {

enum class Kind : uint8_t {
  Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Bool, BoolList,
  Scalar, ScalarList, Str, Device, Generator, Unsupported
};

struct ArgSpec {
  std::string name;
  Kind kind;
  bool optional;
  int32_t fixedLength;  // int[2] kernel_size: a single number is repeated this many times
  bool kwargOnly;
  c10::optional<c10::IValue> defaultValue;
  std::string typeName;
  // A Tensor argument that takes a JS number or boolean as PyTorch's 0-dim "wrapped number"
  // tensor, as Python's parser passes a number to add, sub, mul and div (their .Scalar
  // overloads have no Python binding, and would record AddBackward1 and so on instead of
  // AddBackward0). Set only in an entry resolved for it (OpRegistry::resolve's wrappedNumberArg),
  // where that argument is always a number: a handle there would be read as one.
  bool wrappedNumber = false;
};

// The commonest operator signatures, called unboxed: straight to the kernel, without building
// an IValue stack and unboxing it again (about 10% of a small op). Every other op, and any
// call whose arguments these cannot take, goes through the boxed path.
using UnaryFn = at::Tensor(const at::Tensor&);
using BinaryFn = at::Tensor(const at::Tensor&, const at::Tensor&);
using BinaryAlphaFn = at::Tensor(const at::Tensor&, const at::Tensor&, const c10::Scalar&);
using ScalarFn = at::Tensor(const at::Tensor&, const c10::Scalar&);
using ScalarAlphaFn = at::Tensor(const at::Tensor&, const c10::Scalar&, const c10::Scalar&);
using IntsFn = at::Tensor(const at::Tensor&, at::IntArrayRef);         // permute
using SymIntsFn = at::Tensor(const at::Tensor&, c10::SymIntArrayRef);  // view, reshape
using UnboxedHandle =
    std::variant<std::monostate, c10::TypedOperatorHandle<UnaryFn>, c10::TypedOperatorHandle<BinaryFn>,
                 c10::TypedOperatorHandle<BinaryAlphaFn>, c10::TypedOperatorHandle<ScalarFn>,
                 c10::TypedOperatorHandle<ScalarAlphaFn>, c10::TypedOperatorHandle<IntsFn>,
                 c10::TypedOperatorHandle<SymIntsFn>>;

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name, overload;
  std::vector<ArgSpec> args;
  std::vector<Kind> returns;
  // In-place and out= ops return the tensor they wrote to (an argument). JS already holds it, so
  // the call returns nothing instead of a second handle to it; -1 when the op returns new values.
  int writtenArg;
  UnboxedHandle unboxed = std::monostate{};
  // Every argument the schema marks as written (in-place, out=, set_, resize_...).
  std::vector<int> writes;
};

class OpRegistry {
 public:
  // The operator's id; with wrappedNumberArg >= 0, a separate entry whose argument of that index
  // (a Tensor) takes a JS number as a wrapped-number tensor (ArgSpec::wrappedNumber).
  int32_t resolve(const std::string& name, const std::string& overload, int wrappedNumberArg = -1);
  // A reference that stays valid while JS runs: entries live in a deque, which never moves
  // them when a nested call (an argument's getter, say) resolves new operators.
  OpEntry& at(int32_t id);
  size_t size() const { return entries_.size(); }

  // A call's argument stack, one per nesting depth: an argument's getter can call an operator
  // while the outer call is converting its own arguments. Reused, so a call allocates nothing.
  class StackLease {
   public:
    explicit StackLease(OpRegistry& r) : r_(r) {
      if (r_.depth_ == r_.stacks_.size()) r_.stacks_.emplace_back();
      stack_ = &r_.stacks_[r_.depth_++];
    }
    ~StackLease() {
      stack_->clear();
      r_.depth_--;
    }
    c10::Stack& get() { return *stack_; }

   private:
    OpRegistry& r_;
    c10::Stack* stack_;
  };

 private:
  std::deque<OpEntry> entries_;
  std::unordered_map<std::string, int32_t> ids_;
  std::deque<c10::Stack> stacks_;
  size_t depth_ = 0;
};

struct State;

// A native function's arguments, however many the caller passed: a few on the stack, more on
// the heap (an operator can take 24 and more).
struct CallArgs {
  static constexpr size_t kInline = 16;
  napi_value inline_[kInline];
  std::vector<napi_value> heap;
  napi_value* argv = inline_;
  size_t argc = kInline;
  CallArgs(napi_env env, napi_callback_info cbinfo) {
    napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
    if (argc > kInline) {
      heap.resize(argc);
      size_t n = argc;
      napi_get_cb_info(env, cbinfo, &n, heap.data(), nullptr, nullptr);
      argv = heap.data();
    }
  }
};

// The op id in argv[0], checked against the registry.
OpEntry& entryArg(napi_env env, State& st, size_t argc, const napi_value* argv);
// Converts JS arguments to the operator's stack by its schema (missing trailing ones take
// their defaults). Throws ArgError for a value the schema does not accept.
void pushArgs(napi_env env, State& st, const OpEntry& op, const napi_value* args, size_t given, c10::Stack& stack);
// Throws when a pending asynchronous operation holds a tensor of the stack that this call
// would write (op.writes), or one that the asynchronous operation writes.
void checkStackNotPending(State& st, const OpEntry& op, const c10::Stack& stack);
// Calls fn(tensor, argIndex) for each tensor in a converted stack (tensor lists included).
template <typename F>
void forEachTensor(const c10::Stack& stack, F&& fn) {
  for (size_t i = 0; i < stack.size(); i++) {
    const c10::IValue& v = stack[i];
    if (v.isTensor()) {
      fn(v.toTensor(), i);
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList().vec()) fn(t, i);
    } else if (v.isList()) {
      for (const c10::IValue& e : v.toListRef())
        if (e.isTensor()) fn(e.toTensor(), i);
    }
  }
}
// The JS result of a finished call: undefined, one value, or an array; empties the stack.
napi_value popResults(napi_env env, State& st, const OpEntry& op, c10::Stack& stack);

}  // namespace torchnode
