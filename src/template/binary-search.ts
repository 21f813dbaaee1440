// One binary search for the engine's sorted tables: line starts (positions in errors) and the
// Unicode property runs (identifiers, repr).

/** The index of the last element of a sorted, non-empty list that is at most `value` (0 when none is). */
export function lastIndexAtMost (sorted: ArrayLike<number>, value: number): number {
  let lo = 0
  let hi = sorted.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((sorted[mid] as number) <= value) lo = mid
    else hi = mid - 1
  }
  return lo
}
