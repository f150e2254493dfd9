import type { Span, TextMap } from "./text-map.ts";

/** A StaticRange for a span: cheap to make, and the article DOM never changes under it. */
export function staticRange(map: TextMap<Text>, span: Span): StaticRange | null {
  const located = map.locate(span);
  if (!located) return null;
  return new StaticRange({
    startContainer: located.start.node,
    startOffset: located.start.offset,
    endContainer: located.end.node,
    endOffset: located.end.offset,
  });
}

export function liveRange(map: TextMap<Text>, span: Span): Range | null {
  const located = map.locate(span);
  if (!located) return null;
  const range = document.createRange();
  range.setStart(located.start.node, located.start.offset);
  range.setEnd(located.end.node, located.end.offset);
  return range;
}

/**
 * The code point at a DOM position. Positions in a block's text node map
 * directly; any other position (an element boundary, the space between
 * blocks) is placed by a binary search over the blocks in document order.
 */
export function codePointAtDom(map: TextMap<Text>, node: Node, offset: number): number | null {
  if (node.nodeType === Node.TEXT_NODE) {
    const direct = map.codePointAt(node as Text, offset);
    if (direct !== null) return direct;
  }
  const blocks = map.placed;
  if (blocks.length === 0) return null;
  const probe = document.createRange();
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const block = blocks[mid]!;
    probe.selectNodeContents(block.node);
    const where = probe.comparePoint(node, offset);
    if (where === 0) return offset === 0 ? block.start : block.end;
    if (where > 0) lo = mid + 1;
    else hi = mid;
  }
  // The point lies between block lo-1 and block lo.
  return lo < blocks.length ? blocks[lo]!.start : blocks[blocks.length - 1]!.end;
}

/** The current selection as a trimmed code point span, if it lies in the article. */
export function selectionSpan(map: TextMap<Text>, root: Element): Span | null {
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer) && !range.intersectsNode(root)) return null;
  const start = codePointAtDom(map, range.startContainer, range.startOffset);
  const end = codePointAtDom(map, range.endContainer, range.endOffset);
  if (start === null || end === null || start >= end) return null;
  return map.trim({ start, end });
}

/** The code point under a click, or null when the click is not on article text. */
export function codePointAtPoint(map: TextMap<Text>, x: number, y: number): number | null {
  const doc = document as Document & { caretRangeFromPoint?: (x: number, y: number) => Range | null };
  if (typeof doc.caretPositionFromPoint === "function") {
    const position = doc.caretPositionFromPoint(x, y);
    return position ? map.codePointAt(position.offsetNode as Text, position.offset) : null;
  }
  const range = doc.caretRangeFromPoint?.(x, y);
  return range ? map.codePointAt(range.startContainer as Text, range.startOffset) : null;
}

/** Rectangles of a span, for drawing labels next to it. */
export function spanRects(map: TextMap<Text>, span: Span): DOMRect[] {
  const range = liveRange(map, span);
  return range ? [...range.getClientRects()] : [];
}
