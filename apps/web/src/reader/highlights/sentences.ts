import type { Span, TextMap } from "./text-map.ts";

/**
 * Sentence steps for annotating without a mouse. Sentences come from
 * Intl.Segmenter (the Unicode sentence rules, which know the Persian and
 * Arabic question mark as well as the full stop), one block at a time, so a
 * step costs one block's segmentation however long the article is.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });

type Block = { start: number; end: number };

/** A block's sentences as code point spans, without the whitespace around them. */
export function blockSentences<N>(map: TextMap<N>, block: Block): Span[] {
  const base = map.index.toUtf16(block.start);
  const text = map.slice(block);
  const spans: Span[] = [];
  for (const { index, segment } of segmenter.segment(text)) {
    const start = map.index.toCodePoint(base + index);
    const end = map.index.toCodePoint(base + index + segment.length);
    const trimmed = map.trim({ start, end });
    if (trimmed) spans.push(trimmed);
  }
  return spans;
}

/** The index of the block that holds code point `cp`, or of the first block after it. */
function blockAt<N>(map: TextMap<N>, cp: number): number {
  const blocks = map.placed;
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (blocks[mid]!.end <= cp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first sentence that starts at or after `from`'s end; the article's first sentence when there is no `from`. */
export function nextSentence<N>(map: TextMap<N>, from: Span | null): Span | null {
  const after = from ? from.end : 0;
  const blocks = map.placed;
  for (let i = blockAt(map, after); i < blocks.length; i++) {
    const found = blockSentences(map, blocks[i]!).find((s) => s.start >= after);
    if (found) return found;
  }
  return null;
}

/** The last sentence that ends at or before `from`'s start; the article's last sentence when there is no `from`. */
export function previousSentence<N>(map: TextMap<N>, from: Span | null): Span | null {
  const before = from ? from.start : map.length;
  const blocks = map.placed;
  for (let i = Math.min(blockAt(map, before), blocks.length - 1); i >= 0; i--) {
    const found = blockSentences(map, blocks[i]!).findLast((s) => s.end <= before);
    if (found) return found;
  }
  return null;
}
