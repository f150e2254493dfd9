import type { TextTarget } from "../vocabulary/annotations.ts";

type Span = Pick<TextTarget, "revision" | "start" | "end">;

/**
 * Whether two targets point at the same passage, for expert review:
 * on the same revision, overlapping by at least half of the shorter range.
 * Reviewers select a claim by hand, so their ranges rarely match to the
 * character; half the shorter one tolerates a word more or less at either end
 * and still keeps two neighbouring sentences apart.
 */
export function samePassage(a: Span | null | undefined, b: Span | null | undefined): boolean {
  if (!a || !b || a.revision !== b.revision) return false;
  const shorter = Math.min(a.end - a.start, b.end - b.start);
  if (shorter <= 0) return false;
  const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  return overlap > 0 && overlap * 2 >= shorter;
}

/**
 * Groups items by passage. `samePassage` is not transitive, so each item joins
 * the first group whose first item it matches. Callers pass items oldest
 * first: a group then keeps its first item as new ones arrive, which gives
 * the group a stable identity.
 */
export function groupByPassage<T>(items: readonly T[], targetOf: (item: T) => Span | null | undefined): T[][] {
  const groups: T[][] = [];
  for (const item of items) {
    const target = targetOf(item);
    const home = target ? groups.find((g) => samePassage(targetOf(g[0]!), target)) : undefined;
    if (home) home.push(item);
    else groups.push([item]);
  }
  return groups;
}
