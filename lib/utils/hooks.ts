// torch.utils.hooks: the handle that removes a hook (what nn.Module's register_forward_hook and
// register_forward_pre_hook return).

import { describe } from '../tensor';

/**
 * A handle that removes a hook (PyTorch's `torch.utils.hooks.RemovableHandle`): `remove()`
 * deletes entry `id` from the hooks Map it was made for and from the extra Maps (a module's
 * `_forward_hooks_with_kwargs`...). Removing twice, or after the Map is gone, does nothing.
 *
 * Differences from PyTorch: `using h = m.register_forward_hook(...)` removes the hook at the end
 * of the block (`[Symbol.dispose]`), where Python writes `with h:`. The Maps are held through
 * `WeakRef`s, as PyTorch holds its dicts through weak references, so a handle does not keep a
 * module's hooks alive.
 *
 * @see [torch.utils.hooks.RemovableHandle](https://github.com/pytorch/pytorch/blob/main/torch/utils/hooks.py)
 */
export class RemovableHandle {
  /** The id the next handle gets; ids are unique within the process. */
  static next_id = 0;
  /** This hook's key in its hooks Map. */
  readonly id: number;
  private readonly hooksRef: WeakRef<Map<number, unknown>>;
  private readonly extraRefs: WeakRef<Map<number, unknown>>[];

  /**
   * A handle for the entry that the caller stores in `hooks_dict` under `handle.id`.
   * `extra_dict`: one Map or several whose entry `id` goes too when the hook is removed.
   */
  constructor(hooks_dict: Map<number, unknown>, options: { extra_dict?: Map<number, unknown> | Map<number, unknown>[] } = {}) {
    if (!(hooks_dict instanceof Map)) throw new TypeError(`RemovableHandle: hooks_dict must be a Map, got ${describe(hooks_dict)}`);
    const extra = options.extra_dict === undefined ? [] : Array.isArray(options.extra_dict) ? options.extra_dict : [options.extra_dict];
    for (const d of extra) if (!(d instanceof Map)) throw new TypeError(`RemovableHandle: extra_dict must be a Map or an array of Maps, got ${describe(d)}`);
    this.hooksRef = new WeakRef(hooks_dict);
    this.extraRefs = extra.map((d) => new WeakRef(d));
    this.id = RemovableHandle.next_id++;
  }

  /** Removes the hook; a no-op if it is gone already. */
  remove(): void {
    this.hooksRef.deref()?.delete(this.id);
    for (const ref of this.extraRefs) ref.deref()?.delete(this.id);
  }

  /** `using h = ...`: removes the hook when the block ends (Python's `with h:`). */
  [Symbol.dispose](): void {
    this.remove();
  }
}
