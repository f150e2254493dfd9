import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, type Diff, diffCleanupEfficiency, diffMain } from "diff-match-patch-es";

/** How long a diff of two revisions may take on the re-anchoring thread before it settles for a coarser one. */
const DIFF_SECONDS = 1;

/** Where a sentence ends: after its closing mark and the space that follows it, or after a line break. */
const SENTENCE_END = /(?<=[.!?]\s|\n)/;

/** Sentences a text may hold for the sentence diff: one UTF-16 unit each, outside the surrogates. */
const MAX_SENTENCES = 0xffff - 0x800;

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

  constructor(before: string, after: string) {
    const diffs = sentenceDiff(before, after) ?? diffMain(before, after, { diffTimeout: DIFF_SECONDS });
    diffCleanupEfficiency(diffs);
    let from = 0;
    let to = 0;
    for (const [op, text] of diffs) {
      if (op === DIFF_EQUAL) this.kept.push({ from, to, length: text.length });
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

  private runAt(at: number): Kept | null {
    const run = this.kept[this.lastBefore(at)];
    return run && at >= run.from && at < run.from + run.length ? run : null;
  }

  /** The index of the last kept stretch starting at or before `at`, or -1. */
  private lastBefore(at: number): number {
    let low = 0;
    let high = this.kept.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.kept[mid]!.from <= at) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }
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
    if (deleted && inserted) diffs.push(...diffMain(deleted, inserted, { diffTimeout: DIFF_SECONDS }, false, deadline));
    else if (deleted) diffs.push([DIFF_DELETE, deleted]);
    else if (inserted) diffs.push([DIFF_INSERT, inserted]);
    deleted = inserted = "";
  };
  for (const [op, names] of diffMain(named[0], named[1], { diffTimeout: DIFF_SECONDS }, false, deadline)) {
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
