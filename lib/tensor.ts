// torch.Tensor. A Tensor is a small JS object holding a handle into the native tensor table;
// every operator goes through the dispatcher path (ops.ts) by schema.
import { native, Handle } from './binding';
import { DType, DTypeLike, dtypeFromCode, toDType, get_default_dtype, TypedArray, int64, type NestedList } from './dtype';
import { Device, DeviceLike, deviceArg } from './device';
import { adopt, beforeExport, setTensorCheck } from './memory';
import { op, numberOp, call, Op } from './ops';
import { params, sizesArg, setArgsTensorCheck } from './args';
import { encodeIndices, IndexItem } from './indexing';
import { formatTensor } from './format';
import { tensorMethod } from './python_args';
import './warnings';  // LibTorch's warnings become Node warnings from the first op on
import { registerHook, registerPostAccumulateGradHook, type TensorHook, type PostAccumulateGradHook } from './tensor_hooks';
import type { RemovableHandle } from './utils/hooks';
import { gradFnOf, type Node } from './autograd_graph';
import { GeneratedTensorMethods, GENERATED_TENSOR_METHODS } from './generated/tensor_methods';
import { TENSOR } from './generated/signatures';

/** A number or boolean where PyTorch takes a Python scalar (int, float or bool). */
export type Scalar = number | boolean;
/** An argument that is either a Tensor or a Scalar, as many PyTorch operators take. */
export type TensorOrScalar = Tensor | Scalar;
type Dims = number | number[];

/** The result of max(dim), min(dim), sort, topk...: named fields, and destructurable as [values, indices]. */
export class ValuesIndices {
  /** @internal Made by the operators that return both; not for user code. */
  constructor(
    /** The values: the maxima, minima, sorted or top-k elements. */
    readonly values: Tensor,
    /** The int64 indices of those values along the reduced or sorted dimension. */
    readonly indices: Tensor,
  ) {}
  /** Yields `values`, then `indices`, so `const [values, indices] = x.max(0)` works as in Python. */
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

/** @deprecated The old name of {@link Node} (`torch.autograd.graph.Node`), what `grad_fn` gives. */
export { Node as GradFn } from './autograd_graph';

/**
 * A multi-dimensional array of one dtype on one device: torch.Tensor.
 *
 * The object holds a handle to a LibTorch tensor. Unlike in Python, its memory is freed by
 * `dispose()`, a scope (`torch.tidy`, `torch.scope`) or, failing those, the garbage collector.
 * Python keyword arguments become a trailing options object: `x.sum(1, { keepdim: true })`.
 * Python indexing `x[i, :]` is `x.index(i, ':')`.
 *
 * @see [torch.Tensor](https://pytorch.org/docs/stable/tensors.html)
 */
export class Tensor {
  // The handle into the native tensor table, -1 once disposed. Private, so only a Tensor made by
  // this module carries one: a structured clone ({h: 1}) or a look-alike object has none, and the
  // native side checks the handle itself (environment tag and slot generation).
  #h!: Handle;

  /**
   * `new torch.Tensor(data)` or `new torch.Tensor(2, 3)`: PyTorch's legacy constructor, a tensor of
   * the default dtype from data, or uninitialised of those sizes. torch.tensor() is the usual way.
   *
   * @see [torch.Tensor](https://pytorch.org/docs/stable/tensors.html#torch.Tensor)
   */
  constructor(...args: unknown[]) {
    if (args[1] !== INTERNAL) {
      if (!legacyTensor) throw new Error('torchnode: creation is not loaded');
      return legacyTensor(...args);
    }
    this.#h = args[0] as Handle;
  }

  /** @internal handle into the native tensor table; -1 once disposed */
  get h(): Handle {
    return this.#h;
  }

  /** @internal true for a Tensor of this module, false for anything else (a clone, a look-alike) */
  static isTensor(x: unknown): x is Tensor {
    return typeof x === 'object' && x !== null && #h in x;
  }

  // ---- lifetime -----------------------------------------------------------------------------

  /**
   * Frees the native tensor now. Using the tensor afterwards is an error; disposing twice is a no-op.
   * PyTorch has no counterpart: Python frees a tensor when its last reference goes.
   */
  dispose(): void {
    if (this.#h >= 0) {
      native.dispose(this.#h);
      this.#h = -1;
    }
  }
  /**
   * @internal Marks the tensor disposed without freeing it, and returns the handle it had (-1 if
   * none): the caller frees that handle (a closing scope frees all of its tensors' at once).
   */
  _takeHandle(): Handle {
    const h = this.#h;
    this.#h = -1;
    return h;
  }
  /** Same as `dispose()`, for `using t = ...` blocks. */
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** True once `dispose()` ran (or a scope disposed the tensor). torchnode only. */
  get is_disposed(): boolean {
    return this.h < 0;
  }

  // ---- metadata -----------------------------------------------------------------------------

  /**
   * The sizes of every dimension, as a fresh number array (PyTorch returns a torch.Size).
   *
   * @see [torch.Tensor.shape](https://pytorch.org/docs/stable/generated/torch.Tensor.shape.html)
   */
  get shape(): number[] {
    return native.shape(this.h);
  }
  /**
   * The sizes of every dimension, or the size of dimension `dim` (negative counts from the end).
   * An out-of-range `dim` is a RangeError.
   *
   * @see [torch.Tensor.size](https://pytorch.org/docs/stable/generated/torch.Tensor.size.html)
   */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = native.shape(this.h);
    if (dim === undefined) return s;
    return s[normDim(dim, s.length, 'size')];
  }
  /**
   * The strides of every dimension in elements, or the stride of dimension `dim`.
   *
   * @see [torch.Tensor.stride](https://pytorch.org/docs/stable/generated/torch.Tensor.stride.html)
   */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const s = native.strides(this.h);
    return dim === undefined ? s : s[normDim(dim, s.length, 'stride')];
  }
  /**
   * The number of dimensions.
   *
   * @see [torch.Tensor.dim](https://pytorch.org/docs/stable/generated/torch.Tensor.dim.html)
   */
  dim(): number {
    return native.dim(this.h);
  }
  /**
   * The number of dimensions, same as `dim()`.
   *
   * @see [torch.Tensor.ndim](https://pytorch.org/docs/stable/generated/torch.Tensor.ndim.html)
   */
  get ndim(): number {
    return native.dim(this.h);
  }
  /**
   * The number of elements.
   *
   * @see [torch.Tensor.numel](https://pytorch.org/docs/stable/generated/torch.Tensor.numel.html)
   */
  numel(): number {
    return native.numel(this.h);
  }
  /**
   * The data type.
   *
   * @see [torch.dtype](https://pytorch.org/docs/stable/tensor_attributes.html#torch.dtype)
   */
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.h));
  }
  /**
   * The device the tensor is on (a new Device object on each read).
   *
   * @see [torch.Tensor.device](https://pytorch.org/docs/stable/generated/torch.Tensor.device.html)
   */
  get device(): Device {
    return new Device(native.device(this.h));
  }
  /**
   * True when the tensor is on a CUDA device.
   *
   * @see [torch.Tensor.is_cuda](https://pytorch.org/docs/stable/generated/torch.Tensor.is_cuda.html)
   */
  get is_cuda(): boolean {
    return native.device(this.h).startsWith('cuda');
  }
  /**
   * True when the tensor is contiguous in row-major order. There is no `memory_format` argument.
   *
   * @see [torch.Tensor.is_contiguous](https://pytorch.org/docs/stable/generated/torch.Tensor.is_contiguous.html)
   */
  is_contiguous(): boolean {
    return native.isContiguous(this.h);
  }
  /**
   * The address of the tensor's first element, on its device: equal for tensors that start at the
   * same memory (a view at offset 0, a tensor and its `.data`).
   *
   * @see [torch.Tensor.data_ptr](https://pytorch.org/docs/stable/generated/torch.Tensor.data_ptr.html)
   */
  data_ptr(): number {
    return native.dataPtr(this.h);
  }
  /**
   * True for a floating-point dtype (float16, bfloat16, float32, float64).
   *
   * @see [torch.Tensor.is_floating_point](https://pytorch.org/docs/stable/generated/torch.Tensor.is_floating_point.html)
   */
  is_floating_point(): boolean {
    return this.dtype.is_floating_point;
  }
  /**
   * The size of one element in bytes.
   *
   * @see [torch.Tensor.element_size](https://pytorch.org/docs/stable/generated/torch.Tensor.element_size.html)
   */
  element_size(): number {
    return this.dtype.itemsize;
  }

  // ---- export -------------------------------------------------------------------------------

  /**
   * A copy of the elements in a TypedArray (BigInt64Array for int64, Uint8Array for bool,
   * Float32Array for float16/bfloat16), from any device. With `out`, the elements are copied
   * into that array (of that type and numel() long) and it is returned: in a loop, reusing one
   * array avoids fresh memory for every copy, which the GC only reclaims later. The counterpart of
   * PyTorch's `t.cpu().numpy().copy()`; asTypedArray() shares memory instead.
   *
   * @see [torch.Tensor.numpy](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
   */
  toTypedArray<T extends TypedArray = TypedArray>(out?: T): T {
    if (out === undefined) {
      beforeExport(this.numel() * this.dtype.arrayType.BYTES_PER_ELEMENT);
      return new this.dtype.arrayType(native.toBuffer(this.h)) as T;
    }
    const ctor = this.dtype.arrayType;
    if (!(out instanceof ctor)) {
      throw new TypeError(`toTypedArray(out): a ${this.dtype} tensor needs a ${ctor.name}, got ${describe(out)}`);
    }
    const n = this.numel();
    if (out.length !== n) throw new RangeError(`toTypedArray(out): the tensor has ${n} elements but out has ${out.length}`);
    native.copyInto(this.h, out);
    return out;
  }
  /**
   * The elements as a TypedArray over the tensor's own memory, without a copy: PyTorch's
   * `t.numpy()`. Writes through either one show in the other. The array keeps that memory alive
   * by itself, so it stays valid after `t.dispose()` or the end of a scope. Like `.numpy()`, it
   * refuses a tensor that requires grad (detach it first) or is not on the CPU; it also needs a
   * contiguous tensor of a dtype a TypedArray holds exactly (not bool, float16, bfloat16 or
   * complex): use toTypedArray() for a copy of any tensor. Once shared, the tensor's memory
   * cannot grow in place (`resize_` to a larger size is an error), since the array points at it.
   *
   * @see [torch.Tensor.numpy](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
   */
  asTypedArray<T extends TypedArray = TypedArray>(): T {
    const buffer = native.shareBuffer(this.h, sharedBuffers.get(this));
    sharedBuffers.set(this, buffer);
    return new this.dtype.arrayType(buffer) as T;
  }
  /**
   * The value of a one-element tensor: a boolean for bool, otherwise a JS number (int64 values
   * beyond 2^53 lose precision; complex is not supported).
   *
   * @see [torch.Tensor.item](https://pytorch.org/docs/stable/generated/torch.Tensor.item.html)
   */
  item(): number | boolean {
    return native.item(this.h);
  }
  /**
   * The elements as nested arrays of numbers (booleans for a bool tensor); a 0-d tensor gives one
   * value. int64 values become JS numbers.
   *
   * @see [torch.Tensor.tolist](https://pytorch.org/docs/stable/generated/torch.Tensor.tolist.html)
   */
  tolist(): NestedList {
    const data = this.toTypedArray();
    const isBool = this.dtype === DTYPE_BOOL;
    const flat: (number | boolean)[] = Array.from(data as ArrayLike<number | bigint>, (v) =>
      isBool ? v !== 0 : Number(v),
    );
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let pos = 0;
    const build = (d: number): NestedList[] => {
      const out = new Array<NestedList>(shape[d]);
      for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? flat[pos++] : build(d + 1);
      return out;
    };
    return build(0);
  }
  /** The tensor printed as PyTorch's repr prints it (see `torch.set_printoptions`). */
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.h < 0 ? 'tensor(<disposed>)' : formatTensor(this);
  }

  // ---- autograd -----------------------------------------------------------------------------

  /**
   * Whether autograd records operations on this tensor; settable on leaf tensors.
   *
   * @see [torch.Tensor.requires_grad](https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad.html)
   */
  get requires_grad(): boolean {
    return native.requiresGrad(this.h);
  }
  /**
   * Turns recording on or off for this (leaf) tensor.
   *
   * @see [torch.Tensor.requires_grad](https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad.html)
   */
  set requires_grad(v: boolean) {
    native.setRequiresGrad(this.h, v);
  }
  /**
   * Sets `requires_grad` in place (default true) and returns this tensor.
   *
   * @see [torch.Tensor.requires_grad_](https://pytorch.org/docs/stable/generated/torch.Tensor.requires_grad_.html)
   */
  requires_grad_(requires_grad = true): this {
    native.setRequiresGrad(this.h, requires_grad);
    return this;
  }
  /**
   * The gradient accumulated by `backward()`, or null. Each read returns a new Tensor object over the
   * same gradient; assigning sets or (with null) clears it.
   *
   * @see [torch.Tensor.grad](https://pytorch.org/docs/stable/generated/torch.Tensor.grad.html)
   */
  get grad(): Tensor | null {
    return wrapMaybe(native.getGrad(this.h));
  }
  /**
   * Sets the gradient, or clears it with null.
   *
   * @see [torch.Tensor.grad](https://pytorch.org/docs/stable/generated/torch.Tensor.grad.html)
   */
  set grad(g: Tensor | null) {
    native.setGrad(this.h, g === null || g === undefined ? null : hOf(g, 'grad'));
  }
  /**
   * True for a tensor not produced by a recorded operation (user-created, or not requiring grad).
   *
   * @see [torch.Tensor.is_leaf](https://pytorch.org/docs/stable/generated/torch.Tensor.is_leaf.html)
   */
  get is_leaf(): boolean {
    return native.isLeaf(this.h);
  }
  /**
   * The autograd node that produced this tensor, or null for a leaf: a `torch.autograd.graph.Node`,
   * with `name()`, `next_functions`, `register_hook`, `register_prehook` and `metadata`. The same
   * Node object on each access while it is the tensor's grad_fn.
   *
   * @see [torch.Tensor.grad_fn](https://pytorch.org/docs/stable/autograd.html#torch.autograd.graph.Node)
   */
  get grad_fn(): Node | null {
    return gradFnOf(this);
  }
  /**
   * Makes a non-leaf tensor keep its `grad` after `backward()`.
   *
   * @see [torch.Tensor.retain_grad](https://pytorch.org/docs/stable/generated/torch.Tensor.retain_grad.html)
   */
  retain_grad(): void {
    native.retainGrad(this.h);
  }
  /**
   * Registers a backward hook: `hook(grad)` runs each time the gradient with respect to this
   * tensor is computed, before it is used (passed on to the node that made this tensor, or
   * accumulated into a leaf's `.grad`). It may return a tensor of the same dtype, device and size
   * to use instead, or nothing to leave the gradient as it is; several hooks run in the order they
   * were registered, each given what the one before returned. Returns a handle whose `remove()`
   * removes the hook (`using h = t.register_hook(...)` removes it at the end of the block).
   *
   * Hooks run on the JS thread during `backward()` or `torch.autograd.grad` (a backward that runs
   * elsewhere, such as on a CUDA device thread, fails with a clear error). A hook that refers to
   * its own tensor keeps that tensor alive until the hook is removed.
   *
   * @see [torch.Tensor.register_hook](https://pytorch.org/docs/stable/generated/torch.Tensor.register_hook.html)
   */
  register_hook(hook: TensorHook): RemovableHandle {
    return registerHook(this, hook);
  }
  /**
   * Registers a hook that runs after this leaf's gradient has been accumulated into its `.grad`
   * during backward: `hook(tensor)` gets this tensor (and may update it in place, e.g. an
   * optimizer step per parameter). Only for leaves; several run in the order they were
   * registered. Returns a handle whose `remove()` removes the hook. Needs LibTorch 2.1 or later,
   * where PyTorch has it.
   *
   * @see [torch.Tensor.register_post_accumulate_grad_hook](https://pytorch.org/docs/stable/generated/torch.Tensor.register_post_accumulate_grad_hook.html)
   */
  register_post_accumulate_grad_hook(hook: PostAccumulateGradHook): RemovableHandle {
    return registerPostAccumulateGradHook(this, hook);
  }
  /**
   * Computes the gradient of this tensor with respect to the graph leaves.
   * Positional arguments, or a trailing options object with the keyword names (`gradient`, `retain_graph`, `create_graph`, `inputs`), as PyTorch takes keywords.
   * E.g. `loss.backward()`, `y.backward(g, { retain_graph: true })`.
   *
   * @see [torch.Tensor.backward](https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html)
   */
  backward(...args: unknown[]): void {
    const [gradient, retain_graph, create_graph, inputs] = params('backward', args, ['gradient', 'retain_graph', 'create_graph', 'inputs']);
    native.backward(
      this.h,
      gradient == null ? null : hOf(gradient, 'gradient'),
      retain_graph as boolean | undefined,
      Boolean(create_graph),
      inputs == null ? undefined : (inputs as Tensor[]).map((t) => hOf(t, 'inputs')),
    );
  }
  /**
   * A new tensor sharing this one's storage, without autograd history.
   *
   * @see [torch.Tensor.detach](https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html)
   */
  detach(): Tensor {
    return wrap(call(O.detach.get(), this.h));
  }
  /**
   * Detaches this tensor from the graph in place, making it a leaf.
   *
   * @see [torch.Tensor.detach_](https://pytorch.org/docs/stable/generated/torch.Tensor.detach_.html)
   */
  detach_(): this {
    call(O.detach_.get(), this.h);
    return this;
  }
  /**
   * The tensor's data without autograd history (PyTorch's `x.data`): a detached alias.
   *
   * @see [torch.Tensor.data](https://pytorch.org/docs/stable/tensors.html#torch.Tensor.data)
   */
  get data(): Tensor {
    return this.detach();
  }
  /**
   * `x.data = y`: x takes y's storage, dtype and device in place, the JS object kept (Module.to()
   * moves parameters so).
   *
   * @see [torch.Tensor.data](https://pytorch.org/docs/stable/tensors.html#torch.Tensor.data)
   */
  set data(value: Tensor) {
    native.setData(this.h, hOf(value, 'data'));
  }

  // ---- arithmetic (hot paths written out) ---------------------------------------------------

  /**
   * self + alpha * other, broadcasting. `alpha` goes in the options object: `x.add(y, { alpha: 2 })`.
   *
   * @see [torch.Tensor.add](https://pytorch.org/docs/stable/generated/torch.Tensor.add.html)
   */
  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    if (options === undefined) {
      if (other instanceof Tensor) return wrap(call(O.add_t.get(), this.h, other.h));
      return wrap(call(O.add_n.get(), this.h, scalarOf(other)));
    }
    const alpha = options.alpha;
    if (other instanceof Tensor) return wrap(call(O.add_t.get(), this.h, other.h, alpha));
    return wrap(call(O.add_n.get(), this.h, scalarOf(other), alpha));
  }
  /**
   * In-place `add`: self += alpha * other.
   *
   * @see [torch.Tensor.add_](https://pytorch.org/docs/stable/generated/torch.Tensor.add_.html)
   */
  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    const alpha = options?.alpha;
    if (other instanceof Tensor) call(O.add_t_.get(), this.h, other.h, alpha);
    else call(O.add_n_.get(), this.h, scalarOf(other), alpha);
    return this;
  }
  /**
   * self - alpha * other, broadcasting; `{ alpha }` as in `add`.
   *
   * @see [torch.Tensor.sub](https://pytorch.org/docs/stable/generated/torch.Tensor.sub.html)
   */
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    const alpha = options?.alpha;
    if (other instanceof Tensor) return wrap(call(O.sub_t.get(), this.h, other.h, alpha));
    return wrap(call(O.sub_n.get(), this.h, scalarOf(other), alpha));
  }
  /**
   * In-place `sub`.
   *
   * @see [torch.Tensor.sub_](https://pytorch.org/docs/stable/generated/torch.Tensor.sub_.html)
   */
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    const alpha = options?.alpha;
    if (other instanceof Tensor) call(O.sub_t_.get(), this.h, other.h, alpha);
    else call(O.sub_n_.get(), this.h, scalarOf(other), alpha);
    return this;
  }
  /**
   * Elementwise product with a tensor or number, broadcasting.
   *
   * @see [torch.Tensor.mul](https://pytorch.org/docs/stable/generated/torch.Tensor.mul.html)
   */
  mul(other: TensorOrScalar): Tensor {
    if (other instanceof Tensor) return wrap(call(O.mul_t.get(), this.h, other.h));
    return wrap(call(O.mul_n.get(), this.h, scalarOf(other)));
  }
  /**
   * In-place `mul`.
   *
   * @see [torch.Tensor.mul_](https://pytorch.org/docs/stable/generated/torch.Tensor.mul_.html)
   */
  mul_(other: TensorOrScalar): this {
    if (other instanceof Tensor) call(O.mul_t_.get(), this.h, other.h);
    else call(O.mul_n_.get(), this.h, scalarOf(other));
    return this;
  }
  /**
   * True division, or with `{ rounding_mode: 'trunc' | 'floor' }` rounded division, broadcasting.
   *
   * @see [torch.Tensor.div](https://pytorch.org/docs/stable/generated/torch.Tensor.div.html)
   */
  div(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): Tensor {
    const mode = options?.rounding_mode;
    if (mode == null) {
      if (other instanceof Tensor) return wrap(call(O.div_t.get(), this.h, other.h));
      return wrap(call(O.div_n.get(), this.h, scalarOf(other)));
    }
    if (other instanceof Tensor) return wrap(call(O.div_tm.get(), this.h, other.h, mode));
    return wrap(call(O.div_nm.get(), this.h, scalarOf(other), mode));
  }
  /**
   * In-place `div`, with the same `{ rounding_mode }` option.
   *
   * @see [torch.Tensor.div_](https://pytorch.org/docs/stable/generated/torch.Tensor.div_.html)
   */
  div_(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): this {
    const mode = options?.rounding_mode;
    // Without a mode the plain overloads take two arguments: passing `undefined` as a third
    // would be an argument too many.
    if (other instanceof Tensor) {
      if (mode == null) call(O.div_t_.get(), this.h, other.h);
      else call(O.div_tm_.get(), this.h, other.h, mode);
    } else if (mode == null) call(O.div_n_.get(), this.h, scalarOf(other));
    else call(O.div_nm_.get(), this.h, scalarOf(other), mode);
    return this;
  }
  /**
   * Same as `div(other)` without a rounding mode.
   *
   * @see [torch.Tensor.true_divide](https://pytorch.org/docs/stable/generated/torch.Tensor.true_divide.html)
   */
  true_divide(other: TensorOrScalar): Tensor {
    return this.div(other);
  }
  /**
   * Elementwise power with a tensor or number exponent.
   *
   * @see [torch.Tensor.pow](https://pytorch.org/docs/stable/generated/torch.Tensor.pow.html)
   */
  pow(exponent: TensorOrScalar): Tensor {
    if (exponent instanceof Tensor) return wrap(call(O.pow_tt.get(), this.h, exponent.h));
    return wrap(call(O.pow_ts.get(), this.h, scalarOf(exponent)));
  }
  /**
   * In-place `pow`.
   *
   * @see [torch.Tensor.pow_](https://pytorch.org/docs/stable/generated/torch.Tensor.pow_.html)
   */
  pow_(exponent: TensorOrScalar): this {
    if (exponent instanceof Tensor) call(O.pow_t_.get(), this.h, exponent.h);
    else call(O.pow_s_.get(), this.h, scalarOf(exponent));
    return this;
  }
  /**
   * Matrix product with the broadcasting rules of torch.matmul (dot, matrix-vector, batched).
   *
   * @see [torch.Tensor.matmul](https://pytorch.org/docs/stable/generated/torch.Tensor.matmul.html)
   */
  matmul(other: Tensor): Tensor {
    return wrap(call(O.matmul.get(), this.h, hOf(other, 'other')));
  }
  /**
   * Matrix product of two 2-d tensors, without broadcasting.
   *
   * @see [torch.Tensor.mm](https://pytorch.org/docs/stable/generated/torch.Tensor.mm.html)
   */
  mm(mat2: Tensor): Tensor {
    return wrap(call(O.mm.get(), this.h, hOf(mat2, 'mat2')));
  }
  /**
   * Batched matrix product of two 3-d tensors.
   *
   * @see [torch.Tensor.bmm](https://pytorch.org/docs/stable/generated/torch.Tensor.bmm.html)
   */
  bmm(mat2: Tensor): Tensor {
    return wrap(call(O.bmm.get(), this.h, hOf(mat2, 'mat2')));
  }
  /**
   * Dot product of two 1-d tensors.
   *
   * @see [torch.Tensor.dot](https://pytorch.org/docs/stable/generated/torch.Tensor.dot.html)
   */
  dot(other: Tensor): Tensor {
    return wrap(call(O.dot.get(), this.h, hOf(other, 'other')));
  }
  /**
   * max(x, 0) elementwise.
   *
   * @see [torch.Tensor.relu](https://pytorch.org/docs/stable/generated/torch.Tensor.relu.html)
   */
  relu(): Tensor {
    return wrap(call(O.relu.get(), this.h));
  }
  /**
   * Clamps every element into [min, max]. The bounds are both numbers or both tensors; either may be omitted.
   * Positional arguments, or a trailing options object with the keyword names (`min`, `max`), as PyTorch takes keywords. `clip` is an alias.
   *
   * @see [torch.Tensor.clamp](https://pytorch.org/docs/stable/generated/torch.Tensor.clamp.html)
   */
  clamp(...args: unknown[]): Tensor {
    const [min, max] = params('clamp', args, ['min', 'max']);
    if (min instanceof Tensor || max instanceof Tensor) {
      return wrap(call(O.clamp_t.get(), this.h, optH(min), optH(max)));
    }
    return wrap(call(O.clamp.get(), this.h, min ?? null, max ?? null));
  }
  /**
   * In-place `clamp`.
   *
   * @see [torch.Tensor.clamp_](https://pytorch.org/docs/stable/generated/torch.Tensor.clamp_.html)
   */
  clamp_(...args: unknown[]): this {
    const [min, max] = params('clamp_', args, ['min', 'max']);
    if (min instanceof Tensor || max instanceof Tensor) call(O.clamp_t_.get(), this.h, optH(min), optH(max));
    else call(O.clamp_.get(), this.h, min ?? null, max ?? null);
    return this;
  }
  /**
   * Alias of `clamp`.
   *
   * @see [torch.Tensor.clip](https://pytorch.org/docs/stable/generated/torch.Tensor.clip.html)
   */
  clip(...args: unknown[]): Tensor {
    return this.clamp(...args);
  }
  /**
   * Elements of this tensor where `condition` is true, else of `other` (a tensor or number).
   *
   * @see [torch.Tensor.where](https://pytorch.org/docs/stable/generated/torch.Tensor.where.html)
   */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return withTensor(other, this, (oh) => wrap(call(O.where.get(), hOf(condition, 'condition'), this.h, oh)));
  }
  /**
   * A copy with the elements where `mask` is true replaced by `value` (a number or 0-d tensor).
   *
   * @see [torch.Tensor.masked_fill](https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill.html)
   */
  masked_fill(mask: Tensor, value: TensorOrScalar): Tensor {
    if (value instanceof Tensor) return wrap(call(O.masked_fill_t.get(), this.h, hOf(mask, 'mask'), value.h));
    return wrap(call(O.masked_fill_s.get(), this.h, hOf(mask, 'mask'), scalarOf(value)));
  }
  /**
   * In-place `masked_fill`.
   *
   * @see [torch.Tensor.masked_fill_](https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill_.html)
   */
  masked_fill_(mask: Tensor, value: TensorOrScalar): this {
    if (value instanceof Tensor) call(O.masked_fill_t_.get(), this.h, hOf(mask, 'mask'), value.h);
    else call(O.masked_fill_s_.get(), this.h, hOf(mask, 'mask'), scalarOf(value));
    return this;
  }
  /**
   * Fills the tensor with one value (a number or 0-d tensor), in place.
   *
   * @see [torch.Tensor.fill_](https://pytorch.org/docs/stable/generated/torch.Tensor.fill_.html)
   */
  fill_(value: TensorOrScalar): this {
    if (value instanceof Tensor) call(O.fill_t_.get(), this.h, value.h);
    else call(O.fill_s_.get(), this.h, scalarOf(value));
    return this;
  }
  /**
   * Fills the tensor with zeros, in place.
   *
   * @see [torch.Tensor.zero_](https://pytorch.org/docs/stable/generated/torch.Tensor.zero_.html)
   */
  zero_(): this {
    call(O.zero_.get(), this.h);
    return this;
  }
  /**
   * Copies the elements of `src` (broadcast, converted to this dtype and device) into this tensor.
   * Options: `{ non_blocking }`.
   *
   * @see [torch.Tensor.copy_](https://pytorch.org/docs/stable/generated/torch.Tensor.copy_.html)
   */
  copy_(src: Tensor, options?: { non_blocking?: boolean }): this {
    call(O.copy_.get(), this.h, hOf(src, 'src'), options?.non_blocking ?? false);
    return this;
  }
  /**
   * Fills the tensor with samples from U(from, to), in place. Positional only; there is no
   * `generator` argument (use `torch.manual_seed`).
   *
   * @see [torch.Tensor.uniform_](https://pytorch.org/docs/stable/generated/torch.Tensor.uniform_.html)
   */
  uniform_(from = 0, to = 1): this {
    call(O.uniform_.get(), this.h, from, to);
    return this;
  }
  /**
   * Fills the tensor with samples from N(mean, std²), in place. Positional only; there is no
   * `generator` argument.
   *
   * @see [torch.Tensor.normal_](https://pytorch.org/docs/stable/generated/torch.Tensor.normal_.html)
   */
  normal_(mean = 0, std = 1): this {
    call(O.normal_.get(), this.h, mean, std);
    return this;
  }
  /**
   * self + value * tensor1 * tensor2, elementwise; `value` (default 1) goes in the options object.
   *
   * @see [torch.Tensor.addcmul](https://pytorch.org/docs/stable/generated/torch.Tensor.addcmul.html)
   */
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return wrap(call(op('addcmul').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value));
  }
  /**
   * In-place `addcmul`.
   *
   * @see [torch.Tensor.addcmul_](https://pytorch.org/docs/stable/generated/torch.Tensor.addcmul_.html)
   */
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    call(op('addcmul_').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value);
    return this;
  }
  /**
   * self + value * tensor1 / tensor2, elementwise; `value` (default 1) goes in the options object.
   *
   * @see [torch.Tensor.addcdiv](https://pytorch.org/docs/stable/generated/torch.Tensor.addcdiv.html)
   */
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return wrap(call(op('addcdiv').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value));
  }
  /**
   * In-place `addcdiv`.
   *
   * @see [torch.Tensor.addcdiv_](https://pytorch.org/docs/stable/generated/torch.Tensor.addcdiv_.html)
   */
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    call(op('addcdiv_').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value);
    return this;
  }
  /**
   * In-place `lerp`.
   *
   * @see [torch.Tensor.lerp_](https://pytorch.org/docs/stable/generated/torch.Tensor.lerp_.html)
   */
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    if (weight instanceof Tensor) call(op('lerp_.Tensor').get(), this.h, hOf(end, 'end'), weight.h);
    else call(op('lerp_.Scalar').get(), this.h, hOf(end, 'end'), weight);
    return this;
  }
  /**
   * Elementwise maximum with `other`, written into this tensor. torchnode only: PyTorch has no
   * Tensor.maximum_ (this is `torch.maximum(self, other, out=self)`).
   *
   * @see [torch.maximum](https://pytorch.org/docs/stable/generated/torch.maximum.html)
   */
  maximum_(other: Tensor): this {
    call(op('maximum.out').get(), this.h, hOf(other, 'other'), this.h);
    return this;
  }
  /**
   * Linear interpolation self + weight * (end - self), with a number or tensor weight.
   *
   * @see [torch.Tensor.lerp](https://pytorch.org/docs/stable/generated/torch.Tensor.lerp.html)
   */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    if (weight instanceof Tensor) return wrap(call(op('lerp.Tensor').get(), this.h, hOf(end, 'end'), weight.h));
    return wrap(call(op('lerp.Scalar').get(), this.h, hOf(end, 'end'), weight));
  }

  // ---- comparison ---------------------------------------------------------------------------

  /**
   * True when both tensors have the same size and elements.
   *
   * @see [torch.Tensor.equal](https://pytorch.org/docs/stable/generated/torch.Tensor.equal.html)
   */
  equal(other: Tensor): boolean {
    return call(op('equal').get(), this.h, hOf(other, 'other')) as boolean;
  }
  /**
   * True when every element is close to `other`'s: |self - other| <= atol + rtol * |other|.
   * Positional arguments, or a trailing options object with the keyword names (`rtol`, `atol`, `equal_nan`), as PyTorch takes keywords. Defaults as PyTorch: 1e-5, 1e-8, false.
   *
   * @see [torch.Tensor.allclose](https://pytorch.org/docs/stable/generated/torch.Tensor.allclose.html)
   */
  allclose(other: Tensor, ...args: unknown[]): boolean {
    const [rtol, atol, equal_nan] = params('allclose', args, ['rtol', 'atol', 'equal_nan']);
    return call(op('allclose').get(), this.h, hOf(other, 'other'), rtol, atol, equal_nan) as boolean;
  }
  /**
   * The elementwise test of `allclose`, as a bool tensor.
   * Positional arguments, or a trailing options object with the keyword names (`rtol`, `atol`, `equal_nan`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.isclose](https://pytorch.org/docs/stable/generated/torch.Tensor.isclose.html)
   */
  isclose(other: Tensor, ...args: unknown[]): Tensor {
    const [rtol, atol, equal_nan] = params('isclose', args, ['rtol', 'atol', 'equal_nan']);
    return wrap(call(op('isclose').get(), this.h, hOf(other, 'other'), rtol, atol, equal_nan));
  }

  // ---- reductions ---------------------------------------------------------------------------

  /**
   * The sum of all elements, or over `dim` (an integer or array).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`, `dtype`), as PyTorch takes keywords. E.g. `x.sum(1, { keepdim: true })`.
   *
   * @see [torch.Tensor.sum](https://pytorch.org/docs/stable/generated/torch.Tensor.sum.html)
   */
  sum(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('sum', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('sum').get(), this.h, optDtype(dtype)));
    return wrap(call(op('sum.dim_IntList').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  /**
   * The mean of all elements, or over `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.mean](https://pytorch.org/docs/stable/generated/torch.Tensor.mean.html)
   */
  mean(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('mean', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('mean').get(), this.h, optDtype(dtype)));
    return wrap(call(op('mean.dim').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  /**
   * The sum treating NaN as zero, of all elements or over `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.nansum](https://pytorch.org/docs/stable/generated/torch.Tensor.nansum.html)
   */
  nansum(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('nansum', args, ['dim', 'keepdim', 'dtype']);
    return wrap(call(op('nansum').get(), this.h, dim ?? [], keepdim ?? false, optDtype(dtype)));
  }
  /**
   * The product of all elements, or over one dimension `dim` (an integer).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.prod](https://pytorch.org/docs/stable/generated/torch.Tensor.prod.html)
   */
  prod(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('prod', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('prod').get(), this.h, optDtype(dtype)));
    return wrap(call(op('prod.dim_int').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  /**
   * `max()`: the largest element. `max(dim, keepdim?)` or `max({ dim, keepdim })`: a ValuesIndices of the
   * maxima along `dim` and their indices. `max(other)`: the elementwise maximum, as torch.maximum.
   *
   * @see [torch.Tensor.max](https://pytorch.org/docs/stable/generated/torch.Tensor.max.html)
   */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
  max(options: { dim: number; keepdim?: boolean }): ValuesIndices;
  max(...args: unknown[]): Tensor | ValuesIndices {
    return this.extreme('max', 'maximum', args);
  }
  /**
   * `min()`: the smallest element. `min(dim, keepdim?)` or `min({ dim, keepdim })`: a ValuesIndices of the
   * minima along `dim` and their indices. `min(other)`: the elementwise minimum, as torch.minimum.
   *
   * @see [torch.Tensor.min](https://pytorch.org/docs/stable/generated/torch.Tensor.min.html)
   */
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
  min(options: { dim: number; keepdim?: boolean }): ValuesIndices;
  min(...args: unknown[]): Tensor | ValuesIndices {
    return this.extreme('min', 'minimum', args);
  }
  private extreme(name: string, elementwise: string, args: unknown[]): Tensor | ValuesIndices {
    if (args[0] instanceof Tensor) return wrap(call(op(elementwise).get(), this.h, args[0].h));
    const [dim, keepdim] = params(name, args, ['dim', 'keepdim']);
    if (dim == null) return wrap(call(op(name).get(), this.h));
    return valuesIndices(call(op(`${name}.dim`).get(), this.h, dim, keepdim ?? false));
  }
  /**
   * The maximum over `dim` (an integer or array; all dimensions when omitted), values only.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.amax](https://pytorch.org/docs/stable/generated/torch.Tensor.amax.html)
   */
  amax(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('amax', args, ['dim', 'keepdim']);
    return wrap(call(op('amax').get(), this.h, dim ?? [], keepdim ?? false));
  }
  /**
   * The minimum over `dim` (an integer or array; all dimensions when omitted), values only.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.amin](https://pytorch.org/docs/stable/generated/torch.Tensor.amin.html)
   */
  amin(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('amin', args, ['dim', 'keepdim']);
    return wrap(call(op('amin').get(), this.h, dim ?? [], keepdim ?? false));
  }
  /**
   * The index of the maximum, in the flattened tensor or along `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.argmax](https://pytorch.org/docs/stable/generated/torch.Tensor.argmax.html)
   */
  argmax(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('argmax', args, ['dim', 'keepdim']);
    return wrap(call(op('argmax').get(), this.h, dim ?? null, keepdim ?? false));
  }
  /**
   * The index of the minimum, in the flattened tensor or along `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.argmin](https://pytorch.org/docs/stable/generated/torch.Tensor.argmin.html)
   */
  argmin(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('argmin', args, ['dim', 'keepdim']);
    return wrap(call(op('argmin').get(), this.h, dim ?? null, keepdim ?? false));
  }
  /**
   * The standard deviation, of all elements or over `dim`.
   * Positional arguments, or a trailing options object with `dim`, `unbiased`, `keepdim`, `correction`;
   * `correction` wins over `unbiased` (default: correction 1). The legacy `std(unbiased)` form with a
   * boolean first argument works too.
   *
   * @see [torch.Tensor.std](https://pytorch.org/docs/stable/generated/torch.Tensor.std.html)
   */
  std(...args: unknown[]): Tensor {
    return this.spread('std', args);
  }
  /**
   * The variance, of all elements or over `dim`. Arguments as in `std`.
   *
   * @see [torch.Tensor.var](https://pytorch.org/docs/stable/generated/torch.Tensor.var.html)
   */
  var(...args: unknown[]): Tensor {
    return this.spread('var', args);
  }
  private spread(name: string, args: unknown[]): Tensor {
    let a = args;
    if (typeof a[0] === 'boolean') a = [undefined, { unbiased: a[0] }, ...a.slice(1)]; // std(unbiased)
    const [dim, unbiased, keepdim, correction] = params(name, a, ['dim', 'unbiased', 'keepdim', 'correction']);
    const corr = correction ?? (unbiased === false ? 0 : 1);
    return wrap(call(op(`${name}.correction`).get(), this.h, dim ?? null, corr, keepdim ?? false));
  }
  /**
   * The p-norm of all elements, or over `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`p`, `dim`, `keepdim`, `dtype`), as PyTorch takes keywords. `p` is a number, `'fro'` (default; computed as the
   * 2-norm of the flattened elements) or `'inf'`; `'nuc'` is not supported (TypeError).
   *
   * @see [torch.Tensor.norm](https://pytorch.org/docs/stable/generated/torch.Tensor.norm.html)
   */
  norm(...args: unknown[]): Tensor {
    const [p, dim, keepdim, dtype] = params('norm', args, ['p', 'dim', 'keepdim', 'dtype']);
    const pv = p === undefined || p === null || p === 'fro' ? 2 : p === 'inf' ? Infinity : p;
    if (typeof pv !== 'number') throw new TypeError(`norm(): unsupported p=${String(p)}`);
    if (dim == null && dtype == null && !keepdim) return wrap(call(op('norm.Scalar').get(), this.h, pv));
    if (dtype != null) {
      return wrap(call(op('norm.dtype').get(), this.h, pv, dim ?? [], keepdim ?? false, optDtype(dtype)));
    }
    // dim [] reduces over every dimension, as norm(p, None, keepdim) does in PyTorch
    return wrap(call(op('norm.ScalarOpt_dim').get(), this.h, pv, dim ?? [], keepdim ?? false));
  }
  /**
   * Softmax along `dim` (required).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.softmax](https://pytorch.org/docs/stable/generated/torch.Tensor.softmax.html)
   */
  softmax(...args: unknown[]): Tensor {
    const [dim, dtype] = params('softmax', args, ['dim', 'dtype']);
    return wrap(call(op('softmax.int').get(), this.h, requireDim('softmax', dim), optDtype(dtype)));
  }
  /**
   * Log of the softmax along `dim` (required), computed stably.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.log_softmax](https://pytorch.org/docs/stable/generated/torch.Tensor.log_softmax.html)
   */
  log_softmax(...args: unknown[]): Tensor {
    const [dim, dtype] = params('log_softmax', args, ['dim', 'dtype']);
    return wrap(call(op('log_softmax.int').get(), this.h, requireDim('log_softmax', dim), optDtype(dtype)));
  }
  /**
   * Cumulative sum along `dim` (required).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.cumsum](https://pytorch.org/docs/stable/generated/torch.Tensor.cumsum.html)
   */
  cumsum(...args: unknown[]): Tensor {
    const [dim, dtype] = params('cumsum', args, ['dim', 'dtype']);
    return wrap(call(op('cumsum').get(), this.h, requireDim('cumsum', dim), optDtype(dtype)));
  }
  /**
   * Cumulative product along `dim` (required).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `dtype`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.cumprod](https://pytorch.org/docs/stable/generated/torch.Tensor.cumprod.html)
   */
  cumprod(...args: unknown[]): Tensor {
    const [dim, dtype] = params('cumprod', args, ['dim', 'dtype']);
    return wrap(call(op('cumprod').get(), this.h, requireDim('cumprod', dim), optDtype(dtype)));
  }
  /**
   * log(sum(exp(x))) over `dim` (required), computed stably.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.logsumexp](https://pytorch.org/docs/stable/generated/torch.Tensor.logsumexp.html)
   */
  logsumexp(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('logsumexp', args, ['dim', 'keepdim']);
    return wrap(call(op('logsumexp').get(), this.h, requireDim('logsumexp', dim), keepdim ?? false));
  }
  /**
   * True (a bool tensor) when every element is non-zero, overall or along `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.all](https://pytorch.org/docs/stable/generated/torch.Tensor.all.html)
   */
  all(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('all', args, ['dim', 'keepdim']);
    if (dim == null) return wrap(call(op('all').get(), this.h));
    return wrap(call(op('all.dim').get(), this.h, dim, keepdim ?? false));
  }
  /**
   * True (a bool tensor) when some element is non-zero, overall or along `dim`.
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `keepdim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.any](https://pytorch.org/docs/stable/generated/torch.Tensor.any.html)
   */
  any(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('any', args, ['dim', 'keepdim']);
    if (dim == null) return wrap(call(op('any').get(), this.h));
    return wrap(call(op('any.dim').get(), this.h, dim, keepdim ?? false));
  }
  /**
   * The elements sorted along `dim` (default -1), as a ValuesIndices of sorted values and their
   * original indices. Positional arguments, or a trailing options object with the keyword names (`dim`, `descending`, `stable`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.sort](https://pytorch.org/docs/stable/generated/torch.Tensor.sort.html)
   */
  sort(...args: unknown[]): ValuesIndices {
    const [dim, descending, stable] = params('sort', args, ['dim', 'descending', 'stable']);
    return valuesIndices(call(op('sort.stable').get(), this.h, stable ?? false, dim ?? -1, descending ?? false));
  }
  /**
   * The indices that sort the tensor along `dim` (default -1).
   * Positional arguments, or a trailing options object with the keyword names (`dim`, `descending`), as PyTorch takes keywords. The `stable` keyword of PyTorch 2 is not accepted here.
   *
   * @see [torch.Tensor.argsort](https://pytorch.org/docs/stable/generated/torch.Tensor.argsort.html)
   */
  argsort(...args: unknown[]): Tensor {
    const [dim, descending] = params('argsort', args, ['dim', 'descending']);
    return wrap(call(op('argsort').get(), this.h, dim ?? -1, descending ?? false));
  }
  /**
   * The `k` largest (or smallest) elements along `dim` (default -1), as a ValuesIndices.
   * Then positional arguments, or an options object with `dim`, `largest`, `sorted` (defaults -1, true, true).
   *
   * @see [torch.Tensor.topk](https://pytorch.org/docs/stable/generated/torch.Tensor.topk.html)
   */
  topk(k: number, ...args: unknown[]): ValuesIndices {
    const [dim, largest, sorted] = params('topk', args, ['dim', 'largest', 'sorted']);
    return valuesIndices(call(op('topk').get(), this.h, k, dim ?? -1, largest ?? true, sorted ?? true));
  }

  // ---- shape --------------------------------------------------------------------------------

  /**
   * A view with another shape over the same data: `x.view(2, -1)` or `x.view([2, -1])`.
   * The tensor must be compatible with the shape (see PyTorch); `view(dtype)` is not supported.
   *
   * @see [torch.Tensor.view](https://pytorch.org/docs/stable/generated/torch.Tensor.view.html)
   */
  view(...shape: (number | number[])[]): Tensor {
    return wrap(call(O.view.get(), this.h, sizesArg('view', shape)));
  }
  /**
   * The same elements in another shape: a view when possible, else a copy. Sizes variadic or as one array.
   *
   * @see [torch.Tensor.reshape](https://pytorch.org/docs/stable/generated/torch.Tensor.reshape.html)
   */
  reshape(...shape: (number | number[])[]): Tensor {
    return wrap(call(O.reshape.get(), this.h, sizesArg('reshape', shape)));
  }
  /**
   * A view with `other`'s shape.
   *
   * @see [torch.Tensor.view_as](https://pytorch.org/docs/stable/generated/torch.Tensor.view_as.html)
   */
  view_as(other: Tensor): Tensor {
    return this.view(other.shape);
  }
  /**
   * `reshape` to `other`'s shape.
   *
   * @see [torch.Tensor.reshape_as](https://pytorch.org/docs/stable/generated/torch.Tensor.reshape_as.html)
   */
  reshape_as(other: Tensor): Tensor {
    return this.reshape(other.shape);
  }
  /**
   * A broadcast view with singleton dimensions expanded to `sizes` (-1 keeps a size); no copy.
   *
   * @see [torch.Tensor.expand](https://pytorch.org/docs/stable/generated/torch.Tensor.expand.html)
   */
  expand(...sizes: (number | number[])[]): Tensor {
    return wrap(call(op('expand').get(), this.h, sizesArg('expand', sizes)));
  }
  /**
   * `expand` to `other`'s shape.
   *
   * @see [torch.Tensor.expand_as](https://pytorch.org/docs/stable/generated/torch.Tensor.expand_as.html)
   */
  expand_as(other: Tensor): Tensor {
    return wrap(call(op('expand_as').get(), this.h, hOf(other, 'other')));
  }
  /**
   * The tensor tiled `sizes[i]` times along each dimension (a copy).
   *
   * @see [torch.Tensor.repeat](https://pytorch.org/docs/stable/generated/torch.Tensor.repeat.html)
   */
  repeat(...sizes: (number | number[])[]): Tensor {
    return wrap(call(op('repeat').get(), this.h, sizesArg('repeat', sizes)));
  }
  /**
   * A view with the dimensions reordered: `x.permute(2, 0, 1)` or `x.permute([2, 0, 1])`.
   *
   * @see [torch.Tensor.permute](https://pytorch.org/docs/stable/generated/torch.Tensor.permute.html)
   */
  permute(...dims: (number | number[])[]): Tensor {
    return wrap(call(op('permute').get(), this.h, sizesArg('permute', dims)));
  }
  /**
   * A view with dimensions `dim0` and `dim1` swapped.
   *
   * @see [torch.Tensor.transpose](https://pytorch.org/docs/stable/generated/torch.Tensor.transpose.html)
   */
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(call(O.transpose.get(), this.h, dim0, dim1));
  }
  /**
   * In-place `transpose`.
   *
   * @see [torch.Tensor.transpose_](https://pytorch.org/docs/stable/generated/torch.Tensor.transpose_.html)
   */
  transpose_(dim0: number, dim1: number): this {
    call(op('transpose_').get(), this.h, dim0, dim1);
    return this;
  }
  /**
   * Transpose of a tensor of at most 2 dimensions (0-d and 1-d are returned as they are).
   *
   * @see [torch.Tensor.t](https://pytorch.org/docs/stable/generated/torch.Tensor.t.html)
   */
  t(): Tensor {
    return wrap(call(op('t').get(), this.h));
  }
  /**
   * The tensor with all its dimensions reversed; a 0-d or 1-d tensor as it is. PyTorch deprecates
   * `T` on tensors other than 2-d; here it is allowed without a warning.
   *
   * @see [torch.Tensor.T](https://pytorch.org/docs/stable/tensors.html#torch.Tensor.T)
   */
  get T(): Tensor {
    return this.dim() < 2 ? this.detachView() : this.permute([...Array(this.dim()).keys()].reverse());
  }
  private detachView(): Tensor {
    return wrap(call(op('alias').get(), this.h));
  }
  /**
   * A view with dimension(s) `source` moved to position(s) `destination`.
   *
   * @see [torch.Tensor.movedim](https://pytorch.org/docs/stable/generated/torch.Tensor.movedim.html)
   */
  movedim(source: Dims, destination: Dims): Tensor {
    return wrap(call(op('movedim.intlist').get(), this.h, source, destination));
  }
  /**
   * The tensor without its size-1 dimensions, or without dimension `dim` if its size is 1.
   * `dim` is one integer (PyTorch 2 also takes a tuple).
   *
   * @see [torch.Tensor.squeeze](https://pytorch.org/docs/stable/generated/torch.Tensor.squeeze.html)
   */
  squeeze(dim?: number): Tensor {
    if (dim === undefined) return wrap(call(op('squeeze').get(), this.h));
    return wrap(call(op('squeeze.dim').get(), this.h, dim));
  }
  /**
   * In-place `squeeze`.
   *
   * @see [torch.Tensor.squeeze_](https://pytorch.org/docs/stable/generated/torch.Tensor.squeeze_.html)
   */
  squeeze_(dim?: number): this {
    if (dim === undefined) call(op('squeeze_').get(), this.h);
    else call(op('squeeze_.dim').get(), this.h, dim);
    return this;
  }
  /**
   * A view with a size-1 dimension inserted at `dim`.
   *
   * @see [torch.Tensor.unsqueeze](https://pytorch.org/docs/stable/generated/torch.Tensor.unsqueeze.html)
   */
  unsqueeze(dim: number): Tensor {
    return wrap(call(O.unsqueeze.get(), this.h, dim));
  }
  /**
   * In-place `unsqueeze`.
   *
   * @see [torch.Tensor.unsqueeze_](https://pytorch.org/docs/stable/generated/torch.Tensor.unsqueeze_.html)
   */
  unsqueeze_(dim: number): this {
    call(op('unsqueeze_').get(), this.h, dim);
    return this;
  }
  /**
   * The dimensions `start_dim` (default 0) to `end_dim` (default -1) merged into one.
   * Positional arguments, or a trailing options object with the keyword names (`start_dim`, `end_dim`), as PyTorch takes keywords.
   *
   * @see [torch.Tensor.flatten](https://pytorch.org/docs/stable/generated/torch.Tensor.flatten.html)
   */
  flatten(...args: unknown[]): Tensor {
    const [start_dim, end_dim] = params('flatten', args, ['start_dim', 'end_dim']);
    return wrap(call(op('flatten.using_ints').get(), this.h, start_dim ?? 0, end_dim ?? -1));
  }
  /**
   * Dimension `dim` split into `sizes` (one may be -1).
   *
   * @see [torch.Tensor.unflatten](https://pytorch.org/docs/stable/generated/torch.Tensor.unflatten.html)
   */
  unflatten(dim: number, sizes: number[]): Tensor {
    return wrap(call(op('unflatten.int').get(), this.h, dim, sizes));
  }
  /**
   * The tensor itself if contiguous, else a contiguous copy. There is no `memory_format` argument.
   *
   * @see [torch.Tensor.contiguous](https://pytorch.org/docs/stable/generated/torch.Tensor.contiguous.html)
   */
  contiguous(): Tensor {
    return wrap(call(op('contiguous').get(), this.h));
  }
  /**
   * Splits along `dim` (default 0, positional) into chunks of `split_size_or_sections` elements (the
   * last may be smaller), or of the sizes in an array. The chunks are views.
   *
   * @see [torch.Tensor.split](https://pytorch.org/docs/stable/generated/torch.Tensor.split.html)
   */
  split(split_size_or_sections: number | number[], dim = 0): Tensor[] {
    if (Array.isArray(split_size_or_sections)) return wrapList(call(op('split_with_sizes').get(), this.h, split_size_or_sections, dim));
    return wrapList(call(op('split.Tensor').get(), this.h, split_size_or_sections, dim));
  }
  /**
   * Splits into `chunks` views along `dim` (default 0); the last may be smaller.
   *
   * @see [torch.Tensor.chunk](https://pytorch.org/docs/stable/generated/torch.Tensor.chunk.html)
   */
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(call(op('chunk').get(), this.h, chunks, dim));
  }
  /**
   * The slices along `dim` (default 0), as an array of views with that dimension removed.
   *
   * @see [torch.Tensor.unbind](https://pytorch.org/docs/stable/generated/torch.Tensor.unbind.html)
   */
  unbind(dim = 0): Tensor[] {
    return wrapList(call(op('unbind.int').get(), this.h, dim));
  }
  /**
   * A view of `length` elements of dimension `dim` from `start` (a number).
   *
   * @see [torch.Tensor.narrow](https://pytorch.org/docs/stable/generated/torch.Tensor.narrow.html)
   */
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(call(op('narrow').get(), this.h, dim, start, length));
  }
  /**
   * A view of index `index` along `dim`, with that dimension removed: x.select(0, i) is x[i].
   *
   * @see [torch.Tensor.select](https://pytorch.org/docs/stable/generated/torch.Tensor.select.html)
   */
  select(dim: number, index: number): Tensor {
    return wrap(call(op('select.int').get(), this.h, dim, index));
  }
  /**
   * A copy with the order of elements reversed along `dims` (variadic or one array).
   *
   * @see [torch.Tensor.flip](https://pytorch.org/docs/stable/generated/torch.Tensor.flip.html)
   */
  flip(...dims: (number | number[])[]): Tensor {
    return wrap(call(op('flip').get(), this.h, sizesArg('flip', dims)));
  }
  /**
   * Elements shifted circularly by `shifts` along `dims`; without `dims`, over the flattened tensor.
   *
   * @see [torch.Tensor.roll](https://pytorch.org/docs/stable/generated/torch.Tensor.roll.html)
   */
  roll(shifts: Dims, dims?: Dims): Tensor {
    return wrap(call(op('roll').get(), this.h, shifts, dims ?? []));
  }
  /**
   * The lower triangle of the last two dimensions (on and below `diagonal`, default 0); the rest zeroed.
   *
   * @see [torch.Tensor.tril](https://pytorch.org/docs/stable/generated/torch.Tensor.tril.html)
   */
  tril(diagonal = 0): Tensor {
    return wrap(call(op('tril').get(), this.h, diagonal));
  }
  /**
   * The upper triangle of the last two dimensions (on and above `diagonal`, default 0); the rest zeroed.
   *
   * @see [torch.Tensor.triu](https://pytorch.org/docs/stable/generated/torch.Tensor.triu.html)
   */
  triu(diagonal = 0): Tensor {
    return wrap(call(op('triu').get(), this.h, diagonal));
  }
  /**
   * Values gathered along `dim` at `index`: out[i][j] = self[index[i][j]][j] for dim 0. No `sparse_grad`.
   *
   * @see [torch.Tensor.gather](https://pytorch.org/docs/stable/generated/torch.Tensor.gather.html)
   */
  gather(dim: number, index: Tensor): Tensor {
    return wrap(call(op('gather').get(), this.h, dim, hOf(index, 'index')));
  }
  /**
   * A copy with `src` (a tensor, or one number for every position) written along `dim` at `index`.
   * The `reduce` argument is not supported (use `scatter_add` or `scatter_reduce`).
   *
   * @see [torch.Tensor.scatter](https://pytorch.org/docs/stable/generated/torch.Tensor.scatter.html)
   */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    if (src instanceof Tensor) return wrap(call(op('scatter.src').get(), this.h, dim, hOf(index, 'index'), src.h));
    return wrap(call(op('scatter.value').get(), this.h, dim, hOf(index, 'index'), scalarOf(src)));
  }
  /**
   * In-place `scatter`.
   *
   * @see [torch.Tensor.scatter_](https://pytorch.org/docs/stable/generated/torch.Tensor.scatter_.html)
   */
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this {
    if (src instanceof Tensor) call(op('scatter_.src').get(), this.h, dim, hOf(index, 'index'), src.h);
    else call(op('scatter_.value').get(), this.h, dim, hOf(index, 'index'), scalarOf(src));
    return this;
  }
  /**
   * A copy with the values of `src` added along `dim` at `index` (repeated indices accumulate).
   *
   * @see [torch.Tensor.scatter_add](https://pytorch.org/docs/stable/generated/torch.Tensor.scatter_add.html)
   */
  scatter_add(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(call(op('scatter_add').get(), this.h, dim, hOf(index, 'index'), hOf(src, 'src')));
  }
  /**
   * In-place `scatter_add`.
   *
   * @see [torch.Tensor.scatter_add_](https://pytorch.org/docs/stable/generated/torch.Tensor.scatter_add_.html)
   */
  scatter_add_(dim: number, index: Tensor, src: Tensor): this {
    call(op('scatter_add_').get(), this.h, dim, hOf(index, 'index'), hOf(src, 'src'));
    return this;
  }
  /**
   * The entries at the 1-d integer tensor `index` along `dim` (a copy).
   *
   * @see [torch.Tensor.index_select](https://pytorch.org/docs/stable/generated/torch.Tensor.index_select.html)
   */
  index_select(dim: number, index: Tensor): Tensor {
    return wrap(call(op('index_select').get(), this.h, dim, hOf(index, 'index')));
  }
  /**
   * The elements where the bool `mask` (broadcast) is true, as a 1-d tensor.
   *
   * @see [torch.Tensor.masked_select](https://pytorch.org/docs/stable/generated/torch.Tensor.masked_select.html)
   */
  masked_select(mask: Tensor): Tensor {
    return wrap(call(op('masked_select').get(), this.h, hOf(mask, 'mask')));
  }
  /**
   * The indices of the non-zero elements, one row per element; with `{ as_tuple: true }`, one
   * 1-d index tensor per dimension (a 0-d tensor counts as 1-d, as in PyTorch).
   *
   * @see [torch.Tensor.nonzero](https://pytorch.org/docs/stable/generated/torch.Tensor.nonzero.html)
   */
  nonzero(options?: { as_tuple?: false }): Tensor;
  nonzero(options: { as_tuple: true }): Tensor[];
  nonzero(options?: { as_tuple?: boolean }): Tensor | Tensor[] {
    const [as_tuple] = params('nonzero', options === undefined ? [] : [options], ['as_tuple']);
    if (as_tuple) {
      // As PyTorch: a 0-d input counts as 1-d.
      const idx = (this.dim() === 0 ? this.unsqueeze(0) : this).nonzero();
      return idx.unbind(1);
    }
    return wrap(call(op('nonzero').get(), this.h));
  }
  /**
   * The unique elements (of the flattened tensor, or the unique slices along `dim`): the values
   * alone, or `[values, inverse?, counts?]` when `return_inverse` or `return_counts` is set.
   * Positional arguments, or a trailing options object with `sorted` (default true), `return_inverse`,
   * `return_counts`, `dim`, as torch.unique takes keywords.
   *
   * @see [torch.unique](https://pytorch.org/docs/stable/generated/torch.unique.html)
   */
  unique(...args: unknown[]): Tensor | Tensor[] {
    const [sorted = true, return_inverse = false, return_counts = false, dim = null] = params('unique', args,
      ['sorted', 'return_inverse', 'return_counts', 'dim']);
    const [values, inverse, counts] = dim == null
      ? wrapList(call(op('_unique2').get(), this.h, Boolean(sorted), Boolean(return_inverse), Boolean(return_counts)))
      : wrapList(call(op('unique_dim').get(), this.h, dim, Boolean(sorted), Boolean(return_inverse), Boolean(return_counts)));
    return uniqueResult(values, inverse, counts, Boolean(return_inverse), Boolean(return_counts));
  }
  /**
   * Collapses runs of equal consecutive values: the values alone, or `[values, inverse?, counts?]`.
   * Positional arguments, or a trailing options object with `return_inverse`, `return_counts`, `dim`.
   *
   * @see [torch.Tensor.unique_consecutive](https://pytorch.org/docs/stable/generated/torch.Tensor.unique_consecutive.html)
   */
  unique_consecutive(...args: unknown[]): Tensor | Tensor[] {
    const [return_inverse = false, return_counts = false, dim = null] = params('unique_consecutive', args,
      ['return_inverse', 'return_counts', 'dim']);
    const [values, inverse, counts] = wrapList(call(op('unique_consecutive').get(), this.h, Boolean(return_inverse), Boolean(return_counts), dim));
    return uniqueResult(values, inverse, counts, Boolean(return_inverse), Boolean(return_counts));
  }
  /**
   * The LU factorization of a matrix or a batch of them, with partial pivoting (`pivot` false is
   * CUDA only): `[LU, pivots]`, or `[LU, pivots, infos]` with `get_infos`, which then leaves
   * failures to `infos` instead of throwing. Positional arguments or `{ pivot, get_infos }`.
   * Deprecated in PyTorch for `torch.linalg.lu_factor` / `lu_factor_ex`, and LibTorch warns once.
   *
   * @see [torch.Tensor.lu](https://pytorch.org/docs/stable/generated/torch.Tensor.lu.html)
   */
  lu(pivot?: boolean, get_infos?: false): [LU: Tensor, pivots: Tensor];
  lu(pivot: boolean, get_infos: true): [LU: Tensor, pivots: Tensor, infos: Tensor];
  lu(options: { pivot?: boolean; get_infos: true }): [LU: Tensor, pivots: Tensor, infos: Tensor];
  lu(options: { pivot?: boolean; get_infos?: boolean }): Tensor[];
  lu(...args: unknown[]): Tensor[];
  lu(...args: unknown[]): Tensor[] {
    const [pivot = true, get_infos = false] = params('lu', args, ['pivot', 'get_infos']);
    for (const [name, v] of [['pivot', pivot], ['get_infos', get_infos]] as const) {
      if (typeof v !== 'boolean') throw new TypeError(`lu(): argument '${name}' must be boolean, not ${describe(v)}`);
    }
    // Python's Tensor.lu calls _lu_with_info and checks errors only when infos are not returned.
    const [LU, pivots, infos] = wrapList(call(op('_lu_with_info').get(), this.h, pivot, !get_infos));
    return get_infos ? [LU, pivots, infos] : [LU, pivots];
  }

  // ---- indexing -----------------------------------------------------------------------------

  /**
   * Python indexing: `x.index(':', -1, ':')` is `x[:, -1, :]`. Items: integers, slice strings
   * ('1:5:2', ':', '::2'), '...', null (new axis), booleans, integer arrays and tensors
   * (integer indices or boolean masks). Basic indexing gives a view, advanced indexing a copy, as in PyTorch.
   *
   * @see [Tensor indexing](https://pytorch.org/docs/stable/tensor_view.html)
   */
  index(...indices: IndexItem[]): Tensor {
    const temps: Handle[] = [];
    try {
      const [encoded, count] = encodeIndices(indices, hOfIndex, temps);
      return wrap(native.index(this.h, encoded, count));
    } finally {
      for (const h of temps) native.dispose(h);
    }
  }
  /**
   * `x.index_put_([':', 0], value)` is `x[:, 0] = value`, with the index items of `index()` and a
   * tensor or number value. With `accumulate` (a positional boolean) set, this is PyTorch's
   * `index_put_(indices, values, accumulate=True)`: the indices must then be tensors (or null) and
   * values at repeated indices add up.
   *
   * @see [torch.Tensor.index_put_](https://pytorch.org/docs/stable/generated/torch.Tensor.index_put_.html)
   */
  index_put_(indices: IndexItem[], values: TensorOrScalar, accumulate = false): this {
    if (accumulate) {
      const hs = indices.map((i) => (i === null ? null : hOf(i, 'indices')));
      call(op('index_put_').get(), this.h, hs, hOf(values, 'values'), true);
      return this;
    }
    const temps: Handle[] = [];
    try {
      const [encoded, count] = encodeIndices(indices, hOfIndex, temps);
      if (values instanceof Tensor) native.indexPut(this.h, encoded, count, values.h, undefined);
      else native.indexPut(this.h, encoded, count, null, scalarOf(values));
    } finally {
      for (const h of temps) native.dispose(h);
    }
    return this;
  }

  // ---- type and device ----------------------------------------------------------------------

  /**
   * A tensor converted to another dtype and/or device (no copy when nothing changes, unless `copy`):
   * `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's dtype and device), then an
   * options object with `dtype`, `device`, `non_blocking`, `copy`. Dtypes and devices may be objects
   * or names ('float32', 'cuda:0'). `memory_format` is not supported.
   *
   * @see [torch.Tensor.to](https://pytorch.org/docs/stable/generated/torch.Tensor.to.html)
   */
  to(...args: unknown[]): Tensor {
    let dtype: unknown;
    let device: unknown;
    let rest: unknown[] = args;
    if (args[0] instanceof Tensor) {
      dtype = args[0].dtype;
      device = args[0].device;
      rest = args.slice(1);
    } else if (args[0] instanceof DType || (typeof args[0] === 'string' && isDtypeName(args[0]))) {
      dtype = args[0];
      rest = args.slice(1);
    } else if (args[0] instanceof Device || typeof args[0] === 'string') {
      device = args[0];
      if (args[1] instanceof DType || typeof args[1] === 'string') {
        dtype = args[1];
        rest = args.slice(2);
      } else rest = args.slice(1);
    }
    const [kdtype, kdevice, non_blocking, copy] = params('to', rest, ['dtype', 'device', 'non_blocking', 'copy']);
    dtype ??= kdtype;
    device ??= kdevice;
    return wrap(call(O.to.get(), this.h, optDtype(dtype), null, device == null ? null : deviceArg(device as DeviceLike), null,
      Boolean(non_blocking), Boolean(copy)));
  }
  /**
   * `type(dtype)` converts to that dtype; `type()` gives the legacy type name, e.g.
   * `'torch.FloatTensor'` or `'torch.cuda.LongTensor'`.
   *
   * @see [torch.Tensor.type](https://pytorch.org/docs/stable/generated/torch.Tensor.type.html)
   */
  type(): string;
  type(dtype: DTypeLike): Tensor;
  type(dtype?: DTypeLike): Tensor | string {
    if (dtype === undefined) return legacyTypeName(this);
    return this.to(toDType(dtype));
  }
  /**
   * `to(torch.float32)`.
   *
   * @see [torch.Tensor.float](https://pytorch.org/docs/stable/generated/torch.Tensor.float.html)
   */
  float(): Tensor {
    return this.to(DTYPE.float32);
  }
  /**
   * `to(torch.float64)`.
   *
   * @see [torch.Tensor.double](https://pytorch.org/docs/stable/generated/torch.Tensor.double.html)
   */
  double(): Tensor {
    return this.to(DTYPE.float64);
  }
  /**
   * `to(torch.float16)`.
   *
   * @see [torch.Tensor.half](https://pytorch.org/docs/stable/generated/torch.Tensor.half.html)
   */
  half(): Tensor {
    return this.to(DTYPE.float16);
  }
  /**
   * `to(torch.bfloat16)`.
   *
   * @see [torch.Tensor.bfloat16](https://pytorch.org/docs/stable/generated/torch.Tensor.bfloat16.html)
   */
  bfloat16(): Tensor {
    return this.to(DTYPE.bfloat16);
  }
  /**
   * `to(torch.int64)`.
   *
   * @see [torch.Tensor.long](https://pytorch.org/docs/stable/generated/torch.Tensor.long.html)
   */
  long(): Tensor {
    return this.to(DTYPE.int64);
  }
  /**
   * `to(torch.int32)`.
   *
   * @see [torch.Tensor.int](https://pytorch.org/docs/stable/generated/torch.Tensor.int.html)
   */
  int(): Tensor {
    return this.to(DTYPE.int32);
  }
  /**
   * `to(torch.bool)`.
   *
   * @see [torch.Tensor.bool](https://pytorch.org/docs/stable/generated/torch.Tensor.bool.html)
   */
  bool(): Tensor {
    return this.to(DTYPE.bool);
  }
  /**
   * `to(torch.uint8)`.
   *
   * @see [torch.Tensor.byte](https://pytorch.org/docs/stable/generated/torch.Tensor.byte.html)
   */
  byte(): Tensor {
    return this.to(DTYPE.uint8);
  }
  /**
   * `to('cpu')`. There is no `memory_format` argument.
   *
   * @see [torch.Tensor.cpu](https://pytorch.org/docs/stable/generated/torch.Tensor.cpu.html)
   */
  cpu(): Tensor {
    return this.to('cpu');
  }
  /**
   * `to('cuda')`, or to `cuda:<device>` for a device index or device. No `non_blocking` option.
   *
   * @see [torch.Tensor.cuda](https://pytorch.org/docs/stable/generated/torch.Tensor.cuda.html)
   */
  cuda(device?: number | DeviceLike): Tensor {
    return this.to(typeof device === 'number' ? `cuda:${device}` : device ?? 'cuda');
  }
  /**
   * A copy with its own storage, recorded by autograd. There is no `memory_format` argument.
   *
   * @see [torch.Tensor.clone](https://pytorch.org/docs/stable/generated/torch.Tensor.clone.html)
   */
  clone(): Tensor {
    return wrap(call(op('clone').get(), this.h));
  }

  // ---- the Tensor methods PyTorch writes in Python (torch/_tensor.py) or binds by hand ---------

  /**
   * `to(torch.int8)`.
   *
   * @see [torch.Tensor.char](https://pytorch.org/docs/stable/generated/torch.Tensor.char.html)
   */
  char(): Tensor {
    return this.to(toDType('int8'));
  }
  /**
   * `to(torch.int16)`.
   *
   * @see [torch.Tensor.short](https://pytorch.org/docs/stable/generated/torch.Tensor.short.html)
   */
  short(): Tensor {
    return this.to(toDType('int16'));
  }
  /**
   * `to(torch.complex64)`.
   *
   * @see [torch.Tensor.cfloat](https://pytorch.org/docs/stable/generated/torch.Tensor.cfloat.html)
   */
  cfloat(): Tensor {
    return this.to(toDType('complex64'));
  }
  /**
   * `to(torch.complex128)`.
   *
   * @see [torch.Tensor.cdouble](https://pytorch.org/docs/stable/generated/torch.Tensor.cdouble.html)
   */
  cdouble(): Tensor {
    return this.to(toDType('complex128'));
  }
  /**
   * Alias of `dim()`.
   *
   * @see [torch.Tensor.ndimension](https://pytorch.org/docs/stable/generated/torch.Tensor.ndimension.html)
   */
  ndimension(): number {
    return this.dim();
  }
  /**
   * Alias of `numel()`.
   *
   * @see [torch.Tensor.nelement](https://pytorch.org/docs/stable/generated/torch.Tensor.nelement.html)
   */
  nelement(): number {
    return this.numel();
  }
  /**
   * The CUDA device index, or -1 for a CPU tensor.
   *
   * @see [torch.Tensor.get_device](https://pytorch.org/docs/stable/generated/torch.Tensor.get_device.html)
   */
  get_device(): number {
    const d = this.device;
    return d.type === 'cpu' ? -1 : d.index ?? 0;
  }
  /**
   * The dimensions from outermost to innermost in memory: [0, 1, 2, 3] for a contiguous 4-d tensor.
   * Ties in stride keep dimension order. (PyTorch 2 only; no `ambiguity_check` argument.)
   *
   * @see [torch.Tensor.dim_order](https://pytorch.org/docs/stable/generated/torch.Tensor.dim_order.html)
   */
  dim_order(): number[] {
    const strides = this.stride();
    // A stable sort by decreasing stride, as torch.Tensor.dim_order breaks ties by position.
    return strides.map((_, i) => i).sort((a, b) => strides[b] - strides[a] || a - b);
  }
  /**
   * A new tensor from `data`, of this tensor's dtype and device unless `{ dtype, device }` say otherwise;
   * `{ requires_grad }` as in torch.tensor.
   *
   * @see [torch.Tensor.new_tensor](https://pytorch.org/docs/stable/generated/torch.Tensor.new_tensor.html)
   */
  new_tensor(data: unknown, options: { dtype?: DTypeLike; device?: DeviceLike; requires_grad?: boolean } = {}): Tensor {
    if (!creation) throw new Error('torchnode: creation is not loaded');
    return creation.tensor(data, { dtype: options.dtype ?? this.dtype, device: options.device ?? this.device, requires_grad: options.requires_grad });
  }
  /**
   * Replaces each element x with fn(x), in place; CPU tensors only, as in PyTorch. One JS call per
   * element: slow, for tests and small tensors. Not recorded by autograd.
   *
   * @see [torch.Tensor.apply_](https://pytorch.org/docs/stable/generated/torch.Tensor.apply_.html)
   */
  apply_(fn: (x: number) => number): this {
    return this.mapElements('apply_', (x) => fn(x));
  }
  /**
   * self[i] = fn(self[i], other[i]) with `other` broadcast to this shape, in place; CPU only, as in
   * PyTorch. Not recorded by autograd.
   *
   * @see [torch.Tensor.map_](https://pytorch.org/docs/stable/generated/torch.Tensor.map_.html)
   */
  map_(other: Tensor, fn: (x: number, y: number) => number): this {
    const o = other.expand_as(this).contiguous().toTypedArray();
    return this.mapElements('map_', (x, i) => fn(x, Number(o[i])));
  }
  private mapElements(name: string, fn: (x: number, i: number) => number): this {
    // No autograd: PyTorch's apply_ and map_ are not differentiable either.
    if (typeof fn !== 'function') throw new TypeError(`${name}(): expected a function`);
    if (this.device.type !== 'cpu') throw new TypeError(`${name}() is only implemented on CPU tensors`);
    const data = this.contiguous().toTypedArray();
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = fn(Number(data[i]), i);
    if (!creation) throw new Error('torchnode: creation is not loaded');
    const values = creation.tensor(out, { dtype: this.dtype, device: this.device }).reshape(this.shape);
    no_grad_copy(this, values);
    values.dispose();
    return this;
  }
}

function uniqueResult(values: Tensor, inverse: Tensor, counts: Tensor, withInverse: boolean, withCounts: boolean): Tensor | Tensor[] {
  if (!withInverse) inverse.dispose();
  if (!withCounts) counts.dispose();
  if (!withInverse && !withCounts) return values;
  return [values, ...(withInverse ? [inverse] : []), ...(withCounts ? [counts] : [])];
}

// wrap() passes this to the constructor: anything else calling `new Tensor` is the legacy form.
const INTERNAL = Symbol('torchnode.wrap');

/**
 * @internal A Tensor object over a raw handle, not given to any scope: for tests that forge
 * objects from stale or foreign handles (`new Tensor(n)` is PyTorch's legacy constructor).
 */
export function tensorFromHandle(h: Handle): Tensor {
  return new Tensor(h, INTERNAL);
}

/**
 * @internal The arguments a Tensor subclass passes to super() to become a detached alias of
 * `data` (same storage, no autograd history), as torch.Tensor._make_subclass makes nn.Parameter.
 */
export function subclassAliasOf(data: unknown, name: string): unknown[] {
  return [call(op('detach').get(), hOf(data, name)), INTERNAL];
}
let legacyTensor: ((...args: unknown[]) => Tensor) | null = null;
/** @internal set by lib/legacy_constructors.ts */
export function setLegacyTensor(fn: (...args: unknown[]) => Tensor): void {
  legacyTensor = fn;
}

/** Set by lib/creation.ts: tensor() for new_tensor and the element maps. */
let creation: { tensor(data: unknown, options: object): Tensor } | null = null;
/** @internal Set by lib/creation.ts: tensor() for new_tensor and the element maps. */
export function setCreation(c: { tensor(data: unknown, options: object): Tensor }): void {
  creation = c;
}

function no_grad_copy(dst: Tensor, src: Tensor): void {
  const previous = native.setGradEnabled(false);
  try {
    dst.copy_(src);
  } finally {
    native.setGradEnabled(previous);
  }
}

const LEGACY_NAMES: Record<string, string> = {
  float32: 'FloatTensor', float64: 'DoubleTensor', float16: 'HalfTensor', bfloat16: 'BFloat16Tensor', uint8: 'ByteTensor',
  int8: 'CharTensor', int16: 'ShortTensor', int32: 'IntTensor', int64: 'LongTensor', bool: 'BoolTensor',
  complex64: 'ComplexFloatTensor', complex128: 'ComplexDoubleTensor',
};

/** 'torch.FloatTensor', 'torch.cuda.LongTensor'...: PyTorch's legacy type names, as x.type() and torch.typename give them. */
export function legacyTypeName(t: Tensor): string {
  const base = LEGACY_NAMES[t.dtype.name] ?? 'Tensor';
  return t.device.type === 'cuda' ? `torch.cuda.${base}` : `torch.${base}`;
}

export interface Tensor extends GeneratedTensorMethods {
  /** Iterating a tensor goes over its first dimension, as in Python: for (const row of t). A 0-d tensor is not iterable. */
  [Symbol.iterator](): IterableIterator<Tensor>;
  // Elementwise math with one tensor argument: UNARY and UNARY_INPLACE below.
  /**
   * The absolute value |x|, elementwise.
   *
   * @see [torch.Tensor.abs](https://pytorch.org/docs/stable/generated/torch.Tensor.abs.html)
   */
  abs(): Tensor;
  /**
   * The negation -x, elementwise.
   *
   * @see [torch.Tensor.neg](https://pytorch.org/docs/stable/generated/torch.Tensor.neg.html)
   */
  neg(): Tensor;
  /**
   * The negation -x (alias of `neg`), elementwise.
   *
   * @see [torch.Tensor.negative](https://pytorch.org/docs/stable/generated/torch.Tensor.negative.html)
   */
  negative(): Tensor;
  /**
   * The exponential e^x, elementwise.
   *
   * @see [torch.Tensor.exp](https://pytorch.org/docs/stable/generated/torch.Tensor.exp.html)
   */
  exp(): Tensor;
  /**
   * The base-2 exponential 2^x, elementwise.
   *
   * @see [torch.Tensor.exp2](https://pytorch.org/docs/stable/generated/torch.Tensor.exp2.html)
   */
  exp2(): Tensor;
  /**
   * The natural logarithm, elementwise.
   *
   * @see [torch.Tensor.log](https://pytorch.org/docs/stable/generated/torch.Tensor.log.html)
   */
  log(): Tensor;
  /**
   * The base-2 logarithm, elementwise.
   *
   * @see [torch.Tensor.log2](https://pytorch.org/docs/stable/generated/torch.Tensor.log2.html)
   */
  log2(): Tensor;
  /**
   * The base-10 logarithm, elementwise.
   *
   * @see [torch.Tensor.log10](https://pytorch.org/docs/stable/generated/torch.Tensor.log10.html)
   */
  log10(): Tensor;
  /**
   * Log(1 + x), accurate for small x, elementwise.
   *
   * @see [torch.Tensor.log1p](https://pytorch.org/docs/stable/generated/torch.Tensor.log1p.html)
   */
  log1p(): Tensor;
  /**
   * The value e^x - 1, accurate for small x, elementwise.
   *
   * @see [torch.Tensor.expm1](https://pytorch.org/docs/stable/generated/torch.Tensor.expm1.html)
   */
  expm1(): Tensor;
  /**
   * The square root, elementwise.
   *
   * @see [torch.Tensor.sqrt](https://pytorch.org/docs/stable/generated/torch.Tensor.sqrt.html)
   */
  sqrt(): Tensor;
  /**
   * The reciprocal square root 1 / sqrt(x), elementwise.
   *
   * @see [torch.Tensor.rsqrt](https://pytorch.org/docs/stable/generated/torch.Tensor.rsqrt.html)
   */
  rsqrt(): Tensor;
  /**
   * The square x², elementwise.
   *
   * @see [torch.Tensor.square](https://pytorch.org/docs/stable/generated/torch.Tensor.square.html)
   */
  square(): Tensor;
  /**
   * The sine, elementwise.
   *
   * @see [torch.Tensor.sin](https://pytorch.org/docs/stable/generated/torch.Tensor.sin.html)
   */
  sin(): Tensor;
  /**
   * The cosine, elementwise.
   *
   * @see [torch.Tensor.cos](https://pytorch.org/docs/stable/generated/torch.Tensor.cos.html)
   */
  cos(): Tensor;
  /**
   * The tangent, elementwise.
   *
   * @see [torch.Tensor.tan](https://pytorch.org/docs/stable/generated/torch.Tensor.tan.html)
   */
  tan(): Tensor;
  /**
   * The arcsine, elementwise.
   *
   * @see [torch.Tensor.asin](https://pytorch.org/docs/stable/generated/torch.Tensor.asin.html)
   */
  asin(): Tensor;
  /**
   * The arccosine, elementwise.
   *
   * @see [torch.Tensor.acos](https://pytorch.org/docs/stable/generated/torch.Tensor.acos.html)
   */
  acos(): Tensor;
  /**
   * The arctangent, elementwise.
   *
   * @see [torch.Tensor.atan](https://pytorch.org/docs/stable/generated/torch.Tensor.atan.html)
   */
  atan(): Tensor;
  /**
   * The hyperbolic sine, elementwise.
   *
   * @see [torch.Tensor.sinh](https://pytorch.org/docs/stable/generated/torch.Tensor.sinh.html)
   */
  sinh(): Tensor;
  /**
   * The hyperbolic cosine, elementwise.
   *
   * @see [torch.Tensor.cosh](https://pytorch.org/docs/stable/generated/torch.Tensor.cosh.html)
   */
  cosh(): Tensor;
  /**
   * The hyperbolic tangent, elementwise.
   *
   * @see [torch.Tensor.tanh](https://pytorch.org/docs/stable/generated/torch.Tensor.tanh.html)
   */
  tanh(): Tensor;
  /**
   * The logistic sigmoid 1 / (1 + e^-x), elementwise.
   *
   * @see [torch.Tensor.sigmoid](https://pytorch.org/docs/stable/generated/torch.Tensor.sigmoid.html)
   */
  sigmoid(): Tensor;
  /**
   * The error function, elementwise.
   *
   * @see [torch.Tensor.erf](https://pytorch.org/docs/stable/generated/torch.Tensor.erf.html)
   */
  erf(): Tensor;
  /**
   * The inverse error function, elementwise.
   *
   * @see [torch.Tensor.erfinv](https://pytorch.org/docs/stable/generated/torch.Tensor.erfinv.html)
   */
  erfinv(): Tensor;
  /**
   * The largest integer <= x, elementwise.
   *
   * @see [torch.Tensor.floor](https://pytorch.org/docs/stable/generated/torch.Tensor.floor.html)
   */
  floor(): Tensor;
  /**
   * The smallest integer >= x, elementwise.
   *
   * @see [torch.Tensor.ceil](https://pytorch.org/docs/stable/generated/torch.Tensor.ceil.html)
   */
  ceil(): Tensor;
  /**
   * X rounded to the nearest integer, halves to even (no `decimals` argument), elementwise.
   *
   * @see [torch.Tensor.round](https://pytorch.org/docs/stable/generated/torch.Tensor.round.html)
   */
  round(): Tensor;
  /**
   * X rounded toward zero, elementwise.
   *
   * @see [torch.Tensor.trunc](https://pytorch.org/docs/stable/generated/torch.Tensor.trunc.html)
   */
  trunc(): Tensor;
  /**
   * The fractional part x - trunc(x), elementwise.
   *
   * @see [torch.Tensor.frac](https://pytorch.org/docs/stable/generated/torch.Tensor.frac.html)
   */
  frac(): Tensor;
  /**
   * The sign (-1, 0 or 1), elementwise.
   *
   * @see [torch.Tensor.sign](https://pytorch.org/docs/stable/generated/torch.Tensor.sign.html)
   */
  sign(): Tensor;
  /**
   * The reciprocal 1 / x, elementwise.
   *
   * @see [torch.Tensor.reciprocal](https://pytorch.org/docs/stable/generated/torch.Tensor.reciprocal.html)
   */
  reciprocal(): Tensor;
  /**
   * Logical NOT (a bool tensor), elementwise.
   *
   * @see [torch.Tensor.logical_not](https://pytorch.org/docs/stable/generated/torch.Tensor.logical_not.html)
   */
  logical_not(): Tensor;
  /**
   * Bitwise NOT (logical NOT for bool), elementwise.
   *
   * @see [torch.Tensor.bitwise_not](https://pytorch.org/docs/stable/generated/torch.Tensor.bitwise_not.html)
   */
  bitwise_not(): Tensor;
  /**
   * Whether x is NaN (a bool tensor), elementwise.
   *
   * @see [torch.Tensor.isnan](https://pytorch.org/docs/stable/generated/torch.Tensor.isnan.html)
   */
  isnan(): Tensor;
  /**
   * Whether x is infinite (a bool tensor), elementwise.
   *
   * @see [torch.Tensor.isinf](https://pytorch.org/docs/stable/generated/torch.Tensor.isinf.html)
   */
  isinf(): Tensor;
  /**
   * Whether x is finite (a bool tensor), elementwise.
   *
   * @see [torch.Tensor.isfinite](https://pytorch.org/docs/stable/generated/torch.Tensor.isfinite.html)
   */
  isfinite(): Tensor;
  /**
   * In-place `abs`.
   *
   * @see [torch.Tensor.abs_](https://pytorch.org/docs/stable/generated/torch.Tensor.abs_.html)
   */
  abs_(): this;
  /**
   * In-place `neg`.
   *
   * @see [torch.Tensor.neg_](https://pytorch.org/docs/stable/generated/torch.Tensor.neg_.html)
   */
  neg_(): this;
  /**
   * In-place `exp`.
   *
   * @see [torch.Tensor.exp_](https://pytorch.org/docs/stable/generated/torch.Tensor.exp_.html)
   */
  exp_(): this;
  /**
   * In-place `log`.
   *
   * @see [torch.Tensor.log_](https://pytorch.org/docs/stable/generated/torch.Tensor.log_.html)
   */
  log_(): this;
  /**
   * In-place `log1p`.
   *
   * @see [torch.Tensor.log1p_](https://pytorch.org/docs/stable/generated/torch.Tensor.log1p_.html)
   */
  log1p_(): this;
  /**
   * In-place `sqrt`.
   *
   * @see [torch.Tensor.sqrt_](https://pytorch.org/docs/stable/generated/torch.Tensor.sqrt_.html)
   */
  sqrt_(): this;
  /**
   * In-place `rsqrt`.
   *
   * @see [torch.Tensor.rsqrt_](https://pytorch.org/docs/stable/generated/torch.Tensor.rsqrt_.html)
   */
  rsqrt_(): this;
  /**
   * In-place `square`.
   *
   * @see [torch.Tensor.square_](https://pytorch.org/docs/stable/generated/torch.Tensor.square_.html)
   */
  square_(): this;
  /**
   * In-place `sin`.
   *
   * @see [torch.Tensor.sin_](https://pytorch.org/docs/stable/generated/torch.Tensor.sin_.html)
   */
  sin_(): this;
  /**
   * In-place `cos`.
   *
   * @see [torch.Tensor.cos_](https://pytorch.org/docs/stable/generated/torch.Tensor.cos_.html)
   */
  cos_(): this;
  /**
   * In-place `tanh`.
   *
   * @see [torch.Tensor.tanh_](https://pytorch.org/docs/stable/generated/torch.Tensor.tanh_.html)
   */
  tanh_(): this;
  /**
   * In-place `sigmoid`.
   *
   * @see [torch.Tensor.sigmoid_](https://pytorch.org/docs/stable/generated/torch.Tensor.sigmoid_.html)
   */
  sigmoid_(): this;
  /**
   * In-place `relu`.
   *
   * @see [torch.Tensor.relu_](https://pytorch.org/docs/stable/generated/torch.Tensor.relu_.html)
   */
  relu_(): this;
  /**
   * In-place `floor`.
   *
   * @see [torch.Tensor.floor_](https://pytorch.org/docs/stable/generated/torch.Tensor.floor_.html)
   */
  floor_(): this;
  /**
   * In-place `ceil`.
   *
   * @see [torch.Tensor.ceil_](https://pytorch.org/docs/stable/generated/torch.Tensor.ceil_.html)
   */
  ceil_(): this;
  /**
   * In-place `round`.
   *
   * @see [torch.Tensor.round_](https://pytorch.org/docs/stable/generated/torch.Tensor.round_.html)
   */
  round_(): this;
  /**
   * In-place `trunc`.
   *
   * @see [torch.Tensor.trunc_](https://pytorch.org/docs/stable/generated/torch.Tensor.trunc_.html)
   */
  trunc_(): this;
  /**
   * In-place `sign`.
   *
   * @see [torch.Tensor.sign_](https://pytorch.org/docs/stable/generated/torch.Tensor.sign_.html)
   */
  sign_(): this;
  /**
   * In-place `reciprocal`.
   *
   * @see [torch.Tensor.reciprocal_](https://pytorch.org/docs/stable/generated/torch.Tensor.reciprocal_.html)
   */
  reciprocal_(): this;
  /**
   * In-place `erf`.
   *
   * @see [torch.Tensor.erf_](https://pytorch.org/docs/stable/generated/torch.Tensor.erf_.html)
   */
  erf_(): this;
  // A Tensor-or-number (or Tensor-only) second argument, broadcast: BINARY below.
  /**
   * Self == other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.eq](https://pytorch.org/docs/stable/generated/torch.Tensor.eq.html)
   */
  eq(other: TensorOrScalar): Tensor;
  /**
   * Self != other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.ne](https://pytorch.org/docs/stable/generated/torch.Tensor.ne.html)
   */
  ne(other: TensorOrScalar): Tensor;
  /**
   * Self < other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.lt](https://pytorch.org/docs/stable/generated/torch.Tensor.lt.html)
   */
  lt(other: TensorOrScalar): Tensor;
  /**
   * Self <= other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.le](https://pytorch.org/docs/stable/generated/torch.Tensor.le.html)
   */
  le(other: TensorOrScalar): Tensor;
  /**
   * Self > other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.gt](https://pytorch.org/docs/stable/generated/torch.Tensor.gt.html)
   */
  gt(other: TensorOrScalar): Tensor;
  /**
   * Self >= other elementwise, as a bool tensor.
   *
   * @see [torch.Tensor.ge](https://pytorch.org/docs/stable/generated/torch.Tensor.ge.html)
   */
  ge(other: TensorOrScalar): Tensor;
  /**
   * The remainder of self / other with the divisor's sign (Python's %).
   *
   * @see [torch.Tensor.remainder](https://pytorch.org/docs/stable/generated/torch.Tensor.remainder.html)
   */
  remainder(other: TensorOrScalar): Tensor;
  /**
   * The remainder of self / other with the dividend's sign (C's fmod).
   *
   * @see [torch.Tensor.fmod](https://pytorch.org/docs/stable/generated/torch.Tensor.fmod.html)
   */
  fmod(other: TensorOrScalar): Tensor;
  /**
   * Self / other rounded down.
   *
   * @see [torch.Tensor.floor_divide](https://pytorch.org/docs/stable/generated/torch.Tensor.floor_divide.html)
   */
  floor_divide(other: TensorOrScalar): Tensor;
  /**
   * Bitwise AND of integer or bool tensors.
   *
   * @see [torch.Tensor.bitwise_and](https://pytorch.org/docs/stable/generated/torch.Tensor.bitwise_and.html)
   */
  bitwise_and(other: TensorOrScalar): Tensor;
  /**
   * Bitwise OR of integer or bool tensors.
   *
   * @see [torch.Tensor.bitwise_or](https://pytorch.org/docs/stable/generated/torch.Tensor.bitwise_or.html)
   */
  bitwise_or(other: TensorOrScalar): Tensor;
  /**
   * Bitwise XOR of integer or bool tensors.
   *
   * @see [torch.Tensor.bitwise_xor](https://pytorch.org/docs/stable/generated/torch.Tensor.bitwise_xor.html)
   */
  bitwise_xor(other: TensorOrScalar): Tensor;
  /**
   * Logical AND, as a bool tensor. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.logical_and](https://pytorch.org/docs/stable/generated/torch.Tensor.logical_and.html)
   */
  logical_and(other: Tensor): Tensor;
  /**
   * Logical OR, as a bool tensor. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.logical_or](https://pytorch.org/docs/stable/generated/torch.Tensor.logical_or.html)
   */
  logical_or(other: Tensor): Tensor;
  /**
   * Logical XOR, as a bool tensor. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.logical_xor](https://pytorch.org/docs/stable/generated/torch.Tensor.logical_xor.html)
   */
  logical_xor(other: Tensor): Tensor;
  /**
   * The elementwise maximum (NaN propagates). `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.maximum](https://pytorch.org/docs/stable/generated/torch.Tensor.maximum.html)
   */
  maximum(other: Tensor): Tensor;
  /**
   * The elementwise minimum (NaN propagates). `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.minimum](https://pytorch.org/docs/stable/generated/torch.Tensor.minimum.html)
   */
  minimum(other: Tensor): Tensor;
  /**
   * The arctangent of self / other, in the quadrant of (other, self). `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.atan2](https://pytorch.org/docs/stable/generated/torch.Tensor.atan2.html)
   */
  atan2(other: Tensor): Tensor;
  /**
   * The elementwise maximum, ignoring NaN where the other value is a number. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.fmax](https://pytorch.org/docs/stable/generated/torch.Tensor.fmax.html)
   */
  fmax(other: Tensor): Tensor;
  /**
   * The elementwise minimum, ignoring NaN where the other value is a number. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.fmin](https://pytorch.org/docs/stable/generated/torch.Tensor.fmin.html)
   */
  fmin(other: Tensor): Tensor;
  /**
   * The outer product of two 1-d tensors. `other` must be a tensor: a number is a TypeError, as in PyTorch.
   *
   * @see [torch.Tensor.outer](https://pytorch.org/docs/stable/generated/torch.Tensor.outer.html)
   */
  outer(other: Tensor): Tensor;
  /**
   * In-place `eq` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.eq_](https://pytorch.org/docs/stable/generated/torch.Tensor.eq_.html)
   */
  eq_(other: TensorOrScalar): this;
  /**
   * In-place `ne` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.ne_](https://pytorch.org/docs/stable/generated/torch.Tensor.ne_.html)
   */
  ne_(other: TensorOrScalar): this;
  /**
   * In-place `lt` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.lt_](https://pytorch.org/docs/stable/generated/torch.Tensor.lt_.html)
   */
  lt_(other: TensorOrScalar): this;
  /**
   * In-place `le` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.le_](https://pytorch.org/docs/stable/generated/torch.Tensor.le_.html)
   */
  le_(other: TensorOrScalar): this;
  /**
   * In-place `gt` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.gt_](https://pytorch.org/docs/stable/generated/torch.Tensor.gt_.html)
   */
  gt_(other: TensorOrScalar): this;
  /**
   * In-place `ge` (the 0/1 result in this tensor's dtype).
   *
   * @see [torch.Tensor.ge_](https://pytorch.org/docs/stable/generated/torch.Tensor.ge_.html)
   */
  ge_(other: TensorOrScalar): this;
  /**
   * In-place `remainder`.
   *
   * @see [torch.Tensor.remainder_](https://pytorch.org/docs/stable/generated/torch.Tensor.remainder_.html)
   */
  remainder_(other: TensorOrScalar): this;
  /**
   * In-place `fmod`.
   *
   * @see [torch.Tensor.fmod_](https://pytorch.org/docs/stable/generated/torch.Tensor.fmod_.html)
   */
  fmod_(other: TensorOrScalar): this;
}

const UNARY = [
  'abs', 'neg', 'negative', 'exp', 'exp2', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'erf', 'erfinv', 'floor', 'ceil',
  'round', 'trunc', 'frac', 'sign', 'reciprocal', 'logical_not', 'bitwise_not', 'isnan', 'isinf', 'isfinite',
];
const UNARY_INPLACE = [
  'abs_', 'neg_', 'exp_', 'log_', 'log1p_', 'sqrt_', 'rsqrt_', 'square_', 'sin_', 'cos_', 'tanh_', 'sigmoid_',
  'relu_', 'floor_', 'ceil_', 'round_', 'trunc_', 'sign_', 'reciprocal_', 'erf_',
];
// name -> [Tensor overload, Scalar overload, or null where PyTorch takes only a Tensor (maximum(3) is a
// TypeError there: ATen's maximum, atan2, logical_and... have no Scalar overload)]
const BINARY: Record<string, [string, string | null]> = {
  eq: ['eq.Tensor', 'eq.Scalar'], ne: ['ne.Tensor', 'ne.Scalar'], lt: ['lt.Tensor', 'lt.Scalar'],
  le: ['le.Tensor', 'le.Scalar'], gt: ['gt.Tensor', 'gt.Scalar'], ge: ['ge.Tensor', 'ge.Scalar'],
  remainder: ['remainder.Tensor', 'remainder.Scalar'], fmod: ['fmod.Tensor', 'fmod.Scalar'],
  floor_divide: ['floor_divide', 'floor_divide.Scalar'],
  bitwise_and: ['bitwise_and.Tensor', 'bitwise_and.Scalar'], bitwise_or: ['bitwise_or.Tensor', 'bitwise_or.Scalar'],
  bitwise_xor: ['bitwise_xor.Tensor', 'bitwise_xor.Scalar'],
  logical_and: ['logical_and', null], logical_or: ['logical_or', null], logical_xor: ['logical_xor', null],
  maximum: ['maximum', null], minimum: ['minimum', null], atan2: ['atan2', null], fmax: ['fmax', null],
  fmin: ['fmin', null], outer: ['outer', null],
  eq_: ['eq_.Tensor', 'eq_.Scalar'], ne_: ['ne_.Tensor', 'ne_.Scalar'], lt_: ['lt_.Tensor', 'lt_.Scalar'],
  le_: ['le_.Tensor', 'le_.Scalar'], gt_: ['gt_.Tensor', 'gt_.Scalar'], ge_: ['ge_.Tensor', 'ge_.Scalar'],
  remainder_: ['remainder_.Tensor', 'remainder_.Scalar'], fmod_: ['fmod_.Tensor', 'fmod_.Scalar'],
};

const proto = Tensor.prototype as unknown as Record<string, unknown>;
for (const name of UNARY) {
  const o = op(name);
  proto[name] = function (this: Tensor): Tensor {
    return wrap(call(o.get(), this.h));
  };
}
for (const name of UNARY_INPLACE) {
  const o = op(name);
  proto[name] = function (this: Tensor): Tensor {
    call(o.get(), this.h);
    return this;
  };
}
for (const [name, [tOverload, sOverload]] of Object.entries(BINARY)) {
  const ot = op(tOverload);
  const os = sOverload ? op(sOverload) : null;
  const inplace = name.endsWith('_');
  proto[name] = function (this: Tensor, other: TensorOrScalar): Tensor {
    let r: Handle;
    if (other instanceof Tensor) r = call(ot.get(), this.h, other.h);
    else if (os) r = call(os.get(), this.h, scalarOf(other));
    else throw new TypeError(`${name}(): argument 'other' (position 1) must be Tensor, not ${describe(other)}`);
    return inplace ? this : wrap(r);
  };
}

// A 0-d tensor is not iterable (Python raises "iteration over a 0-d tensor"): a getter, so that
// code checking for an iterator before using one leaves it alone.
function* rows(this: Tensor): IterableIterator<Tensor> {
  yield* this.unbind(0);
}
Object.defineProperty(Tensor.prototype, Symbol.iterator, {
  get(this: Tensor) {
    // (Not on the prototype itself or a disposed tensor: those go on to fail where they are used.)
    return Tensor.isTensor(this) && this.h >= 0 && this.dim() === 0 ? undefined : rows;
  },
});

// Every other method PyTorch's Tensor has, from the schemas (lib/generated/tensor_methods.ts).
for (const name of GENERATED_TENSOR_METHODS) proto[name] = tensorMethod(name, TENSOR[name]);

// ---- shared helpers ---------------------------------------------------------------------------

const O = {
  // add, sub, mul and div take a number as Python does: the .Tensor overload with a wrapped
  // number (numberOp), never the .Scalar one.
  add_t: op('add.Tensor'), add_n: numberOp('add.Tensor', 1), add_t_: op('add_.Tensor'), add_n_: numberOp('add_.Tensor', 1),
  sub_t: op('sub.Tensor'), sub_n: numberOp('sub.Tensor', 1), sub_t_: op('sub_.Tensor'), sub_n_: numberOp('sub_.Tensor', 1),
  mul_t: op('mul.Tensor'), mul_n: numberOp('mul.Tensor', 1), mul_t_: op('mul_.Tensor'), mul_n_: numberOp('mul_.Tensor', 1),
  div_t: op('div.Tensor'), div_n: numberOp('div.Tensor', 1), div_tm: op('div.Tensor_mode'), div_nm: numberOp('div.Tensor_mode', 1),
  div_t_: op('div_.Tensor'), div_n_: numberOp('div_.Tensor', 1), div_tm_: op('div_.Tensor_mode'), div_nm_: numberOp('div_.Tensor_mode', 1),
  pow_tt: op('pow.Tensor_Tensor'), pow_ts: op('pow.Tensor_Scalar'), pow_t_: op('pow_.Tensor'), pow_s_: op('pow_.Scalar'),
  matmul: op('matmul'), mm: op('mm'), bmm: op('bmm'), dot: op('dot'), relu: op('relu'),
  clamp: op('clamp'), clamp_t: op('clamp.Tensor'), clamp_: op('clamp_'), clamp_t_: op('clamp_.Tensor'),
  where: op('where.self'), masked_fill_s: op('masked_fill.Scalar'), masked_fill_t: op('masked_fill.Tensor'),
  masked_fill_s_: op('masked_fill_.Scalar'), masked_fill_t_: op('masked_fill_.Tensor'),
  fill_s_: op('fill_.Scalar'), fill_t_: op('fill_.Tensor'), zero_: op('zero_'), copy_: op('copy_'),
  uniform_: op('uniform_'), normal_: op('normal_'), detach: op('detach'), detach_: op('detach_'),
  view: op('view'), reshape: op('reshape'), transpose: op('transpose.int'), unsqueeze: op('unsqueeze'),
  to: op('to.dtype_layout'), scalar_tensor: op('scalar_tensor'),
};

const DTYPE_BOOL = toDType('bool');
const DTYPE = {
  float32: toDType('float32'), float64: toDType('float64'), float16: toDType('float16'), bfloat16: toDType('bfloat16'),
  int64: toDType('int64'), int32: toDType('int32'), bool: DTYPE_BOOL, uint8: toDType('uint8'),
};

/**
 * True for a Tensor made by this library (a structured clone or look-alike object is not one).
 *
 * @see [torch.is_tensor](https://pytorch.org/docs/stable/generated/torch.is_tensor.html)
 */
export function isTensor(v: unknown): v is Tensor {
  return Tensor.isTensor(v);
}
setTensorCheck(isTensor);
setArgsTensorCheck(isTensor);

/** @internal Wraps a fresh handle and gives it to the current scope (or the GC). */
// The buffer asTypedArray() last shared per tensor, reused while it still spans the tensor's
// memory (native/tensor_data.cc says why). A WeakMap rather than a field: no cost to every tensor.
const sharedBuffers = new WeakMap<Tensor, ArrayBuffer>();

export function wrap(h: Handle): Tensor {
  const t = new Tensor(h, INTERNAL);
  adopt(t);
  return t;
}

/** @internal `wrap` for a handle that may be null. */
export function wrapMaybe(h: Handle | null): Tensor | null {
  return h === null || h === undefined ? null : wrap(h);
}

/** @internal `wrap` for every handle of a list. */
export function wrapList(hs: Handle[]): Tensor[] {
  return hs.map(wrap);
}

function valuesIndices(hs: [Handle, Handle]): ValuesIndices {
  return new ValuesIndices(wrap(hs[0]), wrap(hs[1]));
}

/** @internal The handle of a Tensor argument, or a TypeError naming the argument. */
export function hOf(x: unknown, name: string): Handle {
  if (Tensor.isTensor(x)) return x.h;
  throw new TypeError(`argument '${name}' must be a Tensor, not ${describe(x)}${notATensorHint(x)}`);
}

/** @internal Why an object that looks like a tensor is not one: a clone (postMessage, structuredClone). */
export function notATensorHint(x: unknown): string {
  if (typeof x !== 'object' || x === null || !('h' in x) || Tensor.isTensor(x)) return '';
  return ' (a copy of a tensor, e.g. from structuredClone or postMessage to a worker, is not a tensor: send its data with toTypedArray() and build a tensor on the other side)';
}

function hOfIndex(x: unknown): Handle {
  if (Tensor.isTensor(x)) return x.h;
  throw new TypeError(`index: expected an integer, a slice string, '...', null, a boolean, an array or a Tensor, got ${describe(x)}${notATensorHint(x)}`);
}

function optH(x: unknown): Handle | null {
  return x == null ? null : hOf(x, 'argument');
}

/** @internal The type of a value for error messages, as Python names it in TypeErrors. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Tensor.isTensor(x)) return 'Tensor';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

function scalarOf(x: unknown): Scalar {
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  throw new TypeError(`expected a Tensor or a number, got ${describe(x)}`);
}

/** @internal The dtype code of a dtype argument, or null when absent. */
export function optDtype(d: unknown): number | null {
  return d == null ? null : toDType(d as DTypeLike).code;
}

function isDtypeName(s: string): boolean {
  try {
    toDType(s);
    return true;
  } catch {
    return false;
  }
}

function requireDim(fname: string, dim: unknown): number {
  if (typeof dim !== 'number') throw new TypeError(`${fname}() missing required argument 'dim' (int)`);
  return dim;
}

function normDim(dim: number, ndim: number, fname: string): number {
  const d = dim < 0 ? dim + ndim : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= Math.max(ndim, 1)) {
    throw new RangeError(`${fname}(): Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  }
  return d;
}

/**
 * @internal Calls fn with a tensor handle for a Tensor-or-number argument. A number becomes a 0-dim
 * tensor, freed right after: integral numbers as int64, others in the default dtype, matching
 * how PyTorch promotes Python scalars.
 */
export function withTensor<R>(x: TensorOrScalar, like: Tensor, fn: (h: Handle) => R): R {
  if (x instanceof Tensor) return fn(x.h);
  const v = scalarOf(x);
  const dtype = typeof v === 'boolean' ? DTYPE_BOOL : Number.isInteger(v) ? int64 : get_default_dtype();
  const h: Handle = call(O.scalar_tensor.get(), v, dtype.code, null, native.device(like.h), null);
  try {
    return fn(h);
  } finally {
    native.dispose(h);
  }
}

export { Op };
