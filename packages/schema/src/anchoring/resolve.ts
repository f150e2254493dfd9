import search from "approx-string-match";
import type { TextTarget } from "../vocabulary/annotations.ts";
import { CodePointIndex } from "./code-points.ts";

/** Where a target lands in a new text, and how sure that is. Positions are code points. */
export type Anchor =
  | { state: "anchored"; start: number; end: number; score: 1 }
  | { state: "fuzzy"; start: number; end: number; score: number }
  | { state: "orphaned"; score: number };

export type ResolveOptions = {
  /** Length of the text the target was made on, to scale its position to the new text. */
  oldLength?: number;
  /** Below this combined score a fuzzy match is not trusted: the annotation is orphaned. */
  threshold?: number;
};

const DEFAULT_THRESHOLD = 0.75;
/** Quotes at least this long are placed without their context agreeing. */
const LONE_QUOTE = 32;
/** Context similarity (0–1) above which the surroundings are taken to be the same passage. */
const CONTEXT_AGREES = 0.7;
/** How much of each end of a fuzzy match is checked on its own, in UTF-16 units. */
const EDGE = 12;

/**
 * Re-anchors a quote on a new text (docs/architecture.md, "Anchoring"): the exact quote at its
 * old position, then the exact quote elsewhere, then a fuzzy match scored on
 * quote, context and position. It would rather orphan than guess: an
 * ambiguous or weak match is never placed.
 */
export function resolveTarget(text: string | CodePointIndex, target: TextTarget, options: ResolveOptions = {}): Anchor {
  const index = typeof text === "string" ? new CodePointIndex(text) : text;
  const exact = target.exact;
  if (exact.length === 0) return { state: "orphaned", score: 0 };
  const expected = expectedStart(target, index, options.oldLength);
  const quoteLength = target.end - target.start;

  const occurrences = findAll(index, exact);
  const atOldPlace = occurrences.find((start) => start === target.start);
  if (atOldPlace !== undefined && (occurrences.length === 1 || contextScore(index, atOldPlace, atOldPlace + quoteLength, target) >= CONTEXT_AGREES)) {
    return { state: "anchored", start: atOldPlace, end: atOldPlace + quoteLength, score: 1 };
  }

  if (occurrences.length > 0) {
    const ranked = occurrences
      .map((start) => {
        const context = contextScore(index, start, start + quoteLength, target);
        return { start, context, score: 0.8 * context + 0.2 * positionScore(start, expected, index.length) };
      })
      .sort((a, b) => b.score - a.score);
    const [best, second] = ranked as [(typeof ranked)[0], (typeof ranked)[0] | undefined];
    // A lone exact occurrence elsewhere may be the same words in another sentence: long quotes
    // are trusted alone, shorter ones only with their context.
    const unique = !second && (Array.from(exact).length >= LONE_QUOTE || best.context >= CONTEXT_AGREES);
    const clearWinner = best.context >= CONTEXT_AGREES && (!second || best.score - second.score >= 0.15);
    if (unique || clearWinner) return { state: "anchored", start: best.start, end: best.start + quoteLength, score: 1 };
  }

  return fuzzy(index, target, expected, options.threshold ?? DEFAULT_THRESHOLD);
}

function fuzzy(index: CodePointIndex, target: TextTarget, expected: number, threshold: number): Anchor {
  const pattern = target.exact;
  if (Array.from(pattern).length < 4) return { state: "orphaned", score: 0 };
  const maxErrors = Math.floor(pattern.length * 0.25);
  const candidates = search(index.text, pattern, maxErrors).map((match) => {
    const start = index.toCodePoint(match.start);
    const end = index.toCodePoint(match.end);
    const quote = 1 - match.errors / pattern.length;
    const context = contextScore(index, start, end, target);
    // Errors bunched at one end mean the quote straddles an edit: part of it is other text.
    const edge = Math.min(EDGE, Math.ceil(pattern.length / 3));
    const ends = Math.min(
      similarity(index.text.slice(match.start, match.start + edge), pattern.slice(0, edge)),
      similarity(index.text.slice(Math.max(match.start, match.end - edge), match.end), pattern.slice(-edge)),
    );
    const score = 0.55 * quote + 0.3 * context + 0.15 * positionScore(start, expected, index.length);
    return { start, end, quote, context, ends, score };
  });
  // Overlapping matches of one spot differ only by a character or two; keep the best of each spot.
  candidates.sort((a, b) => b.score - a.score);
  const spots: typeof candidates = [];
  for (const c of candidates) if (!spots.some((s) => c.start < s.end && s.start < c.end)) spots.push(c);
  const [best, second] = spots;
  if (!best) return { state: "orphaned", score: 0 };
  const ambiguous = second !== undefined && best.score - second.score < 0.05;
  // A short quote says little by itself: it is placed only where its context agrees too.
  const unsupported = Array.from(pattern).length < LONE_QUOTE && best.context < CONTEXT_AGREES;
  if (best.quote < 0.75 || best.ends < 0.8 || best.score < threshold || ambiguous || unsupported) {
    return { state: "orphaned", score: round(best.score) };
  }
  return { state: "fuzzy", start: best.start, end: best.end, score: round(best.score) };
}

/** Every code point offset where `exact` occurs. */
function findAll(index: CodePointIndex, exact: string): number[] {
  const found: number[] = [];
  for (let at = index.text.indexOf(exact); at !== -1; at = index.text.indexOf(exact, at + 1)) {
    found.push(index.toCodePoint(at));
  }
  return found;
}

/** How well the text around a candidate matches the quote's prefix and suffix, 0–1. */
function contextScore(index: CodePointIndex, start: number, end: number, target: TextTarget): number {
  const prefixLength = Array.from(target.prefix).length;
  const suffixLength = Array.from(target.suffix).length;
  if (prefixLength + suffixLength === 0) return 0.5;
  const before = index.slice(Math.max(0, start - prefixLength), start);
  const after = index.slice(end, end + suffixLength);
  return (similarity(before, target.prefix) * prefixLength + similarity(after, target.suffix) * suffixLength) / (prefixLength + suffixLength);
}

/** 1 for equal strings, falling with the edit distance. */
function similarity(actual: string, wanted: string): number {
  if (wanted.length === 0) return actual.length === 0 ? 1 : 0.5;
  if (actual === wanted) return 1;
  if (actual.length === 0) return 0;
  const [match] = search(actual, wanted, wanted.length).sort((a, b) => a.errors - b.errors);
  const missing = Math.max(0, wanted.length - actual.length);
  return Math.max(0, 1 - ((match?.errors ?? wanted.length) + missing) / wanted.length);
}

function expectedStart(target: TextTarget, index: CodePointIndex, oldLength?: number): number {
  return oldLength ? Math.round((target.start / Math.max(1, oldLength)) * index.length) : target.start;
}

function positionScore(start: number, expected: number, length: number): number {
  return 1 - Math.min(1, Math.abs(start - expected) / Math.max(1, length));
}

const round = (n: number) => Math.round(n * 1000) / 1000;
