import { DIFF_DELETE, DIFF_INSERT, diffCleanupSemantic, diffMain } from "diff-match-patch-es";

export type DiffPart = { kind: "same" | "removed" | "added"; text: string };

/**
 * How a stale verdict's passage changed, from the quote it judged to the quote now under it, in parts a
 * reader can take in: diff-match-patch's character diff, cleaned up to whole words and phrases.
 */
export function quoteDiff(oldQuote: string, newQuote: string): DiffPart[] {
  const diffs = diffMain(oldQuote, newQuote);
  diffCleanupSemantic(diffs);
  return diffs.map(([op, text]) => ({ kind: op === DIFF_DELETE ? "removed" : op === DIFF_INSERT ? "added" : "same", text }));
}
