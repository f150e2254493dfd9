import type { CodePointIndex, TextTarget } from "@marginalia/schema";
import { placeQuote, targetProblem } from "@marginalia/schema";
import { fail } from "./fields.ts";
import type { SelectorHint, TextSpanHint } from "./selectors.ts";

/** Context kept around a quote we compute, in code points: enough to re-anchor, small enough to store. */
const CONTEXT = 32;
/** Our stored prefix and suffix are at most 200 UTF-16 units (textTargetSchema). */
const MAX_AFFIX = 200;

const bad = (message: string) => fail("target", message);

/** Cuts to at most `max` UTF-16 units from one end without splitting a surrogate pair. */
export function clip(s: string, max: number, keep: "start" | "end"): string {
  if (s.length <= max) return s;
  let out = keep === "start" ? s.slice(0, max) : s.slice(s.length - max);
  if (keep === "start" && /[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  if (keep === "end" && /^[\udc00-\udfff]/.test(out)) out = out.slice(1);
  return out;
}

type Span = { start: number; end: number };

/**
 * Where one selector's text lies: a position as given, once it ends inside the text; a quote where it
 * occurs once with its prefix and suffix. An ambiguous quote is refused: the server does not pick.
 */
function spanOf(hint: TextSpanHint, index: CodePointIndex, refuse: (message: string) => Error): Span {
  if (hint.start !== undefined && hint.end !== undefined) {
    if (hint.end > index.length) throw refuse(`the TextPositionSelector ends at ${hint.end}, past the article's ${index.length} characters`);
    return { start: hint.start, end: hint.end };
  }
  if (hint.exact === undefined) throw refuse("give a TextQuoteSelector or a TextPositionSelector");
  const quote = { exact: hint.exact, prefix: clip(hint.prefix ?? "", MAX_AFFIX, "end"), suffix: clip(hint.suffix ?? "", MAX_AFFIX, "start") };
  const placed = placeQuote(index, quote);
  if ("found" in placed && placed.found === 0) throw refuse("the TextQuoteSelector's exact text is not in the article");
  if ("found" in placed) throw refuse("the TextQuoteSelector occurs more than once: add a TextPositionSelector, or a prefix or suffix that tells them apart");
  return placed;
}

/**
 * A RangeSelector's span (model §4.2.9): from the start of its startSelector's text up to the start of
 * its endSelector's, which it does not include. Each end is resolved as a selector of its own.
 */
function rangeSpan(range: NonNullable<SelectorHint["range"]>, index: CodePointIndex): Span {
  const refuse = (end: string) => (message: string) => fail(range.field, `${end}: ${message}`);
  const from = spanOf(range.from, index, refuse("startSelector"));
  const to = spanOf(range.to, index, refuse("endSelector"));
  if (from.start >= to.start) {
    throw fail(range.field, "the range is empty or reversed: its endSelector must begin after its startSelector begins (the end selector's text is not part of the range)");
  }
  return { start: from.start, end: to.start };
}

/**
 * A stored target from what the selectors say, checked against the article's current text. The selectors
 * are alternatives for the same text (model §4.2), so each one given must describe it: a position whose
 * text is not the quote, a range that is not the position, or a prefix or suffix that is not the text
 * around it, is refused rather than corrected, since storing anything else would change what the client
 * annotated.
 */
export function targetFromSelectors(hint: SelectorHint, index: CodePointIndex, revision: number): TextTarget {
  // Sliced through the index (which clamps to the text): an array of the text's code points held a 9 MB
  // article's 9 million strings.
  const slice = (start: number, end: number) => index.slice(start, end);
  let span = hint.start !== undefined ? spanOf({ start: hint.start, end: hint.end }, index, bad) : undefined;
  if (hint.range) {
    const ranged = rangeSpan(hint.range, index);
    if (span && (span.start !== ranged.start || span.end !== ranged.end)) {
      throw fail(hint.range.field, "the RangeSelector's text is not the TextPositionSelector's");
    }
    span = ranged;
  }
  const exact = hint.exact;
  if (exact !== undefined && span && slice(span.start, span.end) !== exact) {
    throw bad(`the ${hint.range ? "RangeSelector" : "TextPositionSelector"}'s text is not the TextQuoteSelector's exact text`);
  }
  const { start, end } = span ?? spanOf(hint, index, bad);
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
