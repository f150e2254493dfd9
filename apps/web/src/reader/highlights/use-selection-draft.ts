import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from "react";
import type { TextTarget } from "@marginalia/schema";
import { readDraft, useDraftScope, writeDraft } from "../../app/drafts.ts";
import { buildTarget, resolveTarget } from "../../lib/anchoring.ts";
import { draftText } from "../threads/draft-text.ts";
import { reanchorLostNotice } from "../sync/refusal-words.ts";
import type { TellNotice } from "../sync/use-sync-notice.ts";
import { liveRange } from "./dom-ranges.ts";
import type { NewAnnotationDraft } from "./new-annotation-draft.ts";
import type { Span, TextMap } from "./text-map.ts";

/**
 * The passage the selection popover is open on. `target` is built on the revision of the text it was
 * selected in, and is what an annotation made from the popover is saved with: its offsets mean nothing on
 * another revision. `id` names the popover, so that placing it again on a new revision keeps what is typed.
 */
export type SelectionDraft = {
  id: number;
  target: TextTarget;
  span: Span;
  at: NewAnnotationDraft["at"];
  position: { top: number; left: number };
};

/**
 * The selection popover's passage, kept on the text on screen: when a correction is loaded (by the reader, or
 * after a refused update), the passage is found again in the new revision (docs/architecture.md, "Anchoring")
 * and the popover moves there with what is written in it. A passage the correction changed or removed is not
 * guessed at: the popover closes, and what was written is told to copy, as other lost work is.
 */
export function useSelectionDraft(map: TextMap<Text> | null, text: string, revision: number, column: RefObject<HTMLElement | null>, tell: TellNotice) {
  const scope = useDraftScope();
  const [draft, setDraft] = useState<SelectionDraft | null>(null);
  const ids = useRef(0);

  const placeAt = useCallback(
    (rect: DOMRect) => {
      const box = column.current?.getBoundingClientRect();
      if (!box) return null;
      // Room for the popover's widest form (styles/reader.css: 380 px, or the column less 1rem), so that
      // opening the comment or fact-check form never pushes it off a narrow screen.
      const widest = Math.min(380, box.width - 16);
      const left = Math.max(0, Math.min(rect.left - box.left, box.width - widest - 8));
      return { top: rect.bottom - box.top + 8, left };
    },
    [column],
  );

  const open = useCallback(
    (span: Span, rect: DOMRect) => {
      const position = placeAt(rect);
      if (map && position) setDraft(draftOn(++ids.current, map, span, revision, position));
    },
    [map, revision, placeAt],
  );

  // Before paint, and only once the map is of the new text (ArticleView builds it in a layout effect).
  useLayoutEffect(() => {
    if (!draft || !map || draft.at.revision === revision || map.index.text !== text) return;
    const anchor = resolveTarget(map.index, draft.target);
    const span = anchor.state === "orphaned" ? null : { start: anchor.start, end: anchor.end };
    // Only the same words: a comment is never carried onto a quote the writer did not see.
    if (span && map.index.slice(span.start, span.end) === draft.target.exact) {
      const rect = liveRange(map, span)?.getBoundingClientRect();
      setDraft(draftOn(draft.id, map, span, revision, (rect && placeAt(rect)) ?? draft.position));
      return;
    }
    setDraft(null);
    const kept = readDraft<NewAnnotationDraft>(scope, NEW);
    if (!kept || kept.at.revision !== draft.at.revision || kept.at.start !== draft.at.start || kept.at.end !== draft.at.end) return;
    writeDraft(scope, NEW, undefined);
    const written = draftText(NEW, kept);
    if (written.trim()) tell(reanchorLostNotice(kept.mode), written);
  }, [draft, map, text, revision, scope, tell, placeAt]);

  return { draft, open, close: useCallback(() => setDraft(null), []) };
}

/** The popover's kept draft (new-annotation-draft.ts). */
const NEW = "new";

function draftOn(id: number, map: TextMap<Text>, span: Span, revision: number, position: SelectionDraft["position"]): SelectionDraft {
  const target = buildTarget(map.index, span, revision);
  return { id, target, span: { start: target.start, end: target.end }, at: { revision, start: target.start, end: target.end }, position };
}
