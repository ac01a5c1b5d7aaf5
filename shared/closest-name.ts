/**
 * The "did you mean" of a misspelt name (a flag, a prop): the known name it was most likely
 * meant to be, found by edit distance.
 */

/**
 * The name in `known` closest to `name`, or undefined when none is close enough to be a typo of
 * it: at most a third of its letters (and at least one) changed, added, removed or swapped with
 * a neighbour; case is ignored.
 *
 * @example
 * closestName('destinationPrefix', ['destinationPrefixes', 'sourcePrefixes']); // 'destinationPrefixes'
 * closestName('--max-tsp', ['--max-tps', '--apply']); // '--max-tps'
 * closestName('colour', ['region']); // undefined
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: Levenshtein's, with a swap of neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => (rows[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = distance;
    }
  }
  return at(a.length, b.length);
}
