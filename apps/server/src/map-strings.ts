/**
 * `value` with `fn` applied to every string in it, however deep in arrays and plain objects; anything else
 * (numbers, null, a Date) is kept as it is. For what is about to leave as JSON: stored (storable-text.ts) or
 * exported (export/bidi.ts).
 */
export function mapStrings<T>(value: T, fn: (text: string) => string): T {
  if (typeof value === "string") return fn(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn)) as T;
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, fn)])) as T;
}
