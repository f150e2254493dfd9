import { useEffect, useRef } from "react";
import { liveRange, selectionSpan } from "./dom-ranges.ts";
import type { Span, TextMap } from "./text-map.ts";
import { type Thread, threadsAt } from "../threads/threads.ts";

/** The keys that step between annotated passages, as aria-keyshortcuts names them. */
export const ANNOTATION_KEYS = "Alt+PageDown Alt+PageUp Alt+N Alt+P Alt+Enter";

type Handlers = {
  /** A passage was stepped to and selected: mark its thread without taking focus from the article, and tell it. */
  onStep(thread: Thread, position: number, count: number): void;
  /** There is no annotated passage that way. */
  onEnd(down: boolean): void;
  /** Alt+Enter: go to the thread of the passage at the selection. */
  onOpen(thread: Thread): void;
};

/** Selects a span in the article as the document's own selection, so screen readers read it out. */
export function selectSpan(map: TextMap<Text>, span: Span, scroll: ScrollBehavior = "auto"): boolean {
  const range = liveRange(map, span);
  const selection = document.getSelection();
  if (!range || !selection) return false;
  selection.removeAllRanges();
  selection.addRange(range);
  range.startContainer.parentElement?.scrollIntoView({ block: "nearest", behavior: scroll });
  return true;
}

/**
 * The highlights are painted, not elements, so neither Tab nor a screen
 * reader finds them: with the article focused, Alt+PageDown and Alt+PageUp
 * (or Alt+N and Alt+P, for keyboards without those keys) select the next or
 * previous annotated passage in text order, and Alt+Enter goes to its
 * thread. `threads` is the list in text order, already filtered as the
 * sidebar is; one step is one scan of it, with no element per annotation.
 */
export function useAnnotationKeys(root: HTMLElement | null, map: TextMap<Text> | null, threads: readonly Thread[], handlers: Handlers) {
  const latest = useRef({ threads, handlers });
  latest.current = { threads, handlers };

  useEffect(() => {
    if (!root || !map) return;
    // The thread last stepped to: passages that start at the same place are stepped through one by one.
    let last: { id: string; span: Span } | null = null;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.target !== root || !event.altKey || event.ctrlKey || event.metaKey) return;
      const down = event.key === "PageDown" || event.code === "KeyN";
      const up = event.key === "PageUp" || event.code === "KeyP";
      const { threads, handlers } = latest.current;
      const current = selectionSpan(map, root);
      const onLast = !!last && !!current && current.start === last.span.start && current.end === last.span.end;
      if (event.key === "Enter") {
        if (!current) return;
        event.preventDefault();
        const at = (onLast && threads.find((t) => t.root.id === last!.id)) || threadsAt(threads, current.start)[0];
        if (at) handlers.onOpen(at);
        else handlers.onEnd(true);
        return;
      }
      if (!down && !up) return;
      event.preventDefault();
      const placed = threads.filter((t) => t.span);
      let index = onLast ? placed.findIndex((t) => t.root.id === last!.id) : -1;
      if (index >= 0) index += down ? 1 : -1;
      else if (!current) index = down ? 0 : placed.length - 1;
      else if (down) index = placed.findIndex((t) => t.span!.start > current.start);
      else index = placed.findLastIndex((t) => t.span!.start < current.start);
      const next = placed[index];
      if (!next || !selectSpan(map, next.span!)) return handlers.onEnd(down);
      last = { id: next.root.id, span: next.span! };
      handlers.onStep(next, index + 1, placed.length);
    };
    root.addEventListener("keydown", onKeyDown);
    return () => root.removeEventListener("keydown", onKeyDown);
  }, [root, map]);
}
