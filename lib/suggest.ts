// "Did you mean ...?" for a misspelt name: the closest candidates by edit distance.

/**
 * Levenshtein distance: insertions, deletions and substitutions.
 * @internal
 */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * Up to three candidates within a third of the name's length in edits, closest first.
 * @internal
 */
export function nearestNames(name: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored: [number, string][] = [];
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d <= limit) scored.push([d, c]);
  }
  return scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1])).slice(0, 3).map(([, c]) => c);
}

/**
 * ' (did you mean a or b?)', or '' when nothing is close.
 * @internal
 */
export function didYouMean(name: string, candidates: Iterable<string>, format: (c: string) => string = (c) => c): string {
  const near = nearestNames(name, candidates);
  return near.length ? ` (did you mean ${near.map(format).join(' or ')}?)` : '';
}
