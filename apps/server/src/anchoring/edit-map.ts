import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, diffCleanupEfficiency, diffMain } from "diff-match-patch-es";

/** How long a diff of two revisions may take on the re-anchoring thread before it settles for a coarser one. */
const DIFF_SECONDS = 1;

/** A stretch of text a revision kept as it was: `length` UTF-16 units at `from` in the old text and `to` in the new. */
type Kept = { from: number; to: number; length: number };

/**
 * Where a revision left each stretch of the text it replaced (docs/architecture.md, "Anchoring"), from a
 * diff of the two texts. A quote standing in a stretch that was kept whole is the same words in the same
 * place, whatever was written around it: a short quote with new sentences on both sides has no context left
 * to be found by, and was orphaned. Letters that happen to match inside a rewritten passage (an "e", a " the ")
 * are folded into the edits around them, but not by meaning: a semantic clean-up also swallows a short
 * sentence kept whole between two longer new ones, which is the very case this is for.
 */
export class EditMap {
  private readonly kept: Kept[] = [];

  constructor(before: string, after: string) {
    const diffs = diffMain(before, after, { diffTimeout: DIFF_SECONDS });
    diffCleanupEfficiency(diffs);
    let from = 0;
    let to = 0;
    for (const [op, text] of diffs) {
      if (op === DIFF_EQUAL) this.kept.push({ from, to, length: text.length });
      if (op !== DIFF_INSERT) from += text.length;
      if (op !== DIFF_DELETE) to += text.length;
    }
  }

  /** The new start of old `[start, end)` (UTF-16) if the revision kept all of it as it was, else null. */
  carry(start: number, end: number): number | null {
    const run = this.runAt(start);
    return run && end <= run.from + run.length ? run.to + (start - run.from) : null;
  }

  /** Where old position `at` (UTF-16) went: in a kept stretch exactly, else the new text at the nearest kept edge before it. */
  place(at: number): number {
    const run = this.runAt(at) ?? this.kept[this.lastBefore(at)];
    if (!run) return 0;
    return at < run.from + run.length ? run.to + (at - run.from) : run.to + run.length;
  }

  private runAt(at: number): Kept | null {
    const run = this.kept[this.lastBefore(at)];
    return run && at >= run.from && at < run.from + run.length ? run : null;
  }

  /** The index of the last kept stretch starting at or before `at`, or -1. */
  private lastBefore(at: number): number {
    let low = 0;
    let high = this.kept.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.kept[mid]!.from <= at) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
}
