// torch.jit: TorchScript. load() opens what PyTorch's torch.jit.save writes (scripted or
// traced); trace() records a TypeScript module's forward through LibTorch's tracer into a
// ScriptModule that PyTorch's torch.jit.load opens; freeze() and optimize_for_inference() as in
// PyTorch. native/jit.cc does the work.
import * as fs from 'node:fs';
import { native } from '../binding';
import { TorchError } from '../errors';
import { Module } from '../nn/module';
import { Tensor, wrap } from '../tensor';
import { Device, DeviceLike } from '../device';
import { ScriptModule, save } from './script_module';

export { ScriptModule, save };

/**
 * `torch.jit.load(path, { map_location })`: opens what PyTorch's torch.jit.save writes (scripted or
 * traced) as a {@link ScriptModule}; `map_location` is a device to move tensors to (null keeps where
 * they were saved). A missing or bad file throws a TorchError naming it. Differs from PyTorch: a path
 * only, no file objects or `_extra_files`.
 * @see https://pytorch.org/docs/stable/generated/torch.jit.load.html
 */
export function load(path: string, options: { map_location?: DeviceLike | null } = {}): ScriptModule {
  if (typeof path !== 'string') throw new TypeError('torch.jit.load expects a file path (a string)');
  // LibTorch's own message for a missing file names an internal reader; ours names the file.
  if (!fs.existsSync(path)) throw new TorchError(`torch.jit.load: ${path}: no such file`);
  const loc = options.map_location;
  const device = loc === undefined || loc === null ? null : loc instanceof Device ? loc.toString() : String(loc);
  try {
    return new ScriptModule(native.jit.load(path, device));
  } catch (e) {
    // LibTorch's message, led by the file it is about (like torch.load's errors)
    if (e instanceof TorchError) throw new TorchError(`torch.jit.load: ${path}: ${e.message.trim()}`);
    throw e;
  }
}

/** The keyword arguments of {@link trace}. */
export interface TraceOptions {
  /** As PyTorch's `strict`: refuse mutable containers (lists, dicts) as outputs (default true). */
  strict?: boolean;
}

// The module as native/jit.cc rebuilds it for the tracer: same tensors, same names.
/** The module as native/jit.cc rebuilds it for the tracer: same tensors, same names. */
interface ModuleSpec {
  name: string;
  training: boolean;
  params: [string, number][];
  buffers: [string, number][];
  children: [string, ModuleSpec][];
}

function specOf(m: Module): ModuleSpec {
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(m.constructor.name) ? m.constructor.name : 'Module';
  return {
    name,
    training: m.training,
    params: [...m.named_parameters('', false)].map(([k, p]) => [k, p.h]),
    buffers: [...m.named_buffers('', false)].map(([k, b]) => [k, b.h]),
    children: [...m.named_children()].map(([k, c]) => [k, specOf(c)]),
  };
}

function handlesOf(out: unknown, what: string): number | unknown[] {
  if (out instanceof Tensor) return out.h;
  if (Array.isArray(out)) return out.map((o) => handlesOf(o, what));
  throw new TypeError(`torch.jit.trace: ${what} returned ${out === null ? 'null' : typeof out}; only Tensors and arrays (tuples) of them can be traced`);
}

/**
 * `torch.jit.trace(module, example_inputs, { strict = true })`: runs `module.forward` once on the
 * example inputs (a Tensor or an array of them) under LibTorch's tracer and returns a ScriptModule whose
 * forward is the recorded graph, with the module's parameters and buffers as its attributes (by the same
 * names, so state_dict keys match). Control flow that depends on values is recorded for these inputs
 * only, as in PyTorch. The result can be saved and opened by PyTorch's torch.jit.load.
 *
 * Differs from PyTorch: modules only (not functions); forward must return tensors or arrays of them;
 * no `check_trace` or `example_kwarg_inputs`.
 * @see https://pytorch.org/docs/stable/generated/torch.jit.trace.html
 */
export function trace(module: Module, example_inputs: Tensor | Tensor[], options: TraceOptions = {}): ScriptModule {
  if (!(module instanceof Module)) throw new TypeError('torch.jit.trace expects an nn.Module (functions are not supported yet)');
  const inputs = example_inputs instanceof Tensor ? [example_inputs] : example_inputs;
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) throw new TypeError('torch.jit.trace: example_inputs must be a Tensor or an array of Tensors');
  const forward = (...handles: number[]) => handlesOf(module.forward(...handles.map(wrap)), `${module.constructor.name}.forward`);
  return new ScriptModule(native.jit.trace(specOf(module), forward, inputs.map((t) => t.h), options.strict ?? true));
}

/**
 * `torch.jit.freeze(m, { preserved_attrs = [], optimize_numerics = true })`: a copy with parameters and
 * attributes folded in as constants; `m` must be in eval mode (a TorchError otherwise).
 * @see https://pytorch.org/docs/stable/generated/torch.jit.freeze.html
 */
export function freeze(m: ScriptModule, options: { preserved_attrs?: string[]; optimize_numerics?: boolean } = {}): ScriptModule {
  if (!(m instanceof ScriptModule)) throw new TypeError("Freezing expects a ScriptModule as input. Please use torch.jit.trace (or load a scripted module) to get one from your 'nn.Module'.");
  if (m.training) throw new TorchError('Freezing is currently only implemented for modules in eval mode. Please call .eval() on your module before freezing.');
  return new ScriptModule(native.jit.freeze(m._c, options.preserved_attrs ?? [], options.optimize_numerics ?? true));
}

/**
 * `torch.jit.optimize_for_inference(m, other_methods = [])`: freezes `m` (after putting it in eval mode,
 * as PyTorch does) unless it is frozen already, then runs LibTorch's inference passes (conv-batchnorm
 * folding, oneDNN layouts where available...).
 * @see https://pytorch.org/docs/stable/generated/torch.jit.optimize_for_inference.html
 */
export function optimize_for_inference(m: ScriptModule, other_methods: string[] = []): ScriptModule {
  if (!(m instanceof ScriptModule)) throw new TypeError('optimize_for_inference expects a ScriptModule (torch.jit.trace or torch.jit.load gives one)');
  const frozen = m.hasattr('training') ? freeze(m.eval(), { preserved_attrs: other_methods }) : m;
  return new ScriptModule(native.jit.optimizeForInference(frozen._c, other_methods));
}
