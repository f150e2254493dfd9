import type { Item } from "../../sync/annotation-store.ts";
import type { Thread } from "./threads.ts";

/**
 * Marks a reader types or leaves out at will: Latin accents, Arabic and
 * Persian short vowels, shadda, sukun, the hamza and madda above or below
 * alef, waw and yeh (NFKD splits them off), Quranic marks, and the tatweel
 * and zero-width (non-)joiners that only shape the letters. Other scripts'
 * marks (Devanagari vowel signs, say) are letters to their readers and stay.
 */
const IGNORED = /[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]/g;

/** Letters written two ways across Arabic and Persian keyboards, and both scripts' digits. */
const SAME_LETTER: Record<string, string> = { "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0629": "\u0647" };
const VARIANTS = /[\u064a\u0649\u0643\u0629\u0660-\u0669\u06f0-\u06f9]/g;
const unify = (c: string) => {
  const code = c.charCodeAt(0);
  if (code >= 0x0660 && code <= 0x0669) return String(code - 0x0660);
  if (code >= 0x06f0 && code <= 0x06f9) return String(code - 0x06f0);
  return SAME_LETTER[c] ?? c;
};

/**
 * Text as search compares it. NFKD first, so presentation forms (text pasted
 * from a PDF) become the letters they show and accents come apart from their
 * letters; lower case applies only to scripts that have it (Arabic letters
 * come through unchanged); whitespace runs count as one space.
 */
export function fold(text: string): string {
  return text.normalize("NFKD").toLowerCase().replace(IGNORED, "").replace(VARIANTS, unify).replace(/\s+/g, " ");
}

/** The words of a query, folded; a thread matches when its text holds every one. */
export function queryTerms(query: string): string[] {
  return fold(query).split(" ").filter(Boolean);
}

/**
 * What one annotation contributes: its body, a fact-check's claim and the
 * passage it quotes. Folded once per annotation, which keeps its identity
 * until it changes (annotation-store.ts), so typing a query costs a scan of
 * strings already folded, and a live change folds only what changed.
 */
const folded = new WeakMap<Item, string>();
function itemText(item: Item): string {
  let text = folded.get(item);
  if (text === undefined) {
    text = fold([item.body, item.factcheck?.claim ?? "", item.target?.exact ?? ""].join("\n"));
    folded.set(item, text);
  }
  return text;
}

/** Whether a thread (its first comment, or the placeholder for it, and every reply) holds all the terms. */
export function threadMatches(thread: Thread, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const texts = [itemText(thread.root), ...thread.replies.map(itemText)];
  return terms.every((term) => texts.some((text) => text.includes(term)));
}
