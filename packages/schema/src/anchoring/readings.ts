import { contextWithin, crossesSentence, farSide, writtenInto, writtenIntoBefore } from "./written-into.ts";
import { BRACKET, KEY, midWord, reversed } from "./words.ts";

export { BRACKET };
import { type Alignment, alignNear, costsEndingIn, distance } from "./align.ts";

/**
 * The readings of a spot where a quote may now be (docs/architecture.md,
 * "Anchoring"), each bounded by the quote's length: the passage between its
 * intact context, the quote aligned within a band, the quote split by an
 * insertion, and the quote cut short by a deletion. resolve.ts chooses.
 */

/** How much of each end of a fuzzy match is checked on its own, in UTF-16 units. */
const EDGE = 12;
/** Where the quote's words were replaced but both sides of it are intact, this much of it must remain. */
export const BRACKETED_QUOTE = 0.5;
/** As much must remain between context only the nearest BRACKET characters of which are intact. */
const NEAR_BRACKETED_QUOTE = 0.75;
/** Text inserted into a quote that is still placed on the whole of it, in UTF-16 units, beyond the quote's own length. */
const SPLICE_INSERT = 80;
/** A quote with a stretch deleted is placed on the rest when this much of it remains. */
const SPLICE_KEPT = 0.6;
/** Context similarity (0–1) above which the surroundings are taken to be the same passage. */
export const CONTEXT_AGREES = 0.7;
/** Context similarity at which edited context a few characters from a cut still reads as the same (see gapBefore). */
const REPLACED_CONTEXT = 0.6;

/** A target as the readings see it: context cut to what is compared, `expected` its scaled old start (UTF-16). */
export type Context = { quote: string; prefix: string; suffix: string; expected: number };

export const KINDS = ["bracketed", "aligned", "spliced", "trimmed"] as const;
export type Candidate = { kind: (typeof KINDS)[number]; start: number; end: number; quote: number; context: number; ends: number; score: number };

/** The quote aligned near `near`, scored. */
export function aligned(text: string, ctx: Context, near: number, slack: number): Candidate | null {
  const match = toEdges(text, ctx, alignNear(text, ctx.quote, near, slack), slack);
  if (!match || match.end <= match.start) return null;
  const m = ctx.quote.length;
  const edge = Math.min(EDGE, Math.ceil(m / 3));
  // Errors bunched at one end mean the quote straddles an edit: part of it is other text.
  // So does an end on a space where the quote's was a letter: a word of it left out ("formation of a" read
  // on "formation of " where "wider a" was written), the rest of its passage beyond.
  const space = (at: number) => /\s/.test(text[at] ?? "");
  const lostWord = (space(match.start) && !/^\s/.test(ctx.quote)) || (space(match.end - 1) && !/\s$/.test(ctx.quote));
  const ends = lostWord
    ? 0
    : Math.min(
        similarity(text.slice(match.start, match.start + edge), ctx.quote.slice(0, edge)),
        similarity(text.slice(Math.max(match.start, match.end - edge), match.end), ctx.quote.slice(-edge)),
      );
  return scored("aligned", text, ctx, match.start, match.end, 1 - match.errors / m, ends);
}

/**
 * An alignment moved out to the text's edge where the quote had no context on that side (it ran to
 * the edge), when that costs no more: of equally good ends, the one its context names.
 */
function toEdges(text: string, ctx: Context, match: Alignment | null, slack: number): Alignment | null {
  if (!match) return null;
  const start = ctx.prefix === "" && match.start <= slack ? 0 : match.start;
  const end = ctx.suffix === "" && text.length - match.end <= slack ? text.length : match.end;
  if (start === match.start && end === match.end) return match;
  const errors = distance(ctx.quote, text.slice(start, end), slack);
  return errors <= match.errors ? { start, end, errors } : match;
}

/**
 * The passage between the quote's intact prefix and suffix, when both are
 * found exactly, in order, about a quote's length apart near `near`: the
 * words between them were changed, and they are the quote's new words.
 */
export function bracketed(text: string, ctx: Context, near: number, slack: number): Candidate | null {
  const { prefix, suffix, quote } = ctx;
  // The context's nearest BRACKET characters will do when a word further out was edited too, for a
  // passage that still reads mostly as the quote: so short a bracket also stands around other words.
  for (const [before, after, least] of [
    [prefix.slice(-2 * BRACKET), suffix.slice(0, 2 * BRACKET), 0],
    [prefix.slice(-BRACKET), suffix.slice(0, 2 * BRACKET), NEAR_BRACKETED_QUOTE],
    [prefix.slice(-2 * BRACKET), suffix.slice(0, BRACKET), NEAR_BRACKETED_QUOTE],
  ] as const) {
    const beforeOk = before.length >= BRACKET || (before.length === prefix.length && before.length > 0);
    const afterOk = after.length >= BRACKET || (after.length === suffix.length && after.length > 0);
    if (!beforeOk || !afterOk) return null;
    const from = Math.max(0, near - slack - before.length);
    const p = text.slice(from, near + slack).lastIndexOf(before);
    if (p < 0) continue;
    const start = from + p + before.length;
    const s = text.slice(start, start + quote.length + slack + after.length).indexOf(after);
    if (s < 0) continue;
    const end = start + s;
    if (end - start < quote.length / 2) return null;
    // The whole quote between them, with other words: those were written beside it, not in place of its own
    // words, and it is placed on itself, its context read where it was found.
    const whole = text.slice(start, end).indexOf(quote);
    if (whole >= 0) {
      if (text.slice(start + whole + 1, end).includes(quote)) return null;
      return { ...scored("bracketed", text, ctx, start, end, 1), start: start + whole, end: start + whole + quote.length };
    }
    const errors = distance(quote, text.slice(start, end), slack);
    const kept = 1 - errors / Math.max(quote.length, end - start);
    if (kept >= least) return scored("bracketed", text, ctx, start, end, kept);
  }
  return null;
}

/**
 * The quote with text inserted into it, or a stretch of it deleted: its head
 * found exactly near `near` and its tail exactly after, every character of
 * the quote kept in order and at most SPLICE_INSERT characters between the
 * two (an inserted sentence), or at least SPLICE_KEPT of it kept with nothing
 * in between (a deleted one). Words written in at several places are read
 * word by word (writtenInto). Its context must agree as well.
 */
export function spliced(text: string, ctx: Context, near: number, slack: number): Candidate | null {
  const { quote } = ctx;
  const m = quote.length;
  if (m < 2 * KEY) return null;
  const from = Math.max(0, near - slack);
  const found = text.slice(from, near + slack + KEY).indexOf(quote.slice(0, KEY));
  if (found < 0) return null;
  const start = from + found;
  const head = commonLength(quote, 0, text, start, 1, m);
  if (head === m) return null;
  // Words written into it in more than one place: each of its own still follows, in order.
  const into = midWord(quote, head) ? null : writtenInto(text, quote.slice(head), start + head, endsClean(ctx), Math.max(m, SPLICE_INSERT));
  const written = into && !contextWithin(text, start + head, into.end, ctx.suffix, 1) ? into : null;
  if (written) {
    const candidate = scored("spliced", text, ctx, start, written.end, 1);
    // The prefix stands by construction (the quote's head was found beside it), so only the far side tells
    // the quote's own end from another clause's words that happen to repeat its last ones.
    const agrees = farSide(quote.slice(head)) ? agreesAfter(text, written.end, ctx.suffix) : standsAfter(text, written.end, ctx.suffix);
    return agrees ? { ...candidate, context: Math.max(candidate.context, CONTEXT_AGREES) } : null;
  }
  const windowEnd = start + m + Math.max(m, SPLICE_INSERT);
  const at = text.slice(start + head, windowEnd).indexOf(quote.slice(-KEY));
  if (at < 0) return null;
  const end = start + head + at + KEY;
  const tail = commonLength(quote, m - 1, text, end - 1, -1, Math.min(m - head, end - start - head));
  const inserted = end - start - m;
  const whole = head + tail === m && inserted > 0 && inserted <= Math.max(m, SPLICE_INSERT);
  const cut = end - start === head + tail && head + tail >= SPLICE_KEPT * m;
  if (!whole && !cut) return null;
  const candidate = scored("spliced", text, ctx, start, end, (head + tail) / m);
  return candidate.context >= CONTEXT_AGREES ? { ...candidate, quote: Math.max(candidate.quote, BRACKETED_QUOTE) } : null;
}

/**
 * The quote cut short or split by the revision, found from the side of its
 * context that remains (BRACKET characters of it intact) and the part of the
 * quote that follows it exactly (at least SPLICE_KEPT of it). If the rest of
 * the quote follows within SPLICE_INSERT characters, text was inserted and the
 * whole is taken, provided the context on the far side agrees too; so it is
 * if the rest's words all follow with others written in among them, and
 * otherwise nothing is (a partial placement is a wrong one); if other words
 * follow, the rest was deleted and the part is; if the quote's own words
 * follow with a typo, this is no cut at all.
 */
export function trimmed(text: string, ctx: Context, near: number, slack: number): Candidate | null {
  const { quote, prefix, suffix } = ctx;
  const m = quote.length;
  const enough = Math.max(SPLICE_KEPT * m, BRACKET);
  const budget = Math.max(m, SPLICE_INSERT);
  const sides: Array<{ start: number; end: number; kept: number }> = [];
  if (prefix.length >= BRACKET) {
    const from = Math.max(0, near - slack - BRACKET);
    const at = text.slice(from, near + slack).lastIndexOf(prefix.slice(-BRACKET));
    const start = from + at + BRACKET;
    const kept = at < 0 ? 0 : commonLength(quote, 0, text, start, 1, m);
    const rest = quote.slice(kept);
    const resumes = text.slice(start + kept, start + kept + SPLICE_INSERT + rest.length).indexOf(rest);
    const resumedAt = start + kept + resumes + rest.length;
    const whole = resumes > 0 && !crossesSentence(text.slice(start + kept, start + kept + resumes), quote.slice(0, kept)) && (farSide(rest) ? intactAfter(text, resumedAt, suffix) : standsAfter(text, resumedAt, suffix));
    // Its own words still follow, with others written in between: no cut, the whole passage or nothing.
    const into = kept >= KEY && kept < m && !midWord(quote, kept) ? writtenInto(text, rest, start + kept, endsClean(ctx), budget) : null;
    const written = into && !contextWithin(text, start + kept, into.end, suffix, 1) ? into : null;
    if (kept >= KEY && kept < m && whole) sides.push({ start, end: start + kept + resumes + rest.length, kept: m });
    else if (written) {
      if (farSide(rest) ? agreesAfter(text, written.end, suffix) : standsAfter(text, written.end, suffix)) sides.push({ start, end: written.end, kept: m });
    } else if (
      kept >= enough &&
      kept < m &&
      // Deletions take whole words: a cut inside one is a letter that happens to agree.
      !midWord(quote, kept) &&
      // A cut leaves the context on its side as it stood, further out than the few characters that found it.
      similarity(text.slice(Math.max(0, start - 2 * BRACKET), start), prefix.slice(-2 * BRACKET)) >= CONTEXT_AGREES &&
      !continues(text.slice(start + kept, start + m), rest) &&
      !later(text, rest, start + kept, m)
    ) {
      sides.push({ start, end: start + kept + gapAfter(text, start + kept, suffix, rest.length), kept });
    }
  }
  if (suffix.length >= BRACKET) {
    const from = Math.max(0, near + m - slack);
    const at = text.slice(from, near + m + slack + BRACKET).indexOf(suffix.slice(0, BRACKET));
    const end = from + at;
    const kept = at < 0 ? 0 : commonLength(quote, m - 1, text, end - 1, -1, Math.min(m, end));
    const rest = quote.slice(0, m - kept);
    const lookFrom = Math.max(0, end - kept - SPLICE_INSERT - rest.length);
    const resumes = text.slice(lookFrom, end - kept).lastIndexOf(rest);
    const gap = resumes < 0 ? -1 : end - kept - (lookFrom + resumes + rest.length);
    const into = kept >= KEY && kept < m && !midWord(quote, m - kept) ? writtenIntoBefore(text, rest, end - kept, startsClean(ctx), budget) : null;
    const written = into && !contextWithin(text, into.start, end - kept, prefix, -1) ? into : null;
    const inserted = gap > 0 && !crossesSentence(text.slice(end - kept - gap, end - kept), rest);
    const resumedFrom = lookFrom + resumes;
    if (kept >= KEY && kept < m && inserted && (farSide(rest) ? intactBefore(text, resumedFrom, prefix) : standsBefore(text, resumedFrom, prefix)))
      sides.push({ start: resumedFrom, end, kept: m });
    else if (written) {
      if (farSide(rest) ? agreesBefore(text, written.start, prefix) : standsBefore(text, written.start, prefix)) sides.push({ start: written.start, end, kept: m });
    } else if (
      kept >= enough &&
      kept < m &&
      !midWord(quote, m - kept) &&
      similarity(text.slice(end, end + 2 * BRACKET), suffix.slice(0, 2 * BRACKET)) >= CONTEXT_AGREES &&
      !continues(text.slice(Math.max(0, end - m), end - kept), rest) &&
      !earlier(text, rest, end - kept, m)
    ) {
      sides.push({ start: end - kept - gapBefore(text, end - kept, prefix, rest.length), end, kept });
    }
  }
  const [best] = sides.sort((a, b) => b.kept - a.kept);
  return best ? { ...scored("trimmed", text, ctx, best.start, best.end, best.kept / m), context: 1 } : null;
}

/**
 * How far the context on the cut side stands from the cut, loosely (its own
 * words edited too); 0 where it stands right at the cut. A gap means that the
 * quote's missing part was replaced by the words in it, not deleted: the
 * passage runs across them. Unrelated text there, as when a deleted sentence
 * took the context with it, matches nowhere and leaves the cut as it is.
 */
function gapBefore(text: string, cut: number, prefix: string, missing: number): number {
  const tail = prefix.slice(-2 * BRACKET);
  if (tail.length < BRACKET) return 0;
  const widest = Math.min(cut, missing + BRACKET, SPLICE_INSERT);
  // costs[e]: the prefix's tail ending at cut − widest + e.
  return nearestGap(costsEndingIn(text, tail, cut - widest, cut), tail.length);
}

function gapAfter(text: string, cut: number, suffix: string, missing: number): number {
  const head = suffix.slice(0, 2 * BRACKET);
  if (head.length < BRACKET) return 0;
  const widest = Math.min(text.length - cut, missing + BRACKET, SPLICE_INSERT);
  // The same search read backwards: the head starting at cut + gap is, reversed, a tail ending gap before the window's end.
  const window = reversed(text.slice(cut, cut + widest + 2 * head.length));
  return nearestGap(costsEndingIn(window, reversed(head), window.length - widest, window.length), head.length);
}

/**
 * The gap with the fewest edits (the nearest among equals), if it reads as the context and better
 * than no gap. `costs` runs from the widest gap to none: its last entry is the context at the cut.
 */
function nearestGap(costs: Int32Array, length: number): number {
  let best = { gap: 0, cost: Number.POSITIVE_INFINITY };
  let atCut = Number.POSITIVE_INFINITY;
  costs.forEach((cost, e) => {
    const gap = costs.length - 1 - e;
    if (gap === 0) atCut = cost;
    else if (cost < best.cost || (cost === best.cost && gap < best.gap)) best = { gap, cost };
  });
  return best.cost < atCut && 1 - best.cost / length >= REPLACED_CONTEXT ? best.gap : 0;
}


/** Whether the quote began between words, and whether it ended between them. */
const startsClean = ({ prefix, quote }: Context) => !midWord(prefix + quote, prefix.length);
const endsClean = ({ quote, suffix }: Context) => !midWord(quote + suffix, quote.length);

/**
 * Whether the context stands right before `at`, loosely: its nearest 2 × BRACKET characters with a few edits,
 * a word written into them costing only its own letters (the far end is free). No context: the text's edge.
 */
function agreesBefore(text: string, at: number, prefix: string): boolean {
  const tail = prefix.slice(-2 * BRACKET);
  if (tail.length === 0) return at === 0;
  return 1 - costsEndingIn(text, tail, at, at)[0]! / tail.length >= CONTEXT_AGREES;
}

function agreesAfter(text: string, at: number, suffix: string): boolean {
  const head = suffix.slice(0, 2 * BRACKET);
  if (head.length === 0) return at === text.length;
  const window = reversed(text.slice(at, at + 2 * head.length));
  return 1 - costsEndingIn(window, reversed(head), window.length, window.length)[0]! / head.length >= CONTEXT_AGREES;
}

/**
 * Whether the context stands whole for 2 × BRACKET characters beside `at` (all of it, if shorter): what a
 * rest of one short word must have beyond it, since a few words of context (" schools of the ") recur.
 */
function standsBefore(text: string, at: number, prefix: string): boolean {
  const tail = prefix.slice(-2 * BRACKET);
  return tail.length === 0 ? at === 0 : at >= tail.length && text.startsWith(tail, at - tail.length);
}

function standsAfter(text: string, at: number, suffix: string): boolean {
  const head = suffix.slice(0, 2 * BRACKET);
  return head.length === 0 ? at === text.length : text.startsWith(head, at);
}

/** Whether the text before `at` ends with the prefix's last BRACKET characters (a shorter prefix: the text's edge). */
function intactBefore(text: string, at: number, prefix: string): boolean {
  return prefix.length < BRACKET || (at >= BRACKET && text.startsWith(prefix.slice(-BRACKET), at - BRACKET));
}

function intactAfter(text: string, at: number, suffix: string): boolean {
  return suffix.length < BRACKET || text.startsWith(suffix.slice(0, BRACKET), at);
}

/** Whether the rest of a quote still stands a little further on: then more was inserted than SPLICE_INSERT, not deleted. */
function later(text: string, rest: string, from: number, m: number): boolean {
  return text.slice(from, from + 4 * (m + SPLICE_INSERT)).includes(rest);
}

function earlier(text: string, rest: string, to: number, m: number): boolean {
  return text.slice(Math.max(0, to - 4 * (m + SPLICE_INSERT)), to).includes(rest);
}

/** Whether `actual` reads as `wanted` with a typo or two, rather than as other words. */
function continues(actual: string, wanted: string): boolean {
  const n = Math.min(BRACKET, wanted.length);
  return similarity(actual.slice(0, n), wanted.slice(0, n)) >= 0.5 || similarity(actual.slice(-n), wanted.slice(-n)) >= 0.5;
}

export { midWord };

/** How many characters agree, from `a[i]` and `b[j]` on, stepping by `step`, at most `max`. */
function commonLength(a: string, i: number, b: string, j: number, step: 1 | -1, max: number): number {
  let n = 0;
  while (n < max && j + n * step >= 0 && a.charCodeAt(i + n * step) === b.charCodeAt(j + n * step)) n++;
  return n;
}

export function scored(kind: Candidate["kind"], text: string, ctx: Context, start: number, end: number, quote: number, ends = 1): Candidate {
  const context = contextScore(text, start, end, ctx);
  const score = 0.55 * quote + 0.3 * context + 0.15 * positionScore(start, ctx.expected, text.length);
  return { kind, start, end, quote, context, ends, score };
}


/** How well the text around a candidate matches the quote's prefix and suffix, 0–1. */
export function contextScore(text: string, start: number, end: number, ctx: Context): number {
  const { prefix, suffix } = ctx;
  // No context at all: the quote ran from edge to edge of its text, and agrees where it still does.
  if (prefix.length + suffix.length === 0) return start === 0 && end === text.length ? 1 : 0.5;
  const before = text.slice(Math.max(0, start - prefix.length), start);
  const after = text.slice(end, end + suffix.length);
  return (similarity(before, prefix) * prefix.length + similarity(after, suffix) * suffix.length) / (prefix.length + suffix.length);
}

/** 1 for equal strings, falling with the edit distance. Both are short (CONTEXT_USED at most). */
export function similarity(actual: string, wanted: string): number {
  if (wanted.length === 0) return actual.length === 0 ? 1 : 0.5;
  if (actual === wanted) return 1;
  return Math.max(0, 1 - distance(actual, wanted, Math.max(4, Math.ceil(wanted.length / 2))) / wanted.length);
}

export function positionScore(start: number, expected: number, length: number): number {
  return 1 - Math.min(1, Math.abs(start - expected) / Math.max(1, length));
}

