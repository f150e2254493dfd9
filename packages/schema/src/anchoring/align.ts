/**
 * Edit distances for re-anchoring, computed only inside a band around the
 * expected alignment, so that their cost follows the quote's length and
 * never its content or the text's (docs/architecture.md, "Anchoring").
 * approx-string-match would report every equally good end of a match and
 * search back from each: on repetitive text, one search per character.
 */
export type Alignment = { start: number; end: number; errors: number };

/**
 * The best place for `pattern` starting within `slack` of `near`, with free
 * ends in the text: the fewest insertions, deletions and substitutions.
 * Cells more than `slack` off the diagonal are not computed, so the cost is
 * O(pattern × slack).
 */
export function alignNear(text: string, pattern: string, near: number, slack: number): Alignment | null {
  const m = pattern.length;
  const from = Math.max(0, near - slack);
  const w = Math.min(text.length, near + m + slack) - from;
  if (m === 0 || w <= 0) return null;
  // Row i holds, for each diagonal k (text offset j = i + k in the window), the cost and where the match began.
  const lo = -slack;
  const hi = 2 * slack;
  const size = hi - lo + 1;
  const INF = 1 << 29;
  let cost = new Int32Array(size).fill(INF);
  let start = new Int32Array(size);
  let row = new Int32Array(size);
  let rowStart = new Int32Array(size);
  for (let k = 0; k <= Math.min(hi, w); k++) [cost[k - lo], start[k - lo]] = [0, k];
  for (let i = 1; i <= m; i++) {
    const p = pattern.charCodeAt(i - 1);
    for (let k = lo; k <= hi; k++) {
      const j = i + k;
      const at = k - lo;
      if (j < 0 || j > w) {
        row[at] = INF;
        continue;
      }
      // Plain assignments: this loop runs quote × band times, and a destructuring would allocate each time.
      let best = j >= 1 ? cost[at]! + (text.charCodeAt(from + j - 1) === p ? 0 : 1) : INF;
      let origin = start[at]!;
      if (at + 1 < size && cost[at + 1]! + 1 < best) {
        best = cost[at + 1]! + 1;
        origin = start[at + 1]!;
      }
      if (at > 0 && row[at - 1]! + 1 < best) {
        best = row[at - 1]! + 1;
        origin = rowStart[at - 1]!;
      }
      row[at] = best;
      rowStart[at] = origin;
    }
    const previous = cost;
    cost = row;
    row = previous;
    const previousStart = start;
    start = rowStart;
    rowStart = previousStart;
  }
  let best: Alignment | null = null;
  for (let k = lo; k <= hi; k++) {
    const c = cost[k - lo]!;
    if (c < INF && (!best || c < best.errors)) best = { start: from + start[k - lo]!, end: from + m + k, errors: c };
  }
  return best;
}

/** Levenshtein distance of two strings, counted only within `band` of the diagonal (beyond it: at least band). */
export function distance(a: string, b: string, band: number): number {
  if (Math.abs(a.length - b.length) > band) return Math.max(a.length, b.length);
  let prev = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Int32Array(b.length + 1);
  const INF = 1 << 29;
  for (let i = 1; i <= a.length; i++) {
    row.fill(INF);
    if (i <= band) row[0] = i;
    const c = a.charCodeAt(i - 1);
    for (let j = Math.max(1, i - band); j <= Math.min(b.length, i + band); j++) {
      row[j] = Math.min(prev[j - 1]! + (b.charCodeAt(j - 1) === c ? 0 : 1), prev[j]! + 1, row[j - 1]! + 1);
    }
    [prev, row] = [row, prev];
  }
  return Math.min(prev[b.length]!, Math.max(a.length, b.length));
}

/**
 * For each end in `text` from `from` to `to`, the fewest edits that turn text
 * ending there into `pattern`, wherever that text starts (at most twice the
 * pattern's length back). One pass of O(pattern × (to − from + 2 × pattern)).
 */
export function costsEndingIn(text: string, pattern: string, from: number, to: number): Int32Array {
  const m = pattern.length;
  const lo = Math.max(0, from - 2 * m);
  const w = Math.max(0, Math.min(text.length, to) - lo);
  // Column j is the text up to lo + j; row 0 costs nothing anywhere, which frees the start.
  let prev = new Int32Array(w + 1);
  let row = new Int32Array(w + 1);
  for (let i = 1; i <= m; i++) {
    const p = pattern.charCodeAt(i - 1);
    row[0] = i;
    for (let j = 1; j <= w; j++) {
      const sub = prev[j - 1]! + (text.charCodeAt(lo + j - 1) === p ? 0 : 1);
      row[j] = Math.min(sub, prev[j]! + 1, row[j - 1]! + 1);
    }
    [prev, row] = [row, prev];
  }
  const out = new Int32Array(Math.max(0, Math.min(text.length, to) - from + 1));
  for (let e = 0; e < out.length; e++) out[e] = prev[from + e - lo]!;
  return out;
}
