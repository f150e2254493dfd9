export type TextRange = { start: number; end: number };

/**
 * How many positions of [0, length) the ranges cover together: overlaps
 * count once, and parts outside the text not at all.
 */
export function coveredLength(ranges: readonly TextRange[], length: number): number {
  const clipped = ranges
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(length, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reach = 0;
  for (const r of clipped) {
    if (r.end <= reach) continue;
    covered += r.end - Math.max(r.start, reach);
    reach = r.end;
  }
  return covered;
}

export const overlaps = (a: TextRange, b: TextRange) => a.start < b.end && b.start < a.end;
