import { staticRange } from "./dom-ranges.ts";
import { priorityOf } from "./highlight-style.ts";
import type { Span, TextMap } from "./text-map.ts";

export type Paint = { id: string; span: Span; layer: string };
type Placed = { layer: string; start: number; end: number; range: AbstractRange };

/**
 * Keeps `CSS.highlights` in step with a list of painted spans. Only what
 * changed gets a new Range, so an edit among thousands of annotations costs
 * one Range, not thousands. Nothing in the article DOM is ever wrapped.
 */
export class HighlightPainter {
  private placed = new Map<string, Placed>();
  private layers = new Map<string, Highlight>();

  constructor(private readonly map: TextMap<Text>) {}

  static supported(): boolean {
    return typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";
  }

  /** Layer names are global: two painters must never share one. */
  update(paints: Iterable<Paint>) {
    const seen = new Set<string>();
    for (const paint of paints) {
      seen.add(paint.id);
      this.place(paint);
    }
    for (const id of this.placed.keys()) if (!seen.has(id)) this.remove(id);
  }

  /** Paints (or, for null, removes) a few ids and leaves every other one as it is. */
  patch(changes: Iterable<[id: string, paint: Paint | null]>) {
    for (const [id, paint] of changes) {
      if (paint) this.place(paint);
      else this.remove(id);
    }
  }

  clear() {
    // Only our own: a painter for a new text may have taken the names already (it paints in a layout
    // effect, before this one's cleanup runs).
    for (const [name, highlight] of this.layers) if (CSS.highlights.get(name) === highlight) CSS.highlights.delete(name);
    this.layers.clear();
    this.placed.clear();
  }

  private place(paint: Paint) {
    const old = this.placed.get(paint.id);
    if (old && old.layer === paint.layer && old.start === paint.span.start && old.end === paint.span.end) return;
    if (old) this.layer(old.layer).delete(old.range);
    const range = staticRange(this.map, paint.span);
    if (!range) {
      this.placed.delete(paint.id);
      return;
    }
    this.layer(paint.layer).add(range);
    this.placed.set(paint.id, { layer: paint.layer, start: paint.span.start, end: paint.span.end, range });
  }

  private remove(id: string) {
    const old = this.placed.get(id);
    if (!old) return;
    this.layer(old.layer).delete(old.range);
    this.placed.delete(id);
  }

  private layer(name: string): Highlight {
    let highlight = this.layers.get(name);
    if (!highlight) {
      highlight = new Highlight();
      highlight.priority = priorityOf(name);
      this.layers.set(name, highlight);
      CSS.highlights.set(name, highlight);
    }
    return highlight;
  }
}
