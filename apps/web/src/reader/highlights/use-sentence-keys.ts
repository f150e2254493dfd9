import { useEffect, useRef } from "react";
import { liveRange, selectionSpan } from "./dom-ranges.ts";
import { nextSentence, previousSentence } from "./sentences.ts";
import type { Span, TextMap } from "./text-map.ts";

/** The keys the article answers to, as aria-keyshortcuts names them. */
export const SENTENCE_KEYS = "Alt+ArrowDown Alt+ArrowUp Alt+Shift+ArrowDown Alt+Shift+ArrowUp Enter";

/**
 * Annotating without a mouse: with the article focused, Alt+Down and Alt+Up
 * select the next or previous sentence, with Shift they grow the selection
 * by one, and Enter annotates what is selected (onAnnotate, as a mouse
 * selection would). The selection is the document's own, so screen readers
 * announce it and Shift+arrows still adjust it letter by letter.
 */
export function useSentenceKeys(root: HTMLElement | null, map: TextMap<Text> | null, onAnnotate: (span: Span, rect: DOMRect) => void) {
  const latest = useRef(onAnnotate);
  latest.current = onAnnotate;

  useEffect(() => {
    if (!root || !map) return;
    // Where the last step went: annotating clears the selection, and the next step goes on from here.
    let cursor: Span | null = null;
    const select = (span: Span) => {
      const range = liveRange(map, span);
      const selection = document.getSelection();
      if (!range || !selection) return;
      selection.removeAllRanges();
      selection.addRange(range);
      cursor = span;
      range.startContainer.parentElement?.scrollIntoView({ block: "nearest" });
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.target !== root) return;
      const current = selectionSpan(map, root) ?? cursor;
      if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        const down = event.key === "ArrowDown";
        const step = down ? nextSentence(map, current) : previousSentence(map, current);
        if (!step) return;
        if (event.shiftKey && current) select(down ? { start: current.start, end: step.end } : { start: step.start, end: current.end });
        else select(step);
      } else if (event.key === "Enter" && !event.altKey) {
        const span = selectionSpan(map, root);
        const range = span && liveRange(map, span);
        if (!span || !range) return;
        event.preventDefault();
        const rects = range.getClientRects();
        latest.current(span, rects[rects.length - 1] ?? range.getBoundingClientRect());
      }
    };
    root.addEventListener("keydown", onKeyDown);
    return () => root.removeEventListener("keydown", onKeyDown);
  }, [root, map]);
}
