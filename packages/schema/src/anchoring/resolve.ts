import type { TextTarget } from "../vocabulary/annotations.ts";
import { CodePointIndex } from "./code-points.ts";
import { clusterEnd, clusterStart } from "./graphemes.ts";
import {
  BRACKET,
  BRACKETED_QUOTE,
  CONTEXT_AGREES,
  type Candidate,
  type Context,
  KINDS,
  aligned,
  bracketed,
  contextScore,
  midWord,
  positionScore,
  spliced,
  trimmed,
} from "./readings.ts";
import { TextIndex } from "./text-index.ts";

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
  /**
   * From an edit map of the revision (the server's anchoring/edit-map.ts), in UTF-16 units of the new text:
   * `carried`, where the revision kept the quote's old place unchanged, and `moved`, where its old start went;
   * `elsewhere`, whether the new text's `[start, end)` begins and ends in words the revision kept from another
   * place of the old text than the quote's (another passage, whatever it reads); `followed`, where it took the
   * quote when it kept its first and last words, and how many of its UTF-16 units it kept between them (asked
   * only of a quote the revision did not keep whole).
   */
  edits?: { carried: number | null; moved: number; elsewhere?: (start: number, end: number) => boolean; followed?: () => Followed | null };
};

const DEFAULT_THRESHOLD = 0.75;
/** Quotes at least this long are placed without their context agreeing. */
const LONE_QUOTE = 32;
/** Context similarity a long quote's only occurrence must still have. */
const LONE_CONTEXT = 0.5;
/** How much of the prefix and suffix is compared, in UTF-16 units: enough to tell passages apart. */
const CONTEXT_USED = 64;
/** How much of a quote must still stand, lightly edited, at its old place for that place to count against a copy elsewhere. */
const IN_PLACE = 0.9;
/** How far from its expected place, in UTF-16 units, an exact copy must be to be doubted (see editedCopy). */
const NEARBY = 1024;
/** Exact occurrences weighed at most; a quote found more often is placed only where it was. */
const OCCURRENCES = 64;
/** Exact occurrences of a kept quote that the edit map may account for, each a lookup in it. */
const ACCOUNTED = 512;

/** One new text, indexed once, against which any number of targets are resolved. */
type Revision = { index: CodePointIndex; grams: TextIndex };
const revisions = new WeakMap<CodePointIndex, TextIndex>();

function revisionOf(text: string | CodePointIndex): Revision {
  const index = typeof text === "string" ? new CodePointIndex(text) : text;
  let grams = revisions.get(index);
  if (!grams) revisions.set(index, (grams = new TextIndex(index.text)));
  return { index, grams };
}

/**
 * Re-anchors a quote on a new text (docs/architecture.md, "Anchoring"): the
 * exact quote at its old position, then the exact quote elsewhere, then the
 * passage between its end words where an edit map kept them, then a fuzzy
 * match scored on quote, context and position. It would rather orphan
 * than guess: an ambiguous or weak match is never placed. Its cost is bounded
 * by the target's length, whatever the target or the text holds: the text is
 * indexed once (per CodePointIndex), and each target looks up a bounded
 * number of its slices and aligns itself at a bounded number of places.
 */
export function resolveTarget(text: string | CodePointIndex, target: TextTarget, options: ResolveOptions = {}): Anchor {
  const anchor = resolveAsWritten(text, target, options);
  return anchor.state === "anchored" ? anchor : (canonically(text, target, options) ?? anchor);
}

/**
 * The quote placed exactly in the other Unicode normal form, when it is not written in it: a revision that
 * changed only how its words are encoded (a correction saved as NFC over a text in NFD) leaves them as they
 * were, and a fuzzy match would mark the passage changed (docs/architecture.md, "Anchoring"). Only the
 * target is normalized: the anchor's positions are the new text's own, whatever its form.
 */
function canonically(text: string | CodePointIndex, target: TextTarget, options: ResolveOptions): Anchor | null {
  for (const form of ["NFC", "NFD"] as const) {
    const exact = target.exact.normalize(form);
    if (exact === target.exact) continue;
    const normalized = { ...target, exact, prefix: target.prefix.normalize(form), suffix: target.suffix.normalize(form) };
    // Where the edit map kept the quote as written, it stands as written; where the old start went, and which
    // passages the revision kept from elsewhere, hold for this form too.
    const { edits } = options;
    const anchor = resolveAsWritten(text, normalized, { ...options, edits: edits && { carried: null, moved: edits.moved, elsewhere: edits.elsewhere } });
    if (anchor.state === "anchored") return anchor;
  }
  return null;
}

function resolveAsWritten(text: string | CodePointIndex, target: TextTarget, options: ResolveOptions): Anchor {
  const revision = revisionOf(text);
  const { index } = revision;
  const quote = target.exact;
  if (quote.length === 0) return { state: "orphaned", score: 0 };
  const { edits } = options;
  const ctx = {
    quote,
    prefix: target.prefix.slice(-CONTEXT_USED),
    suffix: target.suffix.slice(0, CONTEXT_USED),
    expected: edits?.moved ?? index.toUtf16(options.oldLength ? Math.round((target.start / Math.max(1, options.oldLength)) * index.length) : target.start),
    elsewhere: edits?.elsewhere,
    // Only where an edit map tells a copy that was there before from words the revision wrote.
    lines: edits?.elsewhere ? ownLines(target, options.oldLength) : undefined,
  };
  if (edits?.carried != null && carriedHere(revision, ctx, edits.carried)) return placed(index, edits.carried, edits.carried + quote.length, 1);
  const found = exactly(revision, ctx, edits?.moved ?? index.toUtf16(target.start));
  // A copy the revision kept from elsewhere was there before it, the same words in another passage: never this
  // one. It is only ever refused, never taken out of the running: where the map is coarse (its diff ran out of
  // time), the copies it did not pair are no likelier this passage, and one left alone is not unique.
  const exact = found != null && anotherPassage(ctx, found, found + quote.length) ? undefined : found;
  // A quote at the text's very start is found at 0: only null means found but not told apart.
  if (exact !== undefined) return exact !== null ? placed(index, exact, exact + quote.length, 1) : { state: "orphaned", score: 0 };
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const mapped = edits?.followed?.();
  return (mapped && followed(revision, ctx, mapped, threshold)) || fuzzy(revision, ctx, threshold);
}

/** Where the edit map took a quote whose first and last words it kept, in UTF-16 units of the new text. */
export type Followed = { start: number; end: number; kept: number };
/** How much longer than the quote the passage between its kept end words may have grown. */
const FOLLOWED_SPAN = 2;
/** How much of the quote the map must have kept between its end words. */
const FOLLOWED_KEPT = 0.6;

/**
 * The passage between the quote's first and last words, where the revision kept them (docs/architecture.md,
 * "Anchoring"), read before the search: words written into a short quote weigh as errors against the few it
 * has, so "the sale of Sukhoi Su-35" with "announced" added kept 0.72 of itself, every letter of it still
 * there, and was orphaned; words written into a longer one were read as a cut, and it was placed on a part.
 * The map says where its own words went, so only a passage that has not grown past twice the quote, kept
 * most of it, and still agrees with its context is taken (a diff of a text that repeats itself can pair
 * words with a copy).
 */
function followed({ index }: Revision, ctx: Context & Edited, { start, end, kept }: Followed, threshold: number): Anchor | null {
  const { text } = index;
  const m = ctx.quote.length;
  const c = { start: widened(text, start, -1, ctx), end: widened(text, end, 1, ctx) };
  if (c.end - c.start > FOLLOWED_SPAN * m || kept < FOLLOWED_KEPT * m || anotherPassage(ctx, c.start, c.end)) return null;
  const context = contextScore(text, c.start, c.end, ctx);
  if (context < CONTEXT_AGREES && !intactSide(text, c.start, c.end, ctx)) return null;
  const score = round(0.55 * (kept / m) + 0.3 * context + 0.15 * positionScore(c.start, ctx.expected, text.length));
  // Other words than the quote's are in it: fuzzy, whatever the score.
  return score >= threshold ? placed(index, c.start, c.end, Math.min(score, 0.999)) : null;
}

/**
 * An end of a followed passage moved out of a word the revision lengthened ("Su-35" made "Su-35s"), where
 * the quote's own end was between words: the reader's passage is the whole word.
 */
function widened(text: string, at: number, step: -1 | 1, { prefix, quote, suffix }: Context): number {
  const clean = step < 0 ? !midWord(prefix + quote, prefix.length) : !midWord(quote + suffix, quote.length);
  let to = at;
  // No further than the quote is long: a passage wider than that is refused anyway, and a word may be megabytes.
  while (clean && midWord(text, to) && Math.abs(to - at) <= quote.length) to += step;
  return to;
}

/**
 * Whether the quote stands where the revision kept it, `at` (UTF-16): whatever was rewritten around it, those
 * are its words. A diff of a text that repeats itself can pair a kept passage with a copy, so the whole of its
 * context on one side must stand there as well (a copy the diff mistook for it stands between other
 * sentences), or every other copy must be one the map placed elsewhere. One side is enough: a sentence
 * rewritten beside a quote of a sentence written 130 times left it orphaned, or placed on a copy whose context
 * had not changed.
 */
function carriedHere({ index, grams }: Revision, ctx: Context & Edited, at: number): boolean {
  const { quote } = ctx;
  if (!index.text.startsWith(quote, at)) return false;
  if (intactSide(index.text, at, at + quote.length, ctx)) return true;
  // With new sentences on both sides, only where the map accounts for every other copy as another passage it
  // kept: where its diff ran out of time it pairs little, and leaves the copies it did not pair unexplained.
  const found = grams.occurrences(quote, ACCOUNTED);
  return !!found && found.includes(at) && found.every((other) => other === at || anotherPassage(ctx, other, other + quote.length));
}

/**
 * What the edit map tells of a place in the new text: whether it holds another passage the revision kept; and,
 * with a map, what the target's context holds of the quote's own lines (see ownLines).
 */
type Edited = { elsewhere?: ((start: number, end: number) => boolean) | undefined; lines?: OwnLines | undefined };

/**
 * The words of the quote's first and last lines outside it, as far as its context shows them: the prefix after
 * its last line break, the suffix before its first. Null for a side whose context holds no break and does not
 * reach its text's edge: that side's line goes on past what the target saw of it.
 */
type OwnLines = { before: string | null; after: string | null };

function ownLines({ prefix, suffix, start, end }: TextTarget, oldLength: number | undefined): OwnLines {
  const lineStart = prefix.lastIndexOf("\n");
  const lineEnd = suffix.indexOf("\n");
  const atStart = start === Array.from(prefix).length;
  const atEnd = oldLength !== undefined && end + Array.from(suffix).length === oldLength;
  return {
    before: lineStart >= 0 ? prefix.slice(lineStart + 1) : atStart ? prefix : null,
    after: lineEnd >= 0 ? suffix.slice(0, lineEnd) : atEnd ? suffix : null,
  };
}

/** Whether `[start, end)` stands with the words of its own lines beside it, and a line break or the text's edge beyond them, on both sides. */
function linesStand(text: string, start: number, end: number, { before, after }: OwnLines): boolean {
  if (before === null || after === null) return false;
  const from = start - before.length;
  const to = end + after.length;
  const opens = from === 0 || (from > 0 && text[from - 1] === "\n");
  const closes = to === text.length || text[to] === "\n";
  return opens && closes && text.startsWith(before, from) && text.startsWith(after, end);
}
const anotherPassage = (ctx: Edited, start: number, end: number) => ctx.elsewhere?.(start, end) ?? false;

/**
 * The exact quote: its UTF-16 start, null when it occurs but cannot be told
 * apart, undefined when the fuzzy search should decide.
 */
function exactly(revision: Revision, ctx: Context & Edited, old: number): number | null | undefined {
  const { index, grams } = revision;
  const text = index.text;
  const indexed = grams.occurrences(ctx.quote, OCCURRENCES);
  // A quote too short to index, or too common to list, may occur anywhere: it is never taken as unique.
  const tooCommon = indexed === null || indexed === undefined;
  const occurrences = tooCommon ? contextualOccurrences(grams, ctx, old) : indexed;
  if (occurrences.length === 0) return undefined;
  const scored = occurrences.map((start) => ({ start, context: contextScore(text, start, start + ctx.quote.length, ctx) }));
  const atOldPlace = scored.find((c) => c.start === old);
  if (atOldPlace && ((scored.length === 1 && !tooCommon) || atOldPlace.context >= CONTEXT_AGREES)) return old;
  const ranked = scored
    .map((c) => ({ ...c, score: 0.8 * c.context + 0.2 * positionScore(c.start, ctx.expected, text.length) }))
    .sort((a, b) => b.score - a.score);
  const [best, second] = ranked as [(typeof ranked)[0], (typeof ranked)[0] | undefined];
  // A lone exact occurrence elsewhere may be the same words in another sentence: long quotes
  // are trusted alone, shorter ones only with their context.
  // Even a long one keeps some of its context: the same long phrase in another paragraph does not.
  const unique = !second && !tooCommon && (ctx.quote.length >= LONE_QUOTE ? best.context >= LONE_CONTEXT : best.context >= CONTEXT_AGREES);
  const clearWinner = best.context >= CONTEXT_AGREES && (!second || best.score - second.score >= 0.15);
  // A sentence added or removed right beside a quote replaces one side of its context whole; the
  // other side, standing intact, still tells which occurrence it is, if it does so for one only.
  const intact = scored.filter((c) => intactSide(text, c.start, c.start + ctx.quote.length, ctx));
  // A paragraph (a heading, a reference) moved whole has new neighbours on both sides: its lone copy, standing
  // between line breaks with what its context held of its own lines, is the passage moved.
  const moved = !second && !tooCommon && ctx.lines && linesStand(text, best.start, best.start + ctx.quote.length, ctx.lines) ? best.start : undefined;
  const chosen = unique || clearWinner ? best.start : intact.length === 1 ? intact[0]!.start : moved;
  if (chosen === undefined) return undefined;
  // The same words with the same context elsewhere, while another place reads almost as the
  // quote (a typo fixed there): either may be the passage, and the fuzzy search weighs them.
  // Only a copy far from where the quote is expected is doubted: the few that moved pay for it.
  if (Math.abs(chosen - ctx.expected) > NEARBY && editedCopy(revision, ctx, old, chosen)) return undefined;
  return chosen;
}

/**
 * Whether the quote, lightly edited, stands with its context somewhere other
 * than `exact`: at its old place, or where its words and context point.
 * Bounded like the fuzzy search: a few alignments of the quote's length.
 */
function editedCopy({ index, grams }: Revision, ctx: Context, old: number, exact: number): boolean {
  const slack = slackFor(ctx.quote);
  const places = [old, ...grams.likelyStarts(ctx.prefix, ctx.quote, ctx.suffix, 3, slack)];
  return places.some((near) => {
    if (Math.abs(near - exact) <= ctx.quote.length) return false;
    const c = aligned(index.text, ctx, near, slack);
    return c !== null && c.quote >= IN_PLACE && c.ends >= IN_PLACE && c.context >= CONTEXT_AGREES;
  });
}

/**
 * Whether the whole of the target's prefix stands right before `start`, or the whole of its suffix
 * right after `end`: at least BRACKET of it, or all of it reaching the text's edge.
 */
function intactSide(text: string, start: number, end: number, { prefix, suffix }: Context): boolean {
  const before = prefix.length >= BRACKET ? start >= prefix.length && text.startsWith(prefix, start - prefix.length) : prefix.length === start && text.startsWith(prefix, 0);
  const after = suffix.length >= BRACKET ? text.startsWith(suffix, end) : end + suffix.length === text.length && text.endsWith(suffix);
  return before || after;
}

/** How far from where it is looked for a quote may start, in UTF-16 units: a quarter of it, within bounds. */
const slackFor = (quote: string) => Math.min(64, Math.max(4, Math.ceil(quote.length / 4)));

/**
 * Occurrences of a quote too short to be indexed, or too common to list,
 * found through the context beside it (its last letters of prefix, or first
 * of suffix, with the quote) and at its old place: never by scanning the text.
 */
function contextualOccurrences(grams: TextIndex, ctx: Context, old: number): number[] {
  const found = new Set<number>();
  if (grams.text.startsWith(ctx.quote, old)) found.add(old);
  const before = ctx.prefix.slice(-BRACKET);
  for (const at of grams.occurrences(before + ctx.quote, OCCURRENCES) ?? []) found.add(at + before.length);
  for (const at of grams.occurrences(ctx.quote + ctx.suffix.slice(0, BRACKET), OCCURRENCES) ?? []) found.add(at);
  return [...found].sort((a, b) => a - b);
}


function fuzzy({ index, grams }: Revision, ctx: Context & Edited, threshold: number): Anchor {
  const { quote } = ctx;
  if (Array.from(quote).length < 4) return { state: "orphaned", score: 0 };
  const text = index.text;
  const slack = slackFor(quote);
  const starts = grams.likelyStarts(ctx.prefix, quote, ctx.suffix, 3, slack);
  const candidates = starts.flatMap((near) =>
    [bracketed(text, ctx, near, slack), aligned(text, ctx, near, slack), spliced(text, ctx, near, slack), trimmed(text, ctx, near, slack)].filter(
      (c): c is Candidate => c !== null,
    ),
  );
  // A short quote says little by itself: it is placed only where its context agrees too.
  const trusts = (c: Candidate) =>
    wholeWords(text, c, ctx) &&
    (c.kind === "aligned"
      ? c.quote >= 0.75 && c.ends >= 0.8 && c.score >= threshold && (quote.length >= LONE_QUOTE || c.context >= CONTEXT_AGREES)
      : c.quote >= BRACKETED_QUOTE && c.context >= CONTEXT_AGREES);
  // At each spot, the reading that accounts for most of the quote: its intact context on both sides,
  // then the quote aligned, then split by an insertion, then cut short.
  const order = (c: Candidate) => Number(!trusts(c)) * 10 + KINDS.indexOf(c.kind);
  candidates.sort((a, b) => order(a) - order(b) || b.score - a.score);
  const spots: Candidate[] = [];
  for (const c of candidates) if (!spots.some((s) => c.start < s.end && s.start < c.end)) spots.push(c);
  const [best, ...others] = spots;
  if (!best) return { state: "orphaned", score: 0 };
  const ambiguous = others.some((o) => o.score > best.score - 0.05);
  if (!trusts(best) || ambiguous || anotherPassage(ctx, best.start, best.end)) return { state: "orphaned", score: round(best.score) };
  // Other words than the quote's, or words written into it, are fuzzy whatever the score.
  const same = best.end - best.start === quote.length && text.startsWith(quote, best.start);
  return placed(index, best.start, best.end, same ? round(best.score) : Math.min(round(best.score), 0.999));
}

/**
 * Whether a fuzzy placement starts and ends between words wherever the quote did: one cut into a
 * word is other words that happen to read alike (the same phrase, its first letter left behind).
 */
function wholeWords(text: string, c: Candidate, { prefix, quote, suffix }: Context): boolean {
  const startedClean = !midWord(prefix + quote, prefix.length);
  const endedClean = !midWord(quote + suffix, quote.length);
  return !(startedClean && midWord(text, c.start)) && !(endedClean && midWord(text, c.end));
}

/** An anchor on whole grapheme clusters (widened to them), in code points. */
function placed(index: CodePointIndex, start: number, end: number, score: number): Anchor {
  const from = index.toCodePoint(clusterStart(index.text, start));
  const to = index.toCodePoint(clusterEnd(index.text, end));
  return score === 1 ? { state: "anchored", start: from, end: to, score: 1 } : { state: "fuzzy", start: from, end: to, score };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
