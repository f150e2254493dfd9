import { useEffect, useRef } from "react";
import { focusLost } from "../lib/focus.ts";

/**
 * After an in-app navigation, focus the new screen's main heading, so that a
 * screen reader says where the reader now is (a full page load would have) and
 * Tab starts from the top of the new content. Screens that load their data
 * first render the heading late: it is waited for, unless the reader moves
 * focus somewhere in the meantime. The first screen is left as the browser
 * loaded it.
 */
export function useHeadingFocus(path: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const from = document.activeElement;
    const tryFocus = () => {
      if (!focusLost() && document.activeElement !== from) return true;
      const heading = document.querySelector<HTMLElement>("main h1, h1");
      if (!heading) return false;
      if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return true;
    };
    if (tryFocus()) return;
    const observer = new MutationObserver(() => tryFocus() && observer.disconnect());
    observer.observe(document.body, { childList: true, subtree: true });
    const timer = setTimeout(() => observer.disconnect(), 10_000);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
  }, [path]);
}
