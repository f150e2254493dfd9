/** Word boundaries and the lengths the readings are found by (readings.ts, written-into.ts). */

/** How much of each end of a quote identifies it when text was inserted into it, in UTF-16 units. */
export const KEY = 8;
/** Context that brackets a passage must be at least this long on each side (or reach the text's edge). */
export const BRACKET = 16;

const WORD = /[\p{L}\p{N}\p{M}]/u;
const HYPHEN = /[-\u2010\u2011]/;
const letter = (s: string, at: number) => at >= 0 && at < s.length && WORD.test(s[at]!);
/**
 * Whether `at` falls inside a word of `s`: a letter, digit or mark on both sides, or a hyphen joining two on
 * one side ("so|-called" read as "to" ends inside a word written in).
 */
export const midWord = (s: string, at: number) =>
  at > 0 &&
  at < s.length &&
  ((letter(s, at - 1) && letter(s, at)) || (letter(s, at - 1) && HYPHEN.test(s[at]!) && letter(s, at + 1)) || (HYPHEN.test(s[at - 1]!) && letter(s, at - 2) && letter(s, at)));


export const reversed = (s: string) => s.split("").reverse().join("");
