import type { TextTarget } from "../vocabulary/annotations.ts";
import { CodePointIndex } from "./code-points.ts";

/** How much context a quote carries on each side, in code points. */
export const CONTEXT_LENGTH = 32;

export type CodePointRange = { start: number; end: number };

/**
 * A W3C TextQuoteSelector and TextPositionSelector for a range of a text, both
 * in code points, tied to the revision they were made on.
 */
export function buildTarget(
  text: string | CodePointIndex,
  range: CodePointRange,
  revision: number,
  context = CONTEXT_LENGTH,
): TextTarget {
  const index = typeof text === "string" ? new CodePointIndex(text) : text;
  const start = Math.max(0, Math.min(range.start, range.end, index.length));
  const end = Math.min(index.length, Math.max(range.start, range.end));
  return {
    revision,
    exact: index.slice(start, end),
    prefix: index.slice(Math.max(0, start - context), start),
    suffix: index.slice(end, Math.min(index.length, end + context)),
    start,
    end,
  };
}

/** Whether a target's quote is still exactly where its positions say. */
export function quoteIsAt(index: CodePointIndex, target: Pick<TextTarget, "exact" | "start" | "end">): boolean {
  return target.end <= index.length && index.slice(target.start, target.end) === target.exact;
}
