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
