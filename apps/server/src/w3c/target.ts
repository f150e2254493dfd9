import type { CodePointIndex, TextTarget } from "@marginalia/schema";
import { placeQuote, targetProblem } from "@marginalia/schema";
import { ApiError } from "../errors.ts";
import type { SelectorHint } from "./from-w3c.ts";

/** Context kept around a quote we compute, in code points: enough to re-anchor, small enough to store. */
const CONTEXT = 32;
/** Our stored prefix and suffix are at most 200 UTF-16 units (textTargetSchema). */
const MAX_AFFIX = 200;

const bad = (message: string) => new ApiError("validation_failed", `target: ${message}`, "target");

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
 * position is placed where it occurs once with its prefix and suffix; an ambiguous one is refused.
 */
export function resolveTarget(hint: SelectorHint, index: CodePointIndex, revision: number): TextTarget {
  // Sliced through the index (which clamps to the text): an array of the text's code points held a 9 MB
  // article's 9 million strings.
  const slice = (start: number, end: number) => index.slice(start, end);
  let start = hint.start;
  let end = hint.end;
  if (start !== undefined && end !== undefined && end > index.length) {
    throw bad(`the TextPositionSelector ends at ${end}, past the article's ${index.length} characters`);
  }
  const exact = hint.exact;
  if (exact !== undefined && start !== undefined && end !== undefined && slice(start, end) !== exact) {
    throw bad(`the TextPositionSelector's text is not the TextQuoteSelector's exact text`);
  }
  if (exact !== undefined && start === undefined) {
    const quote = { exact, prefix: clip(hint.prefix ?? "", MAX_AFFIX, "end"), suffix: clip(hint.suffix ?? "", MAX_AFFIX, "start") };
    const placed = placeQuote(index, quote);
    if ("found" in placed && placed.found === 0) throw bad("the TextQuoteSelector's exact text is not in the article");
    if ("found" in placed) throw bad("the TextQuoteSelector occurs more than once: add a TextPositionSelector, or a prefix or suffix that tells them apart");
    ({ start, end } = placed);
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
  const target = {
    revision,
    exact: slice(start, end),
    prefix: clip(hint.prefix ?? slice(Math.max(0, start - CONTEXT), start), MAX_AFFIX, "end"),
    suffix: clip(hint.suffix ?? slice(end, end + CONTEXT), MAX_AFFIX, "start"),
    start,
    end,
  };
  // The ends fall between grapheme clusters, as every stored target's do.
  const problem = targetProblem(index, target);
  if (problem) throw bad(`the target's ${problem.field} is ${problem.message}`);
  return target;
}
