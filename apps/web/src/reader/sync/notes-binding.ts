import type * as Y from "yjs";

/** The smallest single edit that turns `before` into `after`: common prefix and suffix kept. */
export function diffText(before: string, after: string): { index: number; remove: number; insert: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  // Never split a surrogate pair: Y.Text positions are UTF-16, but a half character is not text.
  if (start > 0 && isHigh(before.charCodeAt(start - 1))) start--;
  if (end > 0 && isLow(before.charCodeAt(before.length - end))) end--;
  return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Where a caret at old position `p` lands after a remote change, given as a
 * Yjs delta over the old text (retain / insert / delete). Text inserted
 * exactly at the caret goes after it, so a collaborator typing where you
 * stand does not push your caret along.
 */
export function transformPosition(p: number, delta: ReadonlyArray<{ retain?: number; insert?: unknown; delete?: number }>): number {
  let old = 0;
  let shift = 0;
  for (const op of delta) {
    if (old > p) break;
    if (op.retain) old += op.retain;
    else if (op.insert !== undefined) {
      if (old < p) shift += typeof op.insert === "string" ? op.insert.length : 1;
    } else if (op.delete) {
      if (old < p) shift -= Math.min(op.delete, p - old);
      old += op.delete;
    }
  }
  return Math.max(0, p + shift);
}

/** Applies a textarea's new value to the shared text as one small edit. */
export function applyLocalEdit(text: Y.Text, value: string, origin: unknown) {
  const { index, remove, insert } = diffText(text.toString(), value);
  if (remove === 0 && !insert) return;
  text.doc!.transact(() => {
    if (remove) text.delete(index, remove);
    if (insert) text.insert(index, insert);
  }, origin);
}
