/**
 * Text Postgres stores as given. It refuses NUL (U+0000) in text and jsonb,
 * failing the statement, and stores an unpaired UTF-16 surrogate as U+FFFD.
 * The API refuses input holding either (http/well-formed.ts); what a sync
 * socket brings, which no 400 can answer, is stored with U+FFFD for each
 * (sync/projection.ts).
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
  if (typeof value === "string") return storableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, storable(v)]));
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
