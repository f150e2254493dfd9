import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, type Diff, diffCleanupEfficiency, diffMain } from "diff-match-patch-es";

/** How long a diff of two revisions may take on the re-anchoring thread before it settles for a coarser one. */
const DIFF_SECONDS = 1;

/** Where a sentence ends: after its closing mark and the space that follows it, or after a line break. */
const SENTENCE_END = /(?<=[.!?]\s|\n)/;

/** Sentences a text may hold for the sentence diff: one UTF-16 unit each, outside the surrogates. */
const MAX_SENTENCES = 0xffff - 0x800;

/**
 * Sentences in a row that pin two places of the texts together when they occur once in each: a 2 MB text of
 * the same sentences shuffled has each sentence a hundred times and more, but four in a row almost never twice.
 */
const ANCHOR = 4;
/** Sentences between two pins (both texts' together) that are diffed without a deadline: at most this many squared steps. */
const SHORT_STRETCH = 256;

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

  constructor(
    before: string,
    private readonly after: string,
  ) {
    const diffs = sentenceDiff(before, after) ?? cleaned(diffMain(before, after, { diffTimeout: DIFF_SECONDS }));
    let from = 0;
    let to = 0;
    for (const [op, text] of diffs) {
      const last = this.kept.at(-1);
      // Kept stretches that meet (a sentence kept, then the first words of the next one) are one.
      if (op === DIFF_EQUAL && last && last.from + last.length === from && last.to + last.length === to) last.length += text.length;
      else if (op === DIFF_EQUAL) this.kept.push({ from, to, length: text.length });
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

  /**
   * Where the revision took old `[start, end)`, the text `quote`, when it kept the quote's first and last words
   * as they were: the new text from the one to the other (with the marks beyond them, where those were kept
   * too), and how many of the quote's UTF-16 units it kept in between. Null when either end word was rewritten:
   * the map then does not know where the passage begins or ends, and the search decides.
   */
  follow(start: number, end: number, quote: string): { start: number; end: number; kept: number } | null {
    const first = WORD.exec(quote);
    const last = lastWord(quote);
    if (!first || !last) return null;
    const head = this.carry(start + first.index, start + first.index + first[0].length);
    const tail = this.carry(start + last.start, start + last.end);
    if (head === null || tail === null) return null;
    const from = this.carry(start, start + 1) ?? head;
    const lastKept = this.carry(end - 1, end);
    const to = lastKept === null ? tail + (last.end - last.start) : lastKept + 1;
    if (to <= from) return null;
    // The words between the ends are judged whole: a diff keeps stray letters and spaces of a rewritten middle
    // ("a threat that is" made "States, regarding the relationship" kept 30 of 35 units), and counted so, the
    // quote's ends alone would carry it onto words it never had.
    const inner = [...quote.matchAll(WORDS)].slice(1, -1);
    let innerLetters = 0;
    let innerKept = 0;
    for (const word of inner) {
      innerLetters += word[0].length;
      const at = this.carry(start + word.index, start + word.index + word[0].length);
      if (at !== null && !LETTER.test(this.after[at - 1] ?? "") && !LETTER.test(this.after[at + word[0].length] ?? "")) innerKept += word[0].length;
    }
    if (innerKept < FOLLOWED_INNER_KEPT * innerLetters) return null;
    return { start: from, end: to, kept: Math.max(0, this.keptWithin(start, end) - (innerLetters - innerKept)) };
  }

  /** How many UTF-16 units of old `[start, end)` the revision kept, wherever it put them. */
  private keptWithin(start: number, end: number): number {
    let kept = 0;
    for (let i = Math.max(0, this.lastBefore(start)); i < this.kept.length && this.kept[i]!.from < end; i++) {
      const run = this.kept[i]!;
      kept += Math.max(0, Math.min(end, run.from + run.length) - Math.max(start, run.from));
    }
    return kept;
  }

  /**
   * Whether the new text's `[start, end)` both begins and ends in stretches the revision kept from outside old
   * `[from, to)`, and most of it was kept so: the words of another passage, there before the revision, whatever
   * they read. One end only may be the passage's own, cut short, with a mark of the sentence before it that a
   * deletion brought beside it. Letters a diff paired across a rewritten stretch ("t, ", "ow" of a paragraph
   * moved among others) are not a passage: counted, they refused a moved paragraph its only copy.
   */
  keptFromElsewhere(start: number, end: number, from: number, to: number): boolean {
    const outside = (at: number) => at < from || at >= to;
    const endsKept = [start, end - 1].every((at) => {
      const run = this.kept[lastAtOrBefore(this.kept, at, (k) => k.to)];
      return !!run && at < run.to + run.length && outside(run.from + (at - run.to));
    });
    if (!endsKept) return false;
    let kept = 0;
    for (let i = Math.max(0, lastAtOrBefore(this.kept, start, (k) => k.to)); i < this.kept.length && this.kept[i]!.to < end; i++) {
      const run = this.kept[i]!;
      // The part of the run within [start, end), in old positions, less what of it lies inside [from, to).
      const a = run.from + Math.max(0, start - run.to);
      const b = run.from + Math.min(run.length, end - run.to);
      if (b > a) kept += b - a - Math.max(0, Math.min(b, to) - Math.max(a, from));
    }
    return kept * 2 > end - start;
  }

  private runAt(at: number): Kept | null {
    const run = this.kept[this.lastBefore(at)];
    return run && at >= run.from && at < run.from + run.length ? run : null;
  }

  private lastBefore(at: number): number {
    return lastAtOrBefore(this.kept, at, (k) => k.from);
  }
}

/** A word as the anchoring reads it: letters, digits and marks. */
const WORD = /[\p{L}\p{N}\p{M}]+/u;
const WORDS = new RegExp(WORD.source, "gu");
const LETTER = /[\p{L}\p{N}\p{M}]/u;
/** How much of the words between a followed quote's end words (their letters) the revision must have kept whole. */
const FOLLOWED_INNER_KEPT = 0.6;

/** A text's last word, found from its end: a quote can be 20,000 characters. */
function lastWord(text: string): { start: number; end: number } | null {
  let end = text.length;
  while (end > 0 && !LETTER.test(text[end - 1]!)) end--;
  let start = end;
  while (start > 0 && LETTER.test(text[start - 1]!)) start--;
  return end > start ? { start, end } : null;
}

/** The index of the last stretch whose `key` is at or before `at` (kept stretches rise in both texts), or -1. */
function lastAtOrBefore(kept: Kept[], at: number, key: (k: Kept) => number): number {
  let low = 0;
  let high = kept.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (key(kept[mid]!) <= at) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * A diff with stray letters that match inside rewritten text folded into the edits around them. Done for each
 * rewritten stretch on its own where the sentence diff found them: over the whole of a 2 MB text's diff, of
 * many thousand parts, the clean-up's splicing took 10–20 s of the thread.
 */
function cleaned(diffs: Diff[]): Diff[] {
  diffCleanupEfficiency(diffs);
  return diffs;
}

/**
 * A diff sentence by sentence, then letter by letter within the sentences that changed; null for a text of
 * more distinct sentences than it can name. Letter by letter, a 2 MB text of the same sentences in another
 * order (each written a hundred times and more) ran past its deadline with 5% of them corrected, and the
 * diff it settled for kept nothing: every quote lost its place. diff-match-patch's own first pass goes line
 * by line, which a text of long paragraphs, or of one, gives it nothing to go on.
 */
function sentenceDiff(before: string, after: string): Diff[] | null {
  const deadline = Date.now() + DIFF_SECONDS * 1000;
  const names = new Map<string, string>();
  const sentences: string[] = [];
  const encode = (text: string): string | null => {
    let out = "";
    for (const sentence of text.split(SENTENCE_END)) {
      let name = names.get(sentence);
      if (name === undefined) {
        if (sentences.length >= MAX_SENTENCES) return null;
        const code = sentences.length;
        name = String.fromCharCode(code < 0xd800 ? code : code + 0x800);
        names.set(sentence, name);
        sentences.push(sentence);
      }
      out += name;
    }
    return out;
  };
  const named = [encode(before), encode(after)] as const;
  if (named[0] === null || named[1] === null) return null;
  const decode = (name: string) => sentences[name.charCodeAt(0) < 0xd800 ? name.charCodeAt(0) : name.charCodeAt(0) - 0x800]!;
  const diffs: Diff[] = [];
  let deleted = "";
  let inserted = "";
  const flush = () => {
    if (deleted && inserted) diffs.push(...cleaned(diffMain(deleted, inserted, { diffTimeout: DIFF_SECONDS }, false, deadline)));
    else if (deleted) diffs.push([DIFF_DELETE, deleted]);
    else if (inserted) diffs.push([DIFF_INSERT, inserted]);
    deleted = inserted = "";
  };
  for (const [op, names] of anchoredDiff(named[0], named[1], deadline)) {
    const text = Array.from(names, decode).join("");
    if (op === DIFF_DELETE) deleted += text;
    else if (op === DIFF_INSERT) inserted += text;
    else {
      flush();
      diffs.push([DIFF_EQUAL, text]);
    }
  }
  flush();
  return diffs;
}

/**
 * A diff of two texts of sentence names, pinned first where ANCHOR sentences in a row occur once in each (the
 * longest chain of such places that keeps their order), then diffed between them. Whole, a 2 MB text of
 * shuffled copies with a fifth of its sentences rewritten ran 2.6 s and more, past its deadline, and kept
 * nothing; between the pins each diff is short, and one that still runs out of time loses only its stretch.
 */
function anchoredDiff(before: string, after: string, deadline: number): Diff[] {
  const inAfter = onceEach(after);
  const pins: Array<[number, number]> = [];
  for (const [run, at] of onceEach(before)) {
    const there = inAfter.get(run);
    if (at >= 0 && there !== undefined && there >= 0) pins.push([at, there]);
  }
  pins.sort((a, b) => a[0] - b[0]);
  const diffs: Diff[] = [];
  let from = 0;
  let to = 0;
  // A short stretch between pins is diffed whatever the clock says, as its cost is bounded: under load, letting
  // those run out of time too lost sentences kept right beside a rewritten one.
  const between = (a: string, b: string) => {
    if (a.length + b.length <= SHORT_STRETCH) diffs.push(...diffMain(a, b, { diffTimeout: 0 }, false));
    else diffs.push(...diffMain(a, b, { diffTimeout: DIFF_SECONDS }, false, deadline));
  };
  for (const [at, there] of inOrder(pins)) {
    // Pins that overlap the last one on its diagonal lengthen it; others that overlap it are passed over.
    if (at < from && at - there === from - to) {
      diffs.push([DIFF_EQUAL, before.slice(from, at + ANCHOR)]);
    } else if (at >= from && there >= to) {
      between(before.slice(from, at), after.slice(to, there));
      diffs.push([DIFF_EQUAL, before.slice(at, at + ANCHOR)]);
    } else continue;
    from = at + ANCHOR;
    to = there + ANCHOR;
  }
  between(before.slice(from), after.slice(to));
  return diffs;
}

/** Each run of ANCHOR names in `text`, with where it starts if it occurs once, else -1. */
function onceEach(text: string): Map<string, number> {
  const runs = new Map<string, number>();
  for (let at = 0; at + ANCHOR <= text.length; at++) {
    const run = text.slice(at, at + ANCHOR);
    runs.set(run, runs.has(run) ? -1 : at);
  }
  return runs;
}

/** The longest chain of pins rising in both texts (pins come sorted by their place in the first). */
function inOrder(pins: Array<[number, number]>): Array<[number, number]> {
  const tails: number[] = [];
  const previous = new Int32Array(pins.length).fill(-1);
  pins.forEach(([, there], i) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (pins[tails[mid]!]![1] < there) low = mid + 1;
      else high = mid;
    }
    if (low > 0) previous[i] = tails[low - 1]!;
    tails[low] = i;
  });
  const chain: Array<[number, number]> = [];
  for (let i = tails.at(-1) ?? -1; i >= 0; i = previous[i]!) chain.push(pins[i]!);
  return chain.reverse();
}
