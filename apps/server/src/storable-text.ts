import { ApiError } from "./errors.ts";
import { mapStrings } from "./map-strings.ts";

/**
 * Text Postgres stores as given. It refuses NUL (U+0000) in text and jsonb,
 * failing the statement, and stores an unpaired UTF-16 surrogate as U+FFFD.
 * The API refuses input holding either (http/well-formed.ts); what a sync
 * socket brings, which no 400 can answer, is stored with U+FFFD for each
 * (sync/persist/projection.ts).
 */
export const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = new RegExp(`\\u0000|${UNPAIRED_SURROGATE.source}`);
const EVERY_UNSTORABLE = new RegExp(UNSTORABLE.source, "g");

/** `text` with U+FFFD for each NUL and unpaired surrogate. */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(EVERY_UNSTORABLE, "\uFFFD") : text;
}

/** `value` with every string in it, however deep in arrays and plain objects, storable. */
export function storable(value: unknown): unknown {
  return mapStrings(value, storableText);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what Postgres text refuses.
const SUSPECT = /[\u0000\uD800-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const NUL = /\u0000/;

/** Whether a short string holds a NUL or a surrogate: for a key or a word, a loop is quicker than a regex call. */
function shortSuspect(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0 || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/** What a string holds that stored text may not, or null. Most strings hold neither, and one scan says so. */
export function textProblem(text: string): string | null {
  if (!(text.length < 32 ? shortSuspect(text) : SUSPECT.test(text))) return null;
  if (NUL.test(text)) return "a NUL character (U+0000)";
  return UNPAIRED_SURROGATE.test(text) ? "an unpaired UTF-16 surrogate" : null;
}

/**
 * The most an article may hold, in UTF-8 bytes: the size of an uploaded
 * body (http/article-body.ts), and of the text any import makes, since a
 * small PDF or page can make far more text than it has bytes.
 */
export const MAX_ARTICLE_BYTES = 10 * 1024 * 1024;

/** An article over MAX_ARTICLE_BYTES: the answer an upload over it gets, whatever made the text. */
export function articleTooLarge(): ApiError {
  return new ApiError("payload_too_large", `Articles are limited to ${MAX_ARTICLE_BYTES / 1024 / 1024} MiB`);
}

/** Refuses an article's text over MAX_ARTICLE_BYTES. Counted without encoding it; text of a third of the limit or less is not counted at all. */
export function assertArticleSize(text: string): void {
  if (text.length * 3 > MAX_ARTICLE_BYTES && Buffer.byteLength(text, "utf8") > MAX_ARTICLE_BYTES) throw articleTooLarge();
}

/**
 * The most blocks (paragraphs, headings, list items and the like) an article may have. A book runs to
 * thousands or tens of thousands of paragraphs, and 10 MiB of text in paragraphs of a hundred bytes is
 * about this many; past it, the block map, not the text, is the bulk of every answer: a 3 MB text of
 * one-letter paragraphs made a million blocks, a minute to store and 70 MB to send at every read.
 */
export const MAX_ARTICLE_BLOCKS = 100_000;

/** An article of more than MAX_ARTICLE_BLOCKS blocks, answered as one over MAX_ARTICLE_BYTES is. */
export function tooManyBlocks(): ApiError {
  return new ApiError("payload_too_large", `Articles are limited to ${MAX_ARTICLE_BLOCKS.toLocaleString("en-US")} blocks (paragraphs, headings, list items and the like)`);
}
