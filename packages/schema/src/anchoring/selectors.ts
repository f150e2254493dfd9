import type { TextTarget } from "../vocabulary/annotations.ts";
import { CodePointIndex } from "./code-points.ts";
import { isClusterBoundary } from "./graphemes.ts";

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

/**
 * Whether two targets name the same passage, field by field: a target read back from a document or the
 * database is a new object, its keys in any order.
 */
export function sameTarget(a: TextTarget | null | undefined, b: TextTarget | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.revision === b.revision && a.exact === b.exact && a.prefix === b.prefix && a.suffix === b.suffix && a.start === b.start && a.end === b.end;
}

/** Whether a target's quote is still exactly where its positions say. */
export function quoteIsAt(index: CodePointIndex, target: Pick<TextTarget, "exact" | "start" | "end">): boolean {
  return target.end <= index.length && index.slice(target.start, target.end) === target.exact;
}

/** A field of a target that does not describe its revision's text, and why. */
export type TargetProblem = { field: "start" | "end" | "exact" | "prefix" | "suffix"; message: string };

/**
 * Line breaks as the import writes them (apps/server/src/import/builder.ts): a client that copied
 * "\r\n" from somewhere quotes the "\n" the article holds.
 */
export const normalizeQuoted = (s: string) => s.replace(/\r\n?/g, "\n");

/**
 * Whether a target is its revision's text (docs/architecture.md, "Anchoring"): the quote at its
 * positions, the prefix and suffix beside it, and both ends between grapheme clusters. REST, the
 * W3C container and the socket ask the same question.
 */
export function targetProblem(index: CodePointIndex, target: Pick<TextTarget, "exact" | "prefix" | "suffix" | "start" | "end">): TargetProblem | null {
  if (target.end > index.length) return { field: "end", message: `past the end of the revision's ${index.length} characters` };
  if (target.end < target.start) return { field: "end", message: "before start" };
  // An empty range marks nothing a reader could see, and its W3C form (an empty quote) is not one a client may send back.
  if (target.end === target.start) return { field: "end", message: "equal to start: a target covers at least one character" };
  if (index.slice(target.start, target.end) !== target.exact) return { field: "exact", message: "not the text between start and end" };
  const startUnit = index.toUtf16(target.start);
  const endUnit = index.toUtf16(target.end);
  if (!isClusterBoundary(index.text, startUnit)) return { field: "start", message: "inside a character (a letter and its marks, or an emoji sequence)" };
  if (!isClusterBoundary(index.text, endUnit)) return { field: "end", message: "inside a character (a letter and its marks, or an emoji sequence)" };
  if (!index.text.slice(Math.max(0, startUnit - target.prefix.length), startUnit).endsWith(target.prefix)) {
    return { field: "prefix", message: "not the text before start" };
  }
  if (!index.text.startsWith(target.suffix, endUnit)) return { field: "suffix", message: "not the text after end" };
  return null;
}

/** Occurrences of a quote looked at, at most, when a client gives no positions. */
const MAX_OCCURRENCES = 1_000;

/**
 * The positions of a quote a client gave without them: the one occurrence whose text around it is
 * the given prefix and suffix. Null with the number found when there is none or more than one: the
 * server never picks among them.
 */
export function placeQuote(
  index: CodePointIndex,
  quote: Pick<TextTarget, "exact" | "prefix" | "suffix">,
): { start: number; end: number } | { found: number } {
  const text = index.text;
  const matches: number[] = [];
  for (let at = text.indexOf(quote.exact), n = 0; at !== -1 && n < MAX_OCCURRENCES; at = text.indexOf(quote.exact, at + 1), n++) {
    const fits = text.slice(Math.max(0, at - quote.prefix.length), at).endsWith(quote.prefix) && text.startsWith(quote.suffix, at + quote.exact.length);
    if (fits) matches.push(at);
    if (matches.length > 1) break;
  }
  if (matches.length !== 1 || quote.exact.length === 0) return { found: matches.length };
  const start = index.toCodePoint(matches[0]!);
  return { start, end: start + index.toCodePoint(matches[0]! + quote.exact.length) - index.toCodePoint(matches[0]!) };
}
