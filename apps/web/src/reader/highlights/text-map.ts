import { CodePointIndex } from "../../lib/anchoring.ts";

export type Span = { start: number; end: number };
type Placed<N> = { start: number; end: number; node: N; utf16Start: number };
export type Point<N> = { node: N; offset: number };

/**
 * Maps code point offsets of the article text to positions in the rendered
 * blocks, one text node per block, and back. Built once per rendered
 * article; every lookup is a binary search, so thousands of highlights cost
 * thousands of logarithms, not a walk of the DOM each.
 *
 * Generic over the node type so that the arithmetic is testable without a DOM.
 */
export class TextMap<N = Text> {
  readonly index: CodePointIndex;
  private readonly blocks: Placed<N>[];
  private readonly byNode = new Map<N, number>();

  constructor(
    readonly text: string,
    blocks: ReadonlyArray<{ start: number; end: number; node: N }>,
    index = new CodePointIndex(text),
  ) {
    this.index = index;
    this.blocks = [...blocks]
      .sort((a, b) => a.start - b.start)
      .map((b) => ({ ...b, utf16Start: index.toUtf16(b.start) }));
    this.blocks.forEach((b, i) => this.byNode.set(b.node, i));
  }

  get length() {
    return this.index.length;
  }

  /** Where a code point range lies in the blocks; gaps between blocks snap inwards. */
  locate(span: Span): { start: Point<N>; end: Point<N> } | null {
    const first = this.firstEndingAfter(span.start);
    const last = this.lastStartingBefore(span.end);
    if (first === null || last === null || first > last) return null;
    const a = this.blocks[first]!;
    const b = this.blocks[last]!;
    const start = Math.max(span.start, a.start);
    const end = Math.min(span.end, b.end);
    if (first === last && start >= end) return null;
    return {
      start: { node: a.node, offset: this.index.toUtf16(start) - a.utf16Start },
      end: { node: b.node, offset: this.index.toUtf16(end) - b.utf16Start },
    };
  }

  /** The code point at a UTF-16 offset inside a block's node, or null for a node we did not render. */
  codePointAt(node: N, offset: number): number | null {
    const i = this.byNode.get(node);
    if (i === undefined) return null;
    const block = this.blocks[i]!;
    const cp = this.index.toCodePoint(block.utf16Start + offset);
    return Math.max(block.start, Math.min(cp, block.end));
  }

  /** Blocks in text order, for searches that compare DOM positions. */
  get placed(): ReadonlyArray<{ start: number; end: number; node: N }> {
    return this.blocks;
  }

  /** The text of a span, as a string. */
  slice(span: Span): string {
    return this.index.slice(span.start, span.end);
  }

  /** A span without the whitespace at either end (double-click often takes a trailing space). */
  trim(span: Span): Span | null {
    const text = this.slice(span);
    const lead = text.length - text.trimStart().length;
    const trail = text.length - text.trimEnd().length;
    if (lead === text.length) return null;
    // Whitespace is always one code unit, so counting units counts code points here.
    return { start: span.start + lead, end: span.end - trail };
  }

  private firstEndingAfter(cp: number): number | null {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.blocks[mid]!.end > cp) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.blocks.length ? lo : null;
  }

  private lastStartingBefore(cp: number): number | null {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.blocks[mid]!.start < cp) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? lo - 1 : null;
  }
}
