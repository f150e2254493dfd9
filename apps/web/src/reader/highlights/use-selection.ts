import { useEffect, useRef } from "react";
import { selectionSpan } from "./dom-ranges.ts";
import type { Span, TextMap } from "./text-map.ts";

type Handlers = {
  /** A selection was made (mouse released, or a key that moves the selection); rect is in viewport coordinates. */
  onSelect(span: Span, rect: DOMRect): void;
  /** The selection changed in any way; null when there is none in the article. */
  onChange(span: Span | null): void;
};

const SELECTING_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown", "a", "A"]);

/**
 * Follows the reader's selection in the article, by mouse, touch or
 * keyboard (caret browsing, Shift+arrows, Ctrl+A), in code points.
 */
export function useArticleSelection(root: HTMLElement | null, map: TextMap<Text> | null, handlers: Handlers) {
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (!root || !map) return;
    let frame = 0;
    const onSelectionChange = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => latest.current.onChange(selectionSpan(map, root)));
    };
    const settle = () => {
      // After the browser has finished updating the selection for this event.
      setTimeout(() => {
        const span = selectionSpan(map, root);
        const selection = document.getSelection();
        if (!span || !selection || selection.rangeCount === 0) return;
        const rects = selection.getRangeAt(0).getClientRects();
        const rect = rects[rects.length - 1] ?? selection.getRangeAt(0).getBoundingClientRect();
        latest.current.onSelect(span, rect);
      }, 0);
    };
    const onKeyUp = (event: KeyboardEvent) => {
      // Caret browsing keeps focus on the body, so listen on the document; typing in a form is not selecting.
      if ((event.target as Element | null)?.closest?.("input, textarea, select, [role=dialog]")) return;
      // Alt with the arrows steps by sentence (use-sentence-keys.ts): Enter annotates, not the step itself.
      if (event.altKey || event.key === "Alt") return;
      if (event.shiftKey || SELECTING_KEYS.has(event.key)) settle();
    };
    document.addEventListener("selectionchange", onSelectionChange);
    root.addEventListener("pointerup", settle);
    document.addEventListener("keyup", onKeyUp);
    return () => {
      cancelAnimationFrame(frame);
      document.removeEventListener("selectionchange", onSelectionChange);
      root.removeEventListener("pointerup", settle);
      document.removeEventListener("keyup", onKeyUp);
    };
  }, [root, map]);
}
