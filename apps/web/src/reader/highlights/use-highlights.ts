import { useEffect, useMemo, useRef } from "react";
import type { AnnotationStore, Item } from "../../sync/annotation-store.ts";
import { layerFor } from "./highlight-style.ts";
import { HighlightPainter, type Paint } from "./painter.ts";
import type { TextMap } from "./text-map.ts";
import type { Thread } from "../threads/threads.ts";

function usePainter(map: TextMap<Text> | null): HighlightPainter | null {
  const painter = useMemo(() => (map && HighlightPainter.supported() ? new HighlightPainter(map) : null), [map]);
  useEffect(() => () => painter?.clear(), [painter]);
  return painter;
}

/** How one annotation is painted as a thread root (threads.ts, `rootPaint`), or null. */
export type PaintOf = (item: Item, find: (id: string) => Item | undefined) => Paint | null;

/**
 * Paints every shown thread's highlight in its layer.
 *
 * The threads are rebuilt from all annotations, which with thousands of them
 * is work the reader defers (ReaderScreen). So that a change is painted
 * without waiting for it, the stores' touched annotations are painted at
 * once, as `paintOf` says they will be; the rebuilt threads then confirm it,
 * and settle whatever a change to one annotation does to others.
 */
export function useThreadHighlights(map: TextMap<Text> | null, threads: readonly Thread[], stores: ReadonlyArray<AnnotationStore | null>, paintOf: PaintOf | null) {
  const painter = usePainter(map);
  useEffect(() => {
    painter?.update(threads.flatMap((t) => (t.span ? [{ id: t.root.id, span: t.span, layer: layerFor(t.root) }] : [])));
  }, [painter, threads]);

  const latest = useRef(paintOf);
  latest.current = paintOf;
  const [a, b, c] = stores;
  useEffect(() => {
    const live = [a, b, c].filter((s): s is AnnotationStore => !!s);
    if (!painter || !live.length) return;
    const find = (id: string) => live.map((s) => s.get(id)).find(Boolean);
    const offs = live.map((store) =>
      store.onTouched((ids) => {
        const paintOf = latest.current;
        if (!paintOf) return;
        painter.patch(ids.map((id) => [id, ((item) => (item ? paintOf(item, find) : null))(find(id))]));
      }),
    );
    return () => offs.forEach((off) => off());
  }, [painter, a, b, c]);
}

/** Paints the transient layers: the focused thread, the selection being annotated, others' selections. */
export function useOverlayHighlights(map: TextMap<Text> | null, paints: readonly Paint[]) {
  const painter = usePainter(map);
  useEffect(() => {
    painter?.update(paints);
  }, [painter, paints]);
}
