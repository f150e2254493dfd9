import { useEffect, useRef } from "react";
import { readDraft, useDraftScope, writeDraft } from "../../app/drafts.ts";
import type { FactcheckDraft } from "../factcheck/factcheck-draft.ts";
import { liveRange } from "./dom-ranges.ts";
import type { Span, TextMap } from "./text-map.ts";

/** A comment or fact-check being written in the selection popover, and the passage it is on. */
export type NewAnnotationDraft = {
  at: { revision: number; start: number; end: number };
  mode: "comment" | "factcheck";
  onlyMe: boolean;
  body: string;
  draft: FactcheckDraft;
};
type Written = Omit<NewAnnotationDraft, "at">;

/** One at a time, as the popover: a new selection asks before discarding what is written in it. */
const NAME = "new";

/** What was kept as written on the passage `at`, for a popover opening there. */
export function keptNewAnnotation(scope: string | null, at: NewAnnotationDraft["at"]): NewAnnotationDraft | null {
  const kept = readDraft<NewAnnotationDraft>(scope, NAME);
  return kept && kept.at.revision === at.revision && kept.at.start === at.start && kept.at.end === at.end ? kept : null;
}

/**
 * Keeps what is written in the popover on `at` (app/drafts.ts), or lets it go once nothing is; an untouched
 * popover leaves alone what another passage's kept. Returns what drops it, for a close that sent or discarded it.
 */
export function useKeepNewAnnotation(at: NewAnnotationDraft["at"], written: Written | null): () => void {
  const scope = useDraftScope();
  const wrote = useRef(false);
  const value = written && JSON.stringify({ at, ...written });
  useEffect(() => {
    if (value) writeDraft(scope, NAME, JSON.parse(value));
    else if (wrote.current) writeDraft(scope, NAME, undefined);
    wrote.current = !!value;
  }, [scope, value]);
  return () => {
    if (wrote.current) writeDraft(scope, NAME, undefined);
    wrote.current = false;
  };
}

/** Once the text is on screen, opens the popover again on the passage whose comment or fact-check was being written. */
export function useReopenNewAnnotation(map: TextMap<Text> | null, revision: number, open: (span: Span, rect: DOMRect) => void) {
  const scope = useDraftScope();
  const tried = useRef(false);
  useEffect(() => {
    if (!map || tried.current) return;
    tried.current = true;
    const kept = readDraft<NewAnnotationDraft>(scope, NAME);
    // Written on another revision of the text, its offsets point elsewhere now.
    const range = kept && kept.at.revision === revision ? liveRange(map, kept.at) : null;
    if (!kept || !range) return;
    range.startContainer.parentElement?.scrollIntoView({ block: "center" });
    open({ start: kept.at.start, end: kept.at.end }, range.getBoundingClientRect());
  }, [map, scope, revision, open]);
}
