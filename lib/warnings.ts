// Warnings as PyTorch's users see them. PyTorch raises a Python warning, which its default filter
// shows once per place in the code: a warning inside a training loop appears once, not every
// step. Here both LibTorch's own warnings (TORCH_WARN, which native/warnings.h hands over when the
// call that raised them returns) and this library's go through warn(), which shows each distinct
// message once per process through process.emitWarning: as a Node warning it can be listened to
// (process.on('warning')), silenced (node --no-warnings) or traced (--trace-warnings).
import { native } from './binding';

/** Python's warning categories that torchnode raises. */
export type WarningCategory = 'UserWarning' | 'DeprecationWarning' | 'FutureWarning';

const shown = new Set<string>();

/**
 * Shows a warning through `process.emitWarning`, the first time this message of this category is
 * raised; every time while `torch.set_warn_always(true)` is in effect.
 * @internal
 */
export function warn(message: string, category: WarningCategory = 'UserWarning'): void {
  const key = `${category}: ${message}`;
  if (shown.has(key) && !native.settings.getWarnAlways()) return;
  shown.add(key);
  // The stack a --trace-warnings shows starts at warn()'s caller.
  process.emitWarning(message, { type: category, ctor: warn });
}

native.setWarningSink((message: string, deprecation: boolean) => warn(message, deprecation ? 'DeprecationWarning' : 'UserWarning'));
