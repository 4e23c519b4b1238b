// torch.Tensor. A Tensor is a small JS object holding a handle into the native tensor table;
// every operator goes through the dispatcher path (ops.ts) by schema.
import { native, Handle } from './binding';
import { DType, DTypeLike, dtypeFromCode, toDType, get_default_dtype, TypedArray, int64 } from './dtype';
import { Device, DeviceLike, deviceArg } from './device';
import { adopt, setTensorCheck } from './memory';
import { op, call, Op } from './ops';
import { params, sizesArg, setArgsTensorCheck } from './args';
import { encodeIndices, IndexItem } from './indexing';
import { formatTensor } from './format';
import { tensorMethod } from './python_args';
import { GeneratedTensorMethods, GENERATED_TENSOR_METHODS } from './generated/tensor_methods';
import { TENSOR } from './generated/signatures';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
type Dims = number | number[];

/** The result of max(dim), min(dim), sort, topk...: named fields, and destructurable as [values, indices]. */
export class ValuesIndices {
  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {}
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

/** The autograd node that produced a tensor, for inspection. */
export class GradFn {
  constructor(private readonly fnName: string) {}
  name(): string {
    return this.fnName;
  }
  toString(): string {
    return `<${this.fnName} object>`;
  }
}

export class Tensor {
  // The handle into the native tensor table, -1 once disposed. Private, so only a Tensor made by
  // this module carries one: a structured clone ({h: 1}) or a look-alike object has none, and the
  // native side checks the handle itself (environment tag and slot generation).
  #h!: Handle;

  /**
   * `new torch.Tensor(data)` or `new torch.Tensor(2, 3)`: PyTorch's legacy constructor, a tensor of
   * the default dtype from data, or uninitialised of those sizes. torch.tensor() is the usual way.
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

  /** Frees the native tensor now. Using the tensor afterwards is an error. */
  dispose(): void {
    if (this.#h >= 0) {
      native.dispose(this.#h);
      this.#h = -1;
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  get is_disposed(): boolean {
    return this.h < 0;
  }

  // ---- metadata -----------------------------------------------------------------------------

  get shape(): number[] {
    return native.shape(this.h);
  }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = native.shape(this.h);
    if (dim === undefined) return s;
    return s[normDim(dim, s.length, 'size')];
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const s = native.strides(this.h);
    return dim === undefined ? s : s[normDim(dim, s.length, 'stride')];
  }
  dim(): number {
    return native.dim(this.h);
  }
  get ndim(): number {
    return native.dim(this.h);
  }
  numel(): number {
    return native.numel(this.h);
  }
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.h));
  }
  get device(): Device {
    return new Device(native.device(this.h));
  }
  get is_cuda(): boolean {
    return native.device(this.h).startsWith('cuda');
  }
  is_contiguous(): boolean {
    return native.isContiguous(this.h);
  }
  is_floating_point(): boolean {
    return this.dtype.is_floating_point;
  }
  element_size(): number {
    return this.dtype.itemsize;
  }

  // ---- export -------------------------------------------------------------------------------

  /**
   * A copy of the elements in a TypedArray (BigInt64Array for int64, Uint8Array for bool,
   * Float32Array for float16/bfloat16), from any device. With `out`, the elements are copied
   * into that array (of that type and numel() long) and it is returned: in a loop, reusing one
   * array avoids fresh memory for every copy, which the GC only reclaims later.
   */
  toTypedArray<T extends TypedArray = TypedArray>(out?: T): T {
    if (out === undefined) return new this.dtype.arrayType(native.toBuffer(this.h)) as T;
    const ctor = this.dtype.arrayType;
    if (!(out instanceof ctor)) {
      throw new TypeError(`toTypedArray(out): a ${this.dtype} tensor needs a ${ctor.name}, got ${describe(out)}`);
    }
    const n = this.numel();
    if (out.length !== n) throw new RangeError(`toTypedArray(out): the tensor has ${n} elements but out has ${out.length}`);
    native.copyInto(this.h, out);
    return out;
  }
  /** The value of a one-element tensor. */
  item(): number | boolean {
    return native.item(this.h);
  }
  /** Nested arrays of numbers (or booleans), like PyTorch's tolist(). */
  tolist(): any {
    const data = this.toTypedArray();
    const isBool = this.dtype === DTYPE_BOOL;
    const flat: (number | boolean)[] = Array.from(data as ArrayLike<number | bigint>, (v) =>
      isBool ? v !== 0 : Number(v),
    );
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let pos = 0;
    const build = (d: number): unknown[] => {
      const out = new Array(shape[d]);
      for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? flat[pos++] : build(d + 1);
      return out;
    };
    return build(0);
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.h < 0 ? 'tensor(<disposed>)' : formatTensor(this);
  }

  // ---- autograd -----------------------------------------------------------------------------

  get requires_grad(): boolean {
    return native.requiresGrad(this.h);
  }
  set requires_grad(v: boolean) {
    native.setRequiresGrad(this.h, v);
  }
  requires_grad_(requires_grad = true): this {
    native.setRequiresGrad(this.h, requires_grad);
    return this;
  }
  get grad(): Tensor | null {
    return wrapMaybe(native.getGrad(this.h));
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.h, g === null || g === undefined ? null : hOf(g, 'grad'));
  }
  get is_leaf(): boolean {
    return native.isLeaf(this.h);
  }
  get grad_fn(): GradFn | null {
    const n = native.gradFnName(this.h);
    return n === null ? null : new GradFn(n);
  }
  retain_grad(): void {
    native.retainGrad(this.h);
  }
  /** backward(gradient?, { retain_graph, create_graph, inputs }) */
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
  detach(): Tensor {
    return wrap(call(O.detach.get(), this.h));
  }
  detach_(): this {
    call(O.detach_.get(), this.h);
    return this;
  }
  /** The tensor's data without autograd history (PyTorch's x.data). */
  get data(): Tensor {
    return this.detach();
  }
  /** x.data = y: x takes y's storage, dtype and device in place, the JS object kept (Module.to() moves parameters so). */
  set data(value: Tensor) {
    native.setData(this.h, hOf(value, 'data'));
  }

  // ---- arithmetic (hot paths written out) ---------------------------------------------------

  add(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    if (options === undefined) {
      if (other instanceof Tensor) return wrap(call(O.add_t.get(), this.h, other.h));
      return wrap(call(O.add_s.get(), this.h, scalarOf(other)));
    }
    const alpha = options.alpha;
    if (other instanceof Tensor) return wrap(call(O.add_t.get(), this.h, other.h, alpha));
    return wrap(call(O.add_s.get(), this.h, scalarOf(other), alpha));
  }
  add_(other: TensorOrScalar, options?: { alpha?: number }): this {
    const alpha = options?.alpha;
    if (other instanceof Tensor) call(O.add_t_.get(), this.h, other.h, alpha);
    else call(O.add_s_.get(), this.h, scalarOf(other), alpha);
    return this;
  }
  sub(other: TensorOrScalar, options?: { alpha?: number }): Tensor {
    const alpha = options?.alpha;
    if (other instanceof Tensor) return wrap(call(O.sub_t.get(), this.h, other.h, alpha));
    return wrap(call(O.sub_s.get(), this.h, scalarOf(other), alpha));
  }
  sub_(other: TensorOrScalar, options?: { alpha?: number }): this {
    const alpha = options?.alpha;
    if (other instanceof Tensor) call(O.sub_t_.get(), this.h, other.h, alpha);
    else call(O.sub_s_.get(), this.h, scalarOf(other), alpha);
    return this;
  }
  mul(other: TensorOrScalar): Tensor {
    if (other instanceof Tensor) return wrap(call(O.mul_t.get(), this.h, other.h));
    return wrap(call(O.mul_s.get(), this.h, scalarOf(other)));
  }
  mul_(other: TensorOrScalar): this {
    if (other instanceof Tensor) call(O.mul_t_.get(), this.h, other.h);
    else call(O.mul_s_.get(), this.h, scalarOf(other));
    return this;
  }
  /** div(other, { rounding_mode: 'trunc' | 'floor' }) */
  div(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): Tensor {
    const mode = options?.rounding_mode;
    if (mode == null) {
      if (other instanceof Tensor) return wrap(call(O.div_t.get(), this.h, other.h));
      return wrap(call(O.div_s.get(), this.h, scalarOf(other)));
    }
    if (other instanceof Tensor) return wrap(call(O.div_tm.get(), this.h, other.h, mode));
    return wrap(call(O.div_sm.get(), this.h, scalarOf(other), mode));
  }
  div_(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): this {
    const mode = options?.rounding_mode;
    // Without a mode the plain overloads take two arguments: passing `undefined` as a third
    // would be an argument too many.
    if (other instanceof Tensor) {
      if (mode == null) call(O.div_t_.get(), this.h, other.h);
      else call(O.div_tm_.get(), this.h, other.h, mode);
    } else if (mode == null) call(O.div_s_.get(), this.h, scalarOf(other));
    else call(O.div_sm_.get(), this.h, scalarOf(other), mode);
    return this;
  }
  true_divide(other: TensorOrScalar): Tensor {
    return this.div(other);
  }
  pow(exponent: TensorOrScalar): Tensor {
    if (exponent instanceof Tensor) return wrap(call(O.pow_tt.get(), this.h, exponent.h));
    return wrap(call(O.pow_ts.get(), this.h, scalarOf(exponent)));
  }
  pow_(exponent: TensorOrScalar): this {
    if (exponent instanceof Tensor) call(O.pow_t_.get(), this.h, exponent.h);
    else call(O.pow_s_.get(), this.h, scalarOf(exponent));
    return this;
  }
  matmul(other: Tensor): Tensor {
    return wrap(call(O.matmul.get(), this.h, hOf(other, 'other')));
  }
  mm(mat2: Tensor): Tensor {
    return wrap(call(O.mm.get(), this.h, hOf(mat2, 'mat2')));
  }
  bmm(mat2: Tensor): Tensor {
    return wrap(call(O.bmm.get(), this.h, hOf(mat2, 'mat2')));
  }
  dot(other: Tensor): Tensor {
    return wrap(call(O.dot.get(), this.h, hOf(other, 'other')));
  }
  relu(): Tensor {
    return wrap(call(O.relu.get(), this.h));
  }
  /** clamp(min?, max?) with numbers or tensors; clip is the same. */
  clamp(...args: unknown[]): Tensor {
    const [min, max] = params('clamp', args, ['min', 'max']);
    if (min instanceof Tensor || max instanceof Tensor) {
      return wrap(call(O.clamp_t.get(), this.h, optH(min), optH(max)));
    }
    return wrap(call(O.clamp.get(), this.h, min ?? null, max ?? null));
  }
  clamp_(...args: unknown[]): this {
    const [min, max] = params('clamp_', args, ['min', 'max']);
    if (min instanceof Tensor || max instanceof Tensor) call(O.clamp_t_.get(), this.h, optH(min), optH(max));
    else call(O.clamp_.get(), this.h, min ?? null, max ?? null);
    return this;
  }
  clip(...args: unknown[]): Tensor {
    return this.clamp(...args);
  }
  /** x.where(condition, y): elements of x where condition holds, else of y. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return withTensor(other, this, (oh) => wrap(call(O.where.get(), hOf(condition, 'condition'), this.h, oh)));
  }
  masked_fill(mask: Tensor, value: TensorOrScalar): Tensor {
    if (value instanceof Tensor) return wrap(call(O.masked_fill_t.get(), this.h, hOf(mask, 'mask'), value.h));
    return wrap(call(O.masked_fill_s.get(), this.h, hOf(mask, 'mask'), scalarOf(value)));
  }
  masked_fill_(mask: Tensor, value: TensorOrScalar): this {
    if (value instanceof Tensor) call(O.masked_fill_t_.get(), this.h, hOf(mask, 'mask'), value.h);
    else call(O.masked_fill_s_.get(), this.h, hOf(mask, 'mask'), scalarOf(value));
    return this;
  }
  fill_(value: TensorOrScalar): this {
    if (value instanceof Tensor) call(O.fill_t_.get(), this.h, value.h);
    else call(O.fill_s_.get(), this.h, scalarOf(value));
    return this;
  }
  zero_(): this {
    call(O.zero_.get(), this.h);
    return this;
  }
  copy_(src: Tensor, options?: { non_blocking?: boolean }): this {
    call(O.copy_.get(), this.h, hOf(src, 'src'), options?.non_blocking ?? false);
    return this;
  }
  uniform_(from = 0, to = 1): this {
    call(O.uniform_.get(), this.h, from, to);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    call(O.normal_.get(), this.h, mean, std);
    return this;
  }
  /** self + value * tensor1 * tensor2 */
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return wrap(call(op('addcmul').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value));
  }
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    call(op('addcmul_').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value);
    return this;
  }
  /** self + value * tensor1 / tensor2 */
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return wrap(call(op('addcdiv').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value));
  }
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    call(op('addcdiv_').get(), this.h, hOf(tensor1, 'tensor1'), hOf(tensor2, 'tensor2'), options?.value);
    return this;
  }
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    if (weight instanceof Tensor) call(op('lerp_.Tensor').get(), this.h, hOf(end, 'end'), weight.h);
    else call(op('lerp_.Scalar').get(), this.h, hOf(end, 'end'), weight);
    return this;
  }
  maximum_(other: Tensor): this {
    call(op('maximum.out').get(), this.h, hOf(other, 'other'), this.h);
    return this;
  }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    if (weight instanceof Tensor) return wrap(call(op('lerp.Tensor').get(), this.h, hOf(end, 'end'), weight.h));
    return wrap(call(op('lerp.Scalar').get(), this.h, hOf(end, 'end'), weight));
  }

  // ---- comparison ---------------------------------------------------------------------------

  /** True when both tensors have the same size and elements. */
  equal(other: Tensor): boolean {
    return call(op('equal').get(), this.h, hOf(other, 'other')) as boolean;
  }
  allclose(other: Tensor, ...args: unknown[]): boolean {
    const [rtol, atol, equal_nan] = params('allclose', args, ['rtol', 'atol', 'equal_nan']);
    return call(op('allclose').get(), this.h, hOf(other, 'other'), rtol, atol, equal_nan) as boolean;
  }
  isclose(other: Tensor, ...args: unknown[]): Tensor {
    const [rtol, atol, equal_nan] = params('isclose', args, ['rtol', 'atol', 'equal_nan']);
    return wrap(call(op('isclose').get(), this.h, hOf(other, 'other'), rtol, atol, equal_nan));
  }

  // ---- reductions ---------------------------------------------------------------------------

  /** sum(), sum(dim, keepdim?, { dtype }) */
  sum(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('sum', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('sum').get(), this.h, optDtype(dtype)));
    return wrap(call(op('sum.dim_IntList').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  mean(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('mean', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('mean').get(), this.h, optDtype(dtype)));
    return wrap(call(op('mean.dim').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  nansum(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('nansum', args, ['dim', 'keepdim', 'dtype']);
    return wrap(call(op('nansum').get(), this.h, dim ?? [], keepdim ?? false, optDtype(dtype)));
  }
  prod(...args: unknown[]): Tensor {
    const [dim, keepdim, dtype] = params('prod', args, ['dim', 'keepdim', 'dtype']);
    if (dim == null) return wrap(call(op('prod').get(), this.h, optDtype(dtype)));
    return wrap(call(op('prod.dim_int').get(), this.h, dim, keepdim ?? false, optDtype(dtype)));
  }
  /** max() -> Tensor; max(dim, keepdim?) -> { values, indices }; max(other) -> maximum */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean | { keepdim?: boolean }): ValuesIndices;
  max(options: { dim: number; keepdim?: boolean }): ValuesIndices;
  max(...args: unknown[]): Tensor | ValuesIndices {
    return this.extreme('max', 'maximum', args);
  }
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
  amax(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('amax', args, ['dim', 'keepdim']);
    return wrap(call(op('amax').get(), this.h, dim ?? [], keepdim ?? false));
  }
  amin(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('amin', args, ['dim', 'keepdim']);
    return wrap(call(op('amin').get(), this.h, dim ?? [], keepdim ?? false));
  }
  argmax(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('argmax', args, ['dim', 'keepdim']);
    return wrap(call(op('argmax').get(), this.h, dim ?? null, keepdim ?? false));
  }
  argmin(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('argmin', args, ['dim', 'keepdim']);
    return wrap(call(op('argmin').get(), this.h, dim ?? null, keepdim ?? false));
  }
  /** std(dim?, { unbiased = true, correction, keepdim }) */
  std(...args: unknown[]): Tensor {
    return this.spread('std', args);
  }
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
  /** norm(p = 'fro', dim?, keepdim?) */
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
  softmax(...args: unknown[]): Tensor {
    const [dim, dtype] = params('softmax', args, ['dim', 'dtype']);
    return wrap(call(op('softmax.int').get(), this.h, requireDim('softmax', dim), optDtype(dtype)));
  }
  log_softmax(...args: unknown[]): Tensor {
    const [dim, dtype] = params('log_softmax', args, ['dim', 'dtype']);
    return wrap(call(op('log_softmax.int').get(), this.h, requireDim('log_softmax', dim), optDtype(dtype)));
  }
  cumsum(...args: unknown[]): Tensor {
    const [dim, dtype] = params('cumsum', args, ['dim', 'dtype']);
    return wrap(call(op('cumsum').get(), this.h, requireDim('cumsum', dim), optDtype(dtype)));
  }
  cumprod(...args: unknown[]): Tensor {
    const [dim, dtype] = params('cumprod', args, ['dim', 'dtype']);
    return wrap(call(op('cumprod').get(), this.h, requireDim('cumprod', dim), optDtype(dtype)));
  }
  logsumexp(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('logsumexp', args, ['dim', 'keepdim']);
    return wrap(call(op('logsumexp').get(), this.h, requireDim('logsumexp', dim), keepdim ?? false));
  }
  all(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('all', args, ['dim', 'keepdim']);
    if (dim == null) return wrap(call(op('all').get(), this.h));
    return wrap(call(op('all.dim').get(), this.h, dim, keepdim ?? false));
  }
  any(...args: unknown[]): Tensor {
    const [dim, keepdim] = params('any', args, ['dim', 'keepdim']);
    if (dim == null) return wrap(call(op('any').get(), this.h));
    return wrap(call(op('any.dim').get(), this.h, dim, keepdim ?? false));
  }
  sort(...args: unknown[]): ValuesIndices {
    const [dim, descending, stable] = params('sort', args, ['dim', 'descending', 'stable']);
    return valuesIndices(call(op('sort.stable').get(), this.h, stable ?? false, dim ?? -1, descending ?? false));
  }
  argsort(...args: unknown[]): Tensor {
    const [dim, descending] = params('argsort', args, ['dim', 'descending']);
    return wrap(call(op('argsort').get(), this.h, dim ?? -1, descending ?? false));
  }
  topk(k: number, ...args: unknown[]): ValuesIndices {
    const [dim, largest, sorted] = params('topk', args, ['dim', 'largest', 'sorted']);
    return valuesIndices(call(op('topk').get(), this.h, k, dim ?? -1, largest ?? true, sorted ?? true));
  }

  // ---- shape --------------------------------------------------------------------------------

  view(...shape: (number | number[])[]): Tensor {
    return wrap(call(O.view.get(), this.h, sizesArg('view', shape)));
  }
  reshape(...shape: (number | number[])[]): Tensor {
    return wrap(call(O.reshape.get(), this.h, sizesArg('reshape', shape)));
  }
  view_as(other: Tensor): Tensor {
    return this.view(other.shape);
  }
  reshape_as(other: Tensor): Tensor {
    return this.reshape(other.shape);
  }
  expand(...sizes: (number | number[])[]): Tensor {
    return wrap(call(op('expand').get(), this.h, sizesArg('expand', sizes)));
  }
  expand_as(other: Tensor): Tensor {
    return wrap(call(op('expand_as').get(), this.h, hOf(other, 'other')));
  }
  repeat(...sizes: (number | number[])[]): Tensor {
    return wrap(call(op('repeat').get(), this.h, sizesArg('repeat', sizes)));
  }
  permute(...dims: (number | number[])[]): Tensor {
    return wrap(call(op('permute').get(), this.h, sizesArg('permute', dims)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(call(O.transpose.get(), this.h, dim0, dim1));
  }
  transpose_(dim0: number, dim1: number): this {
    call(op('transpose_').get(), this.h, dim0, dim1);
    return this;
  }
  t(): Tensor {
    return wrap(call(op('t').get(), this.h));
  }
  get T(): Tensor {
    return this.dim() < 2 ? this.detachView() : this.permute([...Array(this.dim()).keys()].reverse());
  }
  private detachView(): Tensor {
    return wrap(call(op('alias').get(), this.h));
  }
  movedim(source: Dims, destination: Dims): Tensor {
    return wrap(call(op('movedim.intlist').get(), this.h, source, destination));
  }
  squeeze(dim?: number): Tensor {
    if (dim === undefined) return wrap(call(op('squeeze').get(), this.h));
    return wrap(call(op('squeeze.dim').get(), this.h, dim));
  }
  squeeze_(dim?: number): this {
    if (dim === undefined) call(op('squeeze_').get(), this.h);
    else call(op('squeeze_.dim').get(), this.h, dim);
    return this;
  }
  unsqueeze(dim: number): Tensor {
    return wrap(call(O.unsqueeze.get(), this.h, dim));
  }
  unsqueeze_(dim: number): this {
    call(op('unsqueeze_').get(), this.h, dim);
    return this;
  }
  flatten(...args: unknown[]): Tensor {
    const [start_dim, end_dim] = params('flatten', args, ['start_dim', 'end_dim']);
    return wrap(call(op('flatten.using_ints').get(), this.h, start_dim ?? 0, end_dim ?? -1));
  }
  unflatten(dim: number, sizes: number[]): Tensor {
    return wrap(call(op('unflatten.int').get(), this.h, dim, sizes));
  }
  contiguous(): Tensor {
    return wrap(call(op('contiguous').get(), this.h));
  }
  split(split_size_or_sections: number | number[], dim = 0): Tensor[] {
    if (Array.isArray(split_size_or_sections)) return wrapList(call(op('split_with_sizes').get(), this.h, split_size_or_sections, dim));
    return wrapList(call(op('split.Tensor').get(), this.h, split_size_or_sections, dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(call(op('chunk').get(), this.h, chunks, dim));
  }
  unbind(dim = 0): Tensor[] {
    return wrapList(call(op('unbind.int').get(), this.h, dim));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(call(op('narrow').get(), this.h, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return wrap(call(op('select.int').get(), this.h, dim, index));
  }
  flip(...dims: (number | number[])[]): Tensor {
    return wrap(call(op('flip').get(), this.h, sizesArg('flip', dims)));
  }
  roll(shifts: Dims, dims?: Dims): Tensor {
    return wrap(call(op('roll').get(), this.h, shifts, dims ?? []));
  }
  tril(diagonal = 0): Tensor {
    return wrap(call(op('tril').get(), this.h, diagonal));
  }
  triu(diagonal = 0): Tensor {
    return wrap(call(op('triu').get(), this.h, diagonal));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(call(op('gather').get(), this.h, dim, hOf(index, 'index')));
  }
  /** scatter(dim, index, src | value) */
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    if (src instanceof Tensor) return wrap(call(op('scatter.src').get(), this.h, dim, hOf(index, 'index'), src.h));
    return wrap(call(op('scatter.value').get(), this.h, dim, hOf(index, 'index'), scalarOf(src)));
  }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this {
    if (src instanceof Tensor) call(op('scatter_.src').get(), this.h, dim, hOf(index, 'index'), src.h);
    else call(op('scatter_.value').get(), this.h, dim, hOf(index, 'index'), scalarOf(src));
    return this;
  }
  scatter_add(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(call(op('scatter_add').get(), this.h, dim, hOf(index, 'index'), hOf(src, 'src')));
  }
  scatter_add_(dim: number, index: Tensor, src: Tensor): this {
    call(op('scatter_add_').get(), this.h, dim, hOf(index, 'index'), hOf(src, 'src'));
    return this;
  }
  index_select(dim: number, index: Tensor): Tensor {
    return wrap(call(op('index_select').get(), this.h, dim, hOf(index, 'index')));
  }
  masked_select(mask: Tensor): Tensor {
    return wrap(call(op('masked_select').get(), this.h, hOf(mask, 'mask')));
  }
  /** nonzero() gives the indices of the non-zero elements, one row each; nonzero({ as_tuple: true }) one index tensor per dimension. */
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
   * unique(sorted=true, return_inverse=false, return_counts=false, dim=null), as torch.unique:
   * the unique values alone, or [values, inverse?, counts?] when either flag is set.
   */
  unique(...args: unknown[]): Tensor | Tensor[] {
    const [sorted = true, return_inverse = false, return_counts = false, dim = null] = params('unique', args,
      ['sorted', 'return_inverse', 'return_counts', 'dim']);
    const [values, inverse, counts] = dim == null
      ? wrapList(call(op('_unique2').get(), this.h, Boolean(sorted), Boolean(return_inverse), Boolean(return_counts)))
      : wrapList(call(op('unique_dim').get(), this.h, dim, Boolean(sorted), Boolean(return_inverse), Boolean(return_counts)));
    return uniqueResult(values, inverse, counts, Boolean(return_inverse), Boolean(return_counts));
  }
  /** unique_consecutive(return_inverse=false, return_counts=false, dim=null): collapses runs of equal values. */
  unique_consecutive(...args: unknown[]): Tensor | Tensor[] {
    const [return_inverse = false, return_counts = false, dim = null] = params('unique_consecutive', args,
      ['return_inverse', 'return_counts', 'dim']);
    const [values, inverse, counts] = wrapList(call(op('unique_consecutive').get(), this.h, Boolean(return_inverse), Boolean(return_counts), dim));
    return uniqueResult(values, inverse, counts, Boolean(return_inverse), Boolean(return_counts));
  }

  // ---- indexing -----------------------------------------------------------------------------

  /**
   * Python indexing: x.index(':', -1, ':') is x[:, -1, :]. Items: integers, slice strings
   * ('1:5:2', ':', '::2'), '...', null (new axis), booleans, integer arrays and tensors.
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
   * x.index_put_([':', 0], value) is x[:, 0] = value. With tensors alone as indices this is
   * PyTorch's index_put_(indices, values, accumulate).
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

  /** to(dtype), to(device), to(device, dtype), to(other), to({ dtype, device, non_blocking, copy }) */
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
  /** type(dtype) converts; type() with no argument is the legacy type name, 'torch.FloatTensor'. */
  type(): string;
  type(dtype: DTypeLike): Tensor;
  type(dtype?: DTypeLike): Tensor | string {
    if (dtype === undefined) return legacyTypeName(this);
    return this.to(toDType(dtype));
  }
  float(): Tensor {
    return this.to(DTYPE.float32);
  }
  double(): Tensor {
    return this.to(DTYPE.float64);
  }
  half(): Tensor {
    return this.to(DTYPE.float16);
  }
  bfloat16(): Tensor {
    return this.to(DTYPE.bfloat16);
  }
  long(): Tensor {
    return this.to(DTYPE.int64);
  }
  int(): Tensor {
    return this.to(DTYPE.int32);
  }
  bool(): Tensor {
    return this.to(DTYPE.bool);
  }
  byte(): Tensor {
    return this.to(DTYPE.uint8);
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(device?: number | DeviceLike): Tensor {
    return this.to(typeof device === 'number' ? `cuda:${device}` : device ?? 'cuda');
  }
  clone(): Tensor {
    return wrap(call(op('clone').get(), this.h));
  }

  // ---- the Tensor methods PyTorch writes in Python (torch/_tensor.py) or binds by hand ---------

  char(): Tensor {
    return this.to(toDType('int8'));
  }
  short(): Tensor {
    return this.to(toDType('int16'));
  }
  cfloat(): Tensor {
    return this.to(toDType('complex64'));
  }
  cdouble(): Tensor {
    return this.to(toDType('complex128'));
  }
  ndimension(): number {
    return this.dim();
  }
  nelement(): number {
    return this.numel();
  }
  /** The CUDA device index, or -1 for a CPU tensor. */
  get_device(): number {
    const d = this.device;
    return d.type === 'cpu' ? -1 : d.index ?? 0;
  }
  /** The dimensions from outermost to innermost in memory: [0, 1, 2, 3] for a contiguous 4-d tensor. */
  dim_order(): number[] {
    const strides = this.stride();
    // A stable sort by decreasing stride, as torch.Tensor.dim_order breaks ties by position.
    return strides.map((_, i) => i).sort((a, b) => strides[b] - strides[a] || a - b);
  }
  /** new_tensor(data, { dtype, device, requires_grad }): a new tensor from data, of this tensor's dtype and device by default. */
  new_tensor(data: unknown, options: { dtype?: DTypeLike; device?: DeviceLike; requires_grad?: boolean } = {}): Tensor {
    if (!creation) throw new Error('torchnode: creation is not loaded');
    return creation.tensor(data, { dtype: options.dtype ?? this.dtype, device: options.device ?? this.device, requires_grad: options.requires_grad });
  }
  /**
   * apply_(fn): replaces each element x with fn(x), in place; CPU tensors only, as in PyTorch
   * (a JS call per element: slow, for tests and small tensors).
   */
  apply_(fn: (x: number) => number): this {
    return this.mapElements('apply_', (x) => fn(x));
  }
  /** map_(other, fn): self[i] = fn(self[i], other[i]) with other broadcast to this shape, in place; CPU only. */
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
    const values = creation.tensor(out, { dtype: this.dtype }).reshape(this.shape);
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
/** @internal */
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
  /** Iterating a tensor goes over its first dimension, as in Python: for (const row of t). */
  [Symbol.iterator](): IterableIterator<Tensor>;
  // Generated below from UNARY: elementwise math with one tensor argument.
  abs(): Tensor; neg(): Tensor; negative(): Tensor; exp(): Tensor; exp2(): Tensor; log(): Tensor; log2(): Tensor;
  log10(): Tensor; log1p(): Tensor; expm1(): Tensor; sqrt(): Tensor; rsqrt(): Tensor; square(): Tensor;
  sin(): Tensor; cos(): Tensor; tan(): Tensor; asin(): Tensor; acos(): Tensor; atan(): Tensor; sinh(): Tensor;
  cosh(): Tensor; tanh(): Tensor; sigmoid(): Tensor; erf(): Tensor; erfinv(): Tensor; floor(): Tensor;
  ceil(): Tensor; round(): Tensor; trunc(): Tensor; frac(): Tensor; sign(): Tensor; reciprocal(): Tensor;
  logical_not(): Tensor; bitwise_not(): Tensor; isnan(): Tensor; isinf(): Tensor; isfinite(): Tensor;
  abs_(): this; neg_(): this; exp_(): this; log_(): this; log1p_(): this; sqrt_(): this; rsqrt_(): this;
  square_(): this; sin_(): this; cos_(): this; tanh_(): this; sigmoid_(): this; relu_(): this; floor_(): this;
  ceil_(): this; round_(): this; trunc_(): this; sign_(): this; reciprocal_(): this; erf_(): this;
  // Generated below from BINARY: Tensor-or-number second argument.
  eq(other: TensorOrScalar): Tensor; ne(other: TensorOrScalar): Tensor; lt(other: TensorOrScalar): Tensor;
  le(other: TensorOrScalar): Tensor; gt(other: TensorOrScalar): Tensor; ge(other: TensorOrScalar): Tensor;
  remainder(other: TensorOrScalar): Tensor; fmod(other: TensorOrScalar): Tensor;
  floor_divide(other: TensorOrScalar): Tensor; bitwise_and(other: TensorOrScalar): Tensor;
  bitwise_or(other: TensorOrScalar): Tensor; bitwise_xor(other: TensorOrScalar): Tensor;
  logical_and(other: Tensor): Tensor; logical_or(other: Tensor): Tensor;
  logical_xor(other: Tensor): Tensor; maximum(other: Tensor): Tensor;
  minimum(other: Tensor): Tensor; atan2(other: Tensor): Tensor; fmax(other: Tensor): Tensor;
  fmin(other: Tensor): Tensor; outer(other: Tensor): Tensor;
  eq_(other: TensorOrScalar): this; ne_(other: TensorOrScalar): this; lt_(other: TensorOrScalar): this;
  le_(other: TensorOrScalar): this; gt_(other: TensorOrScalar): this; ge_(other: TensorOrScalar): this;
  remainder_(other: TensorOrScalar): this; fmod_(other: TensorOrScalar): this;
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
  add_t: op('add.Tensor'), add_s: op('add.Scalar'), add_t_: op('add_.Tensor'), add_s_: op('add_.Scalar'),
  sub_t: op('sub.Tensor'), sub_s: op('sub.Scalar'), sub_t_: op('sub_.Tensor'), sub_s_: op('sub_.Scalar'),
  mul_t: op('mul.Tensor'), mul_s: op('mul.Scalar'), mul_t_: op('mul_.Tensor'), mul_s_: op('mul_.Scalar'),
  div_t: op('div.Tensor'), div_s: op('div.Scalar'), div_tm: op('div.Tensor_mode'), div_sm: op('div.Scalar_mode'),
  div_t_: op('div_.Tensor'), div_s_: op('div_.Scalar'), div_tm_: op('div_.Tensor_mode'), div_sm_: op('div_.Scalar_mode'),
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

export function isTensor(v: unknown): v is Tensor {
  return Tensor.isTensor(v);
}
setTensorCheck(isTensor);
setArgsTensorCheck(isTensor);

/** Wraps a fresh handle and gives it to the current scope (or the GC). */
export function wrap(h: Handle): Tensor {
  const t = new Tensor(h, INTERNAL);
  adopt(t);
  return t;
}

export function wrapMaybe(h: Handle | null): Tensor | null {
  return h === null || h === undefined ? null : wrap(h);
}

export function wrapList(hs: Handle[]): Tensor[] {
  return hs.map(wrap);
}

function valuesIndices(hs: [Handle, Handle]): ValuesIndices {
  return new ValuesIndices(wrap(hs[0]), wrap(hs[1]));
}

/** The handle of a Tensor argument, or a TypeError naming the argument. */
export function hOf(x: unknown, name: string): Handle {
  if (Tensor.isTensor(x)) return x.h;
  throw new TypeError(`argument '${name}' must be a Tensor, not ${describe(x)}${notATensorHint(x)}`);
}

/** Why an object that looks like a tensor is not one: a clone (postMessage, structuredClone). */
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
 * Calls fn with a tensor handle for a Tensor-or-number argument. A number becomes a 0-dim
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
