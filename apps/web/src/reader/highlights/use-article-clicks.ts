import { useEffect, useRef } from "react";
import { codePointAtPoint, spanRects } from "./dom-ranges.ts";
import type { TextMap } from "./text-map.ts";
import { type Thread, threadsAt } from "../threads/threads.ts";

const inside = (r: DOMRect, x: number, y: number) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;

/**
 * A click on painted text focuses its thread. Highlights are not elements,
 * so the click is hit-tested: the caret position under the pointer gives a
 * code point, and the candidates' rectangles confirm the pointer is on them
 * (a click past the end of a line lands on its last character otherwise).
 */
export function useArticleClicks(
  root: HTMLElement | null,
  map: TextMap<Text> | null,
  threads: readonly Thread[],
  onFocus: (id: string) => void,
  onPointerDown: () => void,
) {
  const latest = useRef({ threads, onFocus, onPointerDown });
  latest.current = { threads, onFocus, onPointerDown };

  useEffect(() => {
    if (!root || !map) return;
    const onClick = (event: MouseEvent) => {
      if (document.getSelection()?.isCollapsed === false) return;
      const cp = codePointAtPoint(map, event.clientX, event.clientY);
      if (cp === null) return;
      const hit = threadsAt(latest.current.threads, cp).find((t) => spanRects(map, t.span!).some((r) => inside(r, event.clientX, event.clientY)));
      if (hit) latest.current.onFocus(hit.root.id);
    };
    const onDown = () => latest.current.onPointerDown();
    root.addEventListener("click", onClick);
    root.addEventListener("pointerdown", onDown);
    return () => {
      root.removeEventListener("click", onClick);
      root.removeEventListener("pointerdown", onDown);
    };
  }, [root, map]);
}
