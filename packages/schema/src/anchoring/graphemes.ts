/**
 * Grapheme clusters: what a reader sees as one character (a letter and its
 * combining marks, an emoji sequence, a flag). A target never starts or ends
 * inside one (docs/architecture.md, "Anchoring"); its positions still count
 * code points. Only a small window around an offset is segmented, so a check
 * costs the same on any text.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
/** Clusters longer than this (stacked marks, long emoji sequences) are rare; the window covers them. */
const REACH = 64;

/** The cluster boundaries within REACH of a UTF-16 offset, in order, absolute. */
function boundariesNear(text: string, at: number): number[] {
  const from = Math.max(0, at - REACH);
  const window = text.slice(from, Math.min(text.length, at + REACH));
  const found: number[] = [];
  for (const { index } of segmenter.segment(window)) found.push(from + index);
  found.push(from + window.length);
  return found;
}

/**
 * Whether an offset is a boundary by the quick test: between two characters
 * below U+0300 (no combining marks, joiners, emoji or Hangul), every offset is
 * one but the one inside CR LF. Most offsets of most texts pass it, and only
 * the others are segmented.
 */
function plainBoundary(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return true;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before < 0x300 && after < 0x300 && !(before === 13 && after === 10);
}

/** The cluster boundary at or before a UTF-16 offset. */
export function clusterStart(text: string, at: number): number {
  if (plainBoundary(text, at)) return at;
  const found = boundariesNear(text, at).filter((b) => b <= at);
  return found.at(-1) ?? at;
}

/** The cluster boundary at or after a UTF-16 offset. */
export function clusterEnd(text: string, at: number): number {
  if (plainBoundary(text, at)) return at;
  return boundariesNear(text, at).find((b) => b >= at) ?? at;
}

/** Whether a UTF-16 offset falls between two grapheme clusters. */
export function isClusterBoundary(text: string, at: number): boolean {
  return clusterStart(text, at) === at;
}
