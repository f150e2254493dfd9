import type { TextTarget } from "@marginalia/schema";
import { ApiError } from "../errors.ts";
import type { SelectorHint } from "./from-w3c.ts";

/** Context kept around a quote we compute, in code points: enough to re-anchor, small enough to store. */
const CONTEXT = 32;
/** Our stored prefix and suffix are at most 200 UTF-16 units (textTargetSchema). */
const MAX_AFFIX = 200;
/** A quote that occurs more often than this is ambiguous anyway; stop looking. */
const MAX_OCCURRENCES = 1_000;

const bad = (message: string) => new ApiError("validation_failed", `target: ${message}`, "target");

/** Code points in `s`: what W3C TextPositionSelector offsets count, and ours too. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Cuts to at most `max` UTF-16 units from one end without splitting a surrogate pair. */
export function clip(s: string, max: number, keep: "start" | "end"): string {
  if (s.length <= max) return s;
  let out = keep === "start" ? s.slice(0, max) : s.slice(s.length - max);
  if (keep === "start" && /[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  if (keep === "end" && /^[\udc00-\udfff]/.test(out)) out = out.slice(1);
  return out;
}

/**
 * A stored target from what the selectors say, checked against the article's current text. The selectors
 * are alternatives for the same text (model §4.2), so each one given must describe it: a position whose
 * text is not the quote, or a prefix or suffix that is not the text around it, is refused rather than
 * corrected, since storing anything else would change what the client annotated. A quote without a
 * position is looked for, preferring the occurrence its prefix and suffix match.
 */
export function resolveTarget(hint: SelectorHint, text: string, revision: number): TextTarget {
  const points = Array.from(text);
  const slice = (start: number, end: number) => points.slice(start, end).join("");
  let start = hint.start;
  let end = hint.end;
  if (start !== undefined && end !== undefined && end > points.length) {
    throw bad(`the TextPositionSelector ends at ${end}, past the article's ${points.length} characters`);
  }
  const exact = hint.exact;
  if (exact !== undefined && start !== undefined && end !== undefined && slice(start, end) !== exact) {
    throw bad(`the TextPositionSelector's text is not the TextQuoteSelector's exact text`);
  }
  if (exact !== undefined && start === undefined) {
    const found = findQuote(text, exact, hint);
    if (found === null) throw bad("the TextQuoteSelector's exact text is not in the article");
    start = found;
    end = found + codePointLength(exact);
  }
  if (start === undefined || end === undefined) throw bad("give a TextQuoteSelector or a TextPositionSelector");
  const before = slice(Math.max(0, start - MAX_AFFIX), start);
  const after = slice(end, end + MAX_AFFIX);
  if (hint.prefix !== undefined && !before.endsWith(clip(hint.prefix, MAX_AFFIX, "end"))) {
    throw bad("the TextQuoteSelector's prefix is not the text before its exact text");
  }
  if (hint.suffix !== undefined && !after.startsWith(clip(hint.suffix, MAX_AFFIX, "start"))) {
    throw bad("the TextQuoteSelector's suffix is not the text after its exact text");
  }
  return {
    revision,
    exact: slice(start, end),
    prefix: clip(hint.prefix ?? slice(Math.max(0, start - CONTEXT), start), MAX_AFFIX, "end"),
    suffix: clip(hint.suffix ?? slice(end, end + CONTEXT), MAX_AFFIX, "start"),
    start,
    end,
  };
}

/** The code point offset of the best occurrence of `exact`, or null. */
function findQuote(text: string, exact: string, hint: SelectorHint): number | null {
  let best: { at: number; score: number } | null = null;
  let from = 0;
  let points = 0;
  let counted = 0;
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const index = text.indexOf(exact, from);
    if (index < 0) break;
    // Offsets are counted incrementally, so many occurrences cost one pass over the text.
    points += codePointLength(text.slice(counted, index));
    counted = index;
    const score =
      (hint.prefix && index >= hint.prefix.length && text.startsWith(hint.prefix, index - hint.prefix.length) ? 1 : 0) +
      (hint.suffix && text.startsWith(hint.suffix, index + exact.length) ? 1 : 0);
    if (!best || score > best.score) best = { at: points, score };
    from = index + 1;
  }
  return best?.at ?? null;
}
