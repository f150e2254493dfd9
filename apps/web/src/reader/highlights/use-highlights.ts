import { useEffect, useLayoutEffect, useMemo, useRef } from "react";
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
 * A thread's paint, the same object while its root and span are: annotations
 * keep their identity until they change, so a rebuild of thousands of threads
 * after one change makes one new paint, not thousands.
 */
const paints = new WeakMap<Item, Paint>();
function threadPaint(t: Thread): Paint | null {
  if (!t.span) return null;
  const known = paints.get(t.root);
  if (known?.span === t.span) return known;
  const paint = { id: t.root.id, span: t.span, layer: layerFor(t.root) };
  paints.set(t.root, paint);
  return paint;
}

/**
 * Paints every shown thread's highlight in its layer, and until the
 * documents have synced, the server's list (`early`, early-highlights.ts)
 * under them: a thread takes its annotation's range over, and once `early`
 * is null whatever only the list named is removed.
 *
 * The threads are rebuilt from all annotations, which with thousands of them
 * is work the reader defers (ReaderScreen). So that a change is painted
 * without waiting for it, the stores' touched annotations are painted at
 * once, as `paintOf` says they will be; the rebuilt threads then confirm it,
 * and settle whatever a change to one annotation does to others.
 *
 * Painted in a layout effect: in the frame that shows the text or the change,
 * not one after it.
 */
export function useThreadHighlights(
  map: TextMap<Text> | null,
  threads: readonly Thread[],
  stores: ReadonlyArray<AnnotationStore | null>,
  paintOf: PaintOf | null,
  early: readonly Paint[] | null,
) {
  const painter = usePainter(map);
  useLayoutEffect(() => {
    if (!painter) return;
    const painted = threads.map(threadPaint).filter((p): p is Paint => p !== null);
    if (!early) return painter.update(painted);
    const threaded = new Set(painted.map((p) => p.id));
    painter.update([...early.filter((p) => !threaded.has(p.id)), ...painted]);
  }, [painter, threads, early]);

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
