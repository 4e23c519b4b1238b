// torch.optim.Optimizer, after torch/optim/optimizer.py (PyTorch 1.13): parameter groups as plain
// objects with the defaults filled in, per-parameter state, zero_grad, and state_dict /
// load_state_dict with PyTorch's structure ({ state: { 0: {...} }, param_groups: [{..., params: [0, 1]}] }).
//
// Memory: step() runs its update inside torch.tidy() and no_grad(), so a step leaves no garbage;
// state that must outlive the step (momentum buffers, moments, step counts) is created with
// torch.keep(). Each subclass reproduces PyTorch's single-tensor (non-foreach) arithmetic.
import { Tensor, describe } from '../tensor';
import { tidy, keep } from '../memory';
import { no_grad, enable_grad } from '../autograd';
import { params as mergeArgs } from '../args';
import { warn } from '../warnings';
import { scalar_tensor } from '../creation';
import { get_default_dtype } from '../dtype';

/** Marks an option without a default (SGD's lr in PyTorch 1.13): each group must give it. */
export const required: unique symbol = Symbol('required');

/**
 * What every parameter group has: its parameters (Parameters are Tensors) and learning rate.
 * Each typed optimizer extends it with its options (SGDParamGroup, AdamParamGroup...).
 */
export interface ParamGroupBase {
  /** The group's parameters, in the order given. */
  params: Tensor[];
  /** The learning rate; LR schedulers change it between steps. */
  lr: number;
}

/**
 * A parameter group whose option fields are not spelled out: what the optimizers that do not
 * (yet) declare their own group type use. The index signature is loose so that their step code
 * can do arithmetic on `group.momentum`; SGD, Adam and AdamW have exact types instead.
 */
export interface ParamGroup extends ParamGroupBase {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the comment above
  [option: string]: any;
}

/** What an optimizer takes: Tensors, or groups { params, ...options } overriding the defaults. */
export type ParamsInput = Iterable<Tensor> | Iterable<{
  /** The group's parameters: one Tensor or an iterable of them. */
  params: Tensor | Iterable<Tensor>;
  [option: string]: unknown;
}>;

/**
 * One parameter's state (momentum buffers, moments, step counts) for the optimizers without an
 * exact state type; loose for the same reason as {@link ParamGroup}.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the comment above
export type OptimizerState = Record<string, any>;

/** A group's parameters with gradients, for a foreach step (Optimizer.foreachBatch). */
export interface ForeachBatch<S extends object = OptimizerState> {
  /** The group's parameters that have a gradient. */
  params: Tensor[];
  /** Their gradients. */
  grads: Tensor[];
  /** Their states. */
  states: S[];
  /** One state entry (a Tensor) across the parameters. */
  list(key: keyof S & string): Tensor[];
}

/** A parameter group as state_dict() stores it: the options, and the parameters as indices. */
export type SavedParamGroup<G extends ParamGroupBase = ParamGroup> = Omit<G, 'params'> & {
  /** Indices into the optimizer's parameters, numbered across all groups in order. */
  params: number[];
};

/**
 * Optimizer.state_dict(): PyTorch's structure, `{ state: { 0: {...} }, param_groups: [{ ...,
 * params: [0, 1] }] }`, with the live state tensors (as PyTorch's, which load_state_dict copies).
 */
export interface OptimizerStateDict<G extends ParamGroupBase = ParamGroup, S extends object = OptimizerState> {
  /** Each parameter's state, by its index. */
  state: Record<number, S>;
  /** The groups' options, with parameter indices. */
  param_groups: SavedParamGroup<G>[];
}

/** torch.typename(): how PyTorch names a value's type in its errors. */
export function typename(x: unknown): string {
  if (x instanceof Tensor) {
    const names: Record<string, string> = {
      float32: 'FloatTensor', float64: 'DoubleTensor', float16: 'HalfTensor', bfloat16: 'BFloat16Tensor',
      int64: 'LongTensor', int32: 'IntTensor', int16: 'ShortTensor', int8: 'CharTensor', uint8: 'ByteTensor', bool: 'BoolTensor',
    };
    return `torch.${names[x.dtype.name] ?? 'Tensor'}`;
  }
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
  if (typeof x === 'string') return 'str';
  if (typeof x === 'boolean') return 'bool';
  return describe(x);
}

/** Python's str() of an option value, for the repr. */
function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `(${v.map(pyValue).join(', ')})`;
  return String(v);
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x != null && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function' && typeof x !== 'string';
}

/** Copies an option value so groups never share arrays (Python keeps betas as immutable tuples). */
function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}

/**
 * torch.optim.Optimizer: https://pytorch.org/docs/stable/optim.html#torch.optim.Optimizer
 *
 * Generic over its parameter group type `G` and its per-parameter state type `S`, so that
 * `sgd.param_groups[0].momentum` is a number and `adam.state_dict()` is typed. Differences from
 * PyTorch: `state` is a Map keyed by the parameter Tensor; hooks, `register_*_hook`,
 * `differentiable`, `capturable` and `fused` are absent.
 */
export abstract class Optimizer<G extends ParamGroupBase = ParamGroup, S extends object = OptimizerState> {
  /** The options each new group starts from (PyTorch's `defaults`). */
  defaults: Record<string, unknown>;
  /** Each parameter's state, created on its first step. */
  state = new Map<Tensor, S>();
  /** The parameter groups, with every option filled in. */
  param_groups: G[] = [];
  /** Counts step() calls; LR schedulers read it to warn about calling order, as in PyTorch. */
  _step_count = 0;

  /** params: Tensors or groups; defaults: the subclass's options (a group's own options override them). */
  constructor(params: ParamsInput, defaults: Record<string, unknown>) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typename(params)}`);
    }
    if (!isIterable(params)) {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typename(params)}`);
    }
    let groups = [...(params as Iterable<unknown>)];
    if (groups.length === 0) throw new RangeError('optimizer got an empty parameter list');
    if (!isGroupObject(groups[0])) groups = [{ params: groups }];
    for (const g of groups) this.add_param_group(g as Record<string, unknown>);
  }

  /** Adds a group of parameters with its own options (the defaults fill in the rest). */
  add_param_group(param_group: Record<string, unknown>): void {
    if (!isGroupObject(param_group)) throw new TypeError('param group must be a dict');
    const given = param_group.params;
    let list: unknown[];
    if (given instanceof Tensor) list = [given];
    else if (given instanceof Set) {
      throw new TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
    } else if (isIterable(given)) list = [...given];
    else throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typename(given)}`);
    for (const p of list) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typename(p)}`);
      if (!p.is_leaf) throw new RangeError("can't optimize a non-leaf Tensor");
    }
    const group = { ...param_group, params: list as Tensor[] } as Record<string, unknown> & ParamGroupBase;
    for (const [name, def] of Object.entries(this.defaults)) {
      if (def === required && !(name in param_group)) {
        throw new RangeError(`parameter group didn't specify a value of required optimization parameter ${name}`);
      }
      if (!(name in group)) group[name] = copyOption(def);
      // A group's own numeric option (lr: 'x') would make step() compute NaN; PyTorch fails there
      // with a TypeError, here it fails when the group is added. Ranges are checked on the defaults only, as in PyTorch.
      else if ((typeof def === 'number' || def === required) && name in param_group) checkNumber(group[name], `${name} of a parameter group`);
    }
    if (new Set(group.params).size !== group.params.length) {
      warn('optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; ' +
        'see github.com/pytorch/pytorch/issues/40967 for more information');
    }
    const existing = new Set(this.param_groups.flatMap((g) => g.params));
    if (group.params.some((p) => existing.has(p))) throw new RangeError('some parameters appear in more than one parameter group');
    this.param_groups.push(group as unknown as G);
  }

  /** Clears the gradients: to null (the default, as in PyTorch 2.x), or to zeros in place. */
  zero_grad(set_to_none = true): void {
    tidy(() => {
      for (const group of this.param_groups) {
        for (const p of group.params) {
          const g = p.grad;
          if (g === null) continue;
          if (set_to_none) {
            p.grad = null;
          } else {
            if (g.grad_fn !== null) g.detach_();
            else g.requires_grad_(false);
            g.zero_();
          }
        }
      }
    });
  }

  /** One update of every parameter that has a gradient. closure re-evaluates the model and returns the loss. */
  abstract step(closure?: () => Tensor | number): Tensor | number | undefined;

  /**
   * Runs closure with grad enabled (its loss is the caller's), then update under torch.tidy and
   * no_grad, as PyTorch's @torch.no_grad() step does.
   */
  protected runStep(closure: (() => Tensor | number) | undefined, update: () => void): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    if (closure !== undefined && closure !== null) loss = enable_grad(closure);
    tidy(() => no_grad(update));
    this._step_count++;
    return loss;
  }

  /**
   * What a foreach step takes from a group: its parameters that have a gradient, their gradients
   * and states (stateFor makes one on first use), and `list(key)`, one state entry across them;
   * null when no parameter has a gradient.
   */
  protected foreachBatch(group: G, stateFor: (p: Tensor) => S): ForeachBatch<S> | null {
    const params = group.params.filter((p) => p.grad !== null);
    if (params.length === 0) return null;
    const states = params.map(stateFor);
    return { params, grads: params.map((p) => p.grad as Tensor), states, list: (key) => states.map((s) => s[key] as Tensor) };
  }

  /** The parameter's state object, created empty on first use (Python's defaultdict(dict)). */
  protected stateOf(p: Tensor): S {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {} as S;
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * { state, param_groups }: parameters are numbered in group order; state holds the live state
   * tensors (as PyTorch's does; load_state_dict copies them).
   */
  state_dict(): OptimizerStateDict<G, S> {
    const index = new Map<Tensor, number>();
    let next = 0;
    const param_groups = this.param_groups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyOption(v);
      for (const p of group.params) if (!index.has(p)) index.set(p, next++);
      packed.params = group.params.map((p) => index.get(p)!);
      return packed as SavedParamGroup<G>;
    });
    const state: Record<number, S> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups };
  }

  /**
   * Loads a state_dict() (this optimizer's or a PyTorch-structured one); tensors are copied.
   * Takes `unknown` too, so `torch.load`'s result needs no cast: its structure is checked here.
   */
  load_state_dict(state_dict: OptimizerStateDict<G, S> | unknown): void {
    if (state_dict === null || typeof state_dict !== 'object') {
      throw new TypeError(`optimizer state_dict must be an object with state and param_groups, got ${typename(state_dict)}`);
    }
    const sd = state_dict as { state?: Record<string, unknown>; param_groups?: unknown };
    const saved = sd.param_groups as ({ params: number[] } & Record<string, unknown>)[];
    if (!Array.isArray(saved) || saved.length !== this.param_groups.length) {
      throw new RangeError('loaded state dict has a different number of parameter groups');
    }
    if (this.param_groups.some((g, i) => g.params.length !== saved[i].params.length)) {
      throw new RangeError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const idMap = new Map<string, Tensor>();
    saved.forEach((g, gi) => g.params.forEach((id: number, i: number) => idMap.set(String(id), this.param_groups[gi].params[i])));

    const state = new Map<Tensor, S>();
    tidy(() => no_grad(() => {
      for (const [key, value] of Object.entries(sd.state ?? {})) {
        const param = idMap.get(String(key));
        if (param === undefined) continue; // PyTorch keeps such entries under their key; they never apply to a parameter
        state.set(param, castState(param, value as Record<string, unknown>) as S);
      }
    }));
    this.param_groups = this.param_groups.map((group, i) => {
      const restored: Record<string, unknown> = { ...saved[i], params: group.params };
      for (const [k, v] of Object.entries(restored)) if (k !== 'params') restored[k] = copyOption(v);
      return restored as unknown as G;
    });
    this.state = state;
    tidy(() => no_grad(() => this._setstate()));
  }

  /** Fills options older state dicts lack and converts legacy state (Python's __setstate__). */
  protected _setstate(): void {
    for (const group of this.param_groups as unknown as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(this.defaults)) if (!(k in group) && v !== required) group[k] = copyOption(v);
    }
  }

  /** PyTorch's repr: the class name, then each group's options sorted by name. */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.param_groups.forEach((group, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const key of Object.keys(group).sort()) {
        if (key !== 'params') s += `    ${key}: ${pyValue((group as unknown as Record<string, unknown>)[key])}\n`;
      }
    });
    return `${s})`;
  }

  /** What console.log shows: the repr. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function isGroupObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && !isIterable(x);
}

/** A deep copy of one parameter's state: tensors copied (floating ones to the param's dtype and device, except 'step'). */
function castState(param: Tensor, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof Tensor) {
      let t = v.clone();
      if (k !== 'step') {
        t = param.is_floating_point() ? t.to({ dtype: param.dtype, device: param.device }) : t.to({ device: param.device });
      }
      out[k] = keep(t);
    } else {
      out[k] = copyOption(v);
    }
  }
  return out;
}

/**
 * Merges an optimizer's positional and keyword options into one object, checking names as
 * Python does (an unknown option is a TypeError).
 */
export function optionsOf(name: string, args: unknown[], names: readonly string[]): Record<string, unknown> {
  const values = mergeArgs(name, args, names);
  const out: Record<string, unknown> = {};
  names.forEach((n, i) => {
    if (values[i] !== undefined) out[n] = values[i];
  });
  return out;
}

/** The 0-dim step counter Adam, AdamW and Adagrad keep: torch.tensor(0.), in the default dtype. */
export function newStepTensor(): Tensor {
  return keep(scalar_tensor(0, { dtype: get_default_dtype() }));
}

/** Python's `beta ** step` etc. are float arithmetic; a step tensor is read back as a number. */
export function stepValue(step: Tensor | number): number {
  return typeof step === 'number' ? step : (step.item() as number);
}

/** A number as Python's str() prints it in PyTorch's messages: -1, -0.1, -1e-08, nan, inf. */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  // Python's repr: shortest round-trip digits, scientific below 1e-4 and from 1e16, exponent of 2+ digits.
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(x);
}

/**
 * An option must be a number: PyTorch compares it with 0.0, which raises TypeError for a string,
 * None or a list; here a non-number (a boolean too) would otherwise train into NaN silently.
 */
export function checkNumber(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`Invalid ${what}: expected a number, got ${typename(value)} ${describeValue(value)}`);
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    return String(v);
  } catch {
    return '';
  }
}

/** Validation shared by the optimizers: PyTorch's `if not 0.0 <= value` check (NaN fails it). */
export function checkNonNegative(value: unknown, what: string): void {
  checkNumber(value, what);
  if (!(value >= 0.0)) throw new RangeError(`Invalid ${what}: ${pyNumber(value)}`);
}

/** SGD's `if value < 0.0` check: NaN passes it in PyTorch (1.13 through 2.x), and here too. */
export function checkNotNegative(value: unknown, what: string): void {
  checkNumber(value, what);
  if (value < 0.0) throw new RangeError(`Invalid ${what}: ${pyNumber(value)}`);
}

/**
 * lr, betas, eps and weight_decay as the Adam family (Adam, AdamW, Adamax, NAdam, RAdam) takes
 * them, checked in PyTorch's order. `in`, not ??: null (Python's None) must reach the checks and
 * raise, not take the default.
 */
export function adamFamilyDefaults(o: Record<string, unknown>, lr: number, weightDecay = 0): Record<string, unknown> {
  const d = {
    lr: 'lr' in o ? o.lr : lr, betas: Array.isArray(o.betas) ? o.betas.slice() : 'betas' in o ? o.betas : [0.9, 0.999],
    eps: 'eps' in o ? o.eps : 1e-8, weight_decay: 'weight_decay' in o ? o.weight_decay : weightDecay,
  };
  checkNonNegative(d.lr, 'learning rate');
  checkNonNegative(d.eps, 'epsilon value');
  checkBetas(d.betas);
  checkNonNegative(d.weight_decay, 'weight_decay value');
  return d;
}

/** Adam's and AdamW's `0.0 <= betas[i] < 1.0`, betas a pair. */
export function checkBetas(betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`Invalid betas: expected a pair of numbers, got ${typename(betas)} ${describeValue(betas)}`);
  betas.forEach((b, i) => {
    checkNumber(b, `beta parameter at index ${i}`);
    // Betas are floats in PyTorch (1.0, not 1), so a whole number prints as one.
    if (!(0.0 <= b && b < 1.0)) throw new RangeError(`Invalid beta parameter at index ${i}: ${Number.isInteger(b) ? b.toFixed(1) : pyNumber(b)}`);
  });
}
