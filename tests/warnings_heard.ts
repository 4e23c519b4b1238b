// The process 'warning' events a piece of code raises, for the tests of warnings. Node emits them
// on the next tick, so warnings raised before (by an earlier test) come out first, unheard, and
// those fn raises are waited for.
export async function warningsOf(fn: () => unknown): Promise<{ name: string; message: string }[]> {
  await new Promise((r) => setImmediate(r));
  const seen: { name: string; message: string }[] = [];
  const listener = (w: Error) => seen.push({ name: w.name, message: w.message });
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}
