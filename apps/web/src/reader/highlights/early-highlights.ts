import { useEffect, useMemo } from "react";
import { type HighlightList, fetchHighlights } from "../../api/annotations.ts";
import { useAsync } from "../../lib/use-async.ts";
import { SyncHold } from "../../sync/sync-hold.ts";
import { fitsText } from "../threads/threads.ts";
import { layerFor } from "./highlight-style.ts";
import type { Paint } from "./painter.ts";
import type { TextMap } from "./text-map.ts";
import { afterNextPaint } from "./use-after-paint.ts";

export type FirstPaint = { list: HighlightList | null; hold: SyncHold };

/**
 * The server's list of the article's highlights, fetched beside the article
 * text so that they are painted with it, before the documents have synced:
 * with thousands of annotations the first sync is the largest thing the
 * reader waits for (docs/architecture.md, "The reader's first paint").
 *
 * While the list is on its way, and until a frame has painted it, the group
 * document's socket waits on `hold`: receiving and decoding a large first
 * sync takes the main thread for a second or more, and a busy server sends
 * the sync before it answers the two requests (measured with `pnpm
 * bench:reader`), so without the hold the text and its highlights would wait
 * for it.
 */
export function useHighlightList(articleId: string): FirstPaint {
  const hold = useMemo(() => new SyncHold(), [articleId]);
  useEffect(() => () => hold.open(), [hold]);
  const list = useAsync(() => {
    hold.close();
    return fetchHighlights(articleId).catch((err: unknown) => {
      hold.open();
      throw err;
    });
  }, [articleId, hold]);
  return { list: list.data ?? null, hold };
}

/**
 * The list as the painter's spans, while the documents' threads have not
 * taken over (`settled`), and only on the revision on screen: where the two
 * could differ (a target on another revision, re-anchored by the reader), the
 * list leaves the span out and the documents paint it. A span is where its
 * target says, as `locate` reads a target on the current revision, and its
 * layer is the one `layerFor` gives the same annotation from the documents,
 * so the threads take the same ranges over.
 */
export function useEarlyPaints({ list, hold }: FirstPaint, map: TextMap<Text> | null, revision: number, settled: boolean): readonly Paint[] | null {
  const paints = useMemo(() => {
    if (!list || !map || settled) return null;
    if (list.revision !== revision) return [];
    return list.highlights
      .filter((h) => fitsText(h, map.length))
      .map((h) => ({ id: h.id, span: { start: h.start, end: h.end }, layer: layerFor({ ...h, source: h.visibility, factcheck: { verdict: h.verdict } }) }));
  }, [list, map, revision, settled]);
  // Painted in this commit (useThreadHighlights), or made needless by the documents: their socket may open.
  useEffect(() => (list && map ? afterNextPaint(() => hold.open()) : undefined), [list, map, hold]);
  return paints;
}
