import { useEffect, useMemo } from "react";
import { layerFor } from "./highlight-style.ts";
import { HighlightPainter, type Paint } from "./painter.ts";
import type { TextMap } from "./text-map.ts";
import type { Thread } from "./threads.ts";

function usePainter(map: TextMap<Text> | null): HighlightPainter | null {
  const painter = useMemo(() => (map && HighlightPainter.supported() ? new HighlightPainter(map) : null), [map]);
  useEffect(() => () => painter?.clear(), [painter]);
  return painter;
}

/** Paints every shown thread's highlight in its layer. */
export function useThreadHighlights(map: TextMap<Text> | null, threads: readonly Thread[]) {
  const painter = usePainter(map);
  useEffect(() => {
    painter?.update(threads.flatMap((t) => (t.span ? [{ id: t.root.id, span: t.span, layer: layerFor(t.root) }] : [])));
  }, [painter, threads]);
}

/** Paints the transient layers: the focused thread, the selection being annotated, others' selections. */
export function useOverlayHighlights(map: TextMap<Text> | null, paints: readonly Paint[]) {
  const painter = usePainter(map);
  useEffect(() => {
    painter?.update(paints);
  }, [painter, paints]);
}
