/**
 * Strings in code-unit order: what ties between equal times fall back to. Ids need a fixed order, not a
 * language's: `localeCompare` builds ICU's collator on its first call (about 25 ms on the event loop) and
 * goes through it on every one after.
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
