import { BRACKET, KEY, midWord, reversed } from "./words.ts";

// Words written into a quote, read word by word, for readings.ts's `spliced` and `trimmed`.

/**
 * Whether the rest of a quote read past words written into it is enough to be found by (two words, or KEY
 * characters), so that its far side's context may agree loosely. A rest of one short word ("the", "to") turns
 * up again within a few words almost anywhere, and is taken only where the context beyond it stands intact.
 */
export const farSide = (rest: string) => rest.trim().length >= KEY || rest.trim().split(/\s+/).length >= 2;
/** A sentence's closing mark, with the quotes or brackets that close around it. */
const CLOSES = String.raw`[.!?][”"’')\]]*`;
const SENTENCE_END = new RegExp(`${CLOSES}$`);
const SENTENCE_BREAK = new RegExp(`${CLOSES}\\s`);
const ENDS_SENTENCE = new RegExp(`${CLOSES}\\s*$`);
/**
 * Whether text written into a quote ends a sentence inside it, where the quote's words before the insertion
 * (`before`) did not end one: its words after it are then another sentence's. A sentence inserted between two
 * of the quote's own is read as such.
 */
export const crossesSentence = (inserted: string, before: string) => SENTENCE_BREAK.test(inserted) && !ENDS_SENTENCE.test(before);

/**
 * Whether the quote's context on the far side (`side` 1: its suffix, -1: its prefix) stands among the words
 * read past as written into the quote, between `from` and `to`: then the quote ended (or began) there, its
 * own words were deleted, and the same words found beyond its context are other words.
 */
export function contextWithin(text: string, from: number, to: number, context: string, side: 1 | -1): boolean {
  const near = side === 1 ? context.trimStart().slice(0, BRACKET) : context.trimEnd().slice(-BRACKET);
  return near.length >= KEY && text.slice(from, to).includes(near);
}

/**
 * Where `words` (the rest of a quote, from between two of its words) ends in `text` read from `at`, with
 * whole words written in among its own: each of its words in turn, exactly, and before each any of the
 * text's whole words, at most `budget` UTF-16 units of them in all. `clean`: it ended between words, so its
 * last word must end where one of the text's does. Null if a word of it is not there, or nothing was written
 * in. Its cost is bounded by its length and the budget, whatever the text holds.
 */
export function writtenInto(text: string, words: string, at: number, clean: boolean, budget: number): { end: number } | null {
  const tokens = words.match(/\s*\S+\s*|\s+/g) ?? [];
  let j = at;
  let inserted = 0;
  for (const [t, token] of tokens.entries()) {
    const last = t === tokens.length - 1;
    while (!(text.startsWith(token, j) && !(last && clean && midWord(text, j + token.length)))) {
      if (midWord(text, j) || j >= text.length) return null;
      // One of the text's words, and the spaces after it, written in: read no further than the units left, a
      // word may be megabytes.
      const from = j;
      const limit = Math.min(text.length, j + budget - inserted + 1);
      while (j < limit && /\S/.test(text[j]!)) j++;
      // Words written in stay within the quote's sentence: one that ends a sentence starts another passage.
      if (SENTENCE_END.test(text.slice(from, j))) return null;
      while (j < limit && /\s/.test(text[j]!)) j++;
      inserted += j - from;
      if (j === from || inserted > budget) return null;
    }
    j += token.length;
  }
  return inserted > 0 ? { end: j } : null;
}

/** The same read backwards: where `words` (a quote's first words) starts when it ends at `at`. */
export function writtenIntoBefore(text: string, words: string, at: number, clean: boolean, budget: number): { start: number } | null {
  // The text is read backwards from `at`, where a word written in must end, not stop inside one.
  if (midWord(text, at)) return null;
  const from = Math.max(0, at - words.length - budget - 1);
  const found = writtenInto(reversed(text.slice(from, at)), reversed(words), 0, clean, budget);
  return found && { start: at - found.end };
}

