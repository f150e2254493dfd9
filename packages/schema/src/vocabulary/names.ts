import type { z } from "zod";

/**
 * Characters a name may not hold: control characters (a line break would let a name write lines of its
 * own wherever it is quoted, a mail among them), line and paragraph separators, and the bidirectional
 * embeddings, overrides and isolates, which would reverse the text that follows a name where it is shown
 * (a notification's "replied to your annotation"). Names in right-to-left scripts need none of them.
 * NUL is left to the server's check of all text it stores, which names it as such (http/well-formed.ts).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const NOT_IN_NAMES = /[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const ALL_NOT_IN_NAMES = new RegExp(NOT_IN_NAMES.source, "g");
const ONE_LINE_MESSAGE = "must be one line, without control or bidirectional-override characters";

/** The same rule for any one line of text shown where a name would be: an article's title and byline. */
export const oneLine = (s: z.ZodString) => s.refine((text) => !NOT_IN_NAMES.test(text), ONE_LINE_MESSAGE);

/**
 * A title or byline that a source gave (a page's title, a PDF's metadata), made one line: what a
 * caller could not send is replaced by a space rather than refused, since the uploader did not write it.
 */
export const asOneLine = (text: string) => text.replace(ALL_NOT_IN_NAMES, " ").trim();

/**
 * Whether text shows anything: not only spaces, format characters (zero-width spaces and joiners, direction
 * marks, soft hyphens, the byte-order mark), marks with nothing to sit on, or the blank fillers of Hangul and
 * Braille. A name, title or article of those alone reads as empty, and is refused as the empty one is.
 */
const SHOWS = /[^\s\p{Cf}\p{M}\u115f\u1160\u3164\uffa0\u2800]/u;
export const showsText = (text: string) => SHOWS.test(text);

/** A line that must show something (showsText): a name, an article's title. */
export const shown = (s: z.ZodString) => s.refine(showsText, "must show at least one visible character");

/** A person's, a group's or a token's name: one line of 1 to `max` characters, trimmed, that shows something. */
export const nameOf = (max: number) => (s: z.ZodString) => shown(oneLine(s.trim().min(1).max(max)));
