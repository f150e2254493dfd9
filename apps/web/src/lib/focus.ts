import { useEffect, useRef } from "react";

/** Whether focus has been lost: its element was removed or hidden, and the browser put it on the page. */
export const focusLost = () => !document.activeElement || document.activeElement === document.body;

/**
 * Focus back on the control that opened a form, once the form has closed:
 * the form's element is gone, and focus would otherwise fall to the page.
 * Put `ref` on the opener and call `closed()` as the form closes.
 */
export function useFocusReturn<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current || !ref.current) return;
    pending.current = false;
    if (focusLost()) ref.current.focus();
  });
  return { ref, closed: () => void (pending.current = true) };
}

/**
 * After a form closes where its opener is rendered anew (or was hidden while it was open), focus the button
 * labelled `opener` in `container`, else the container: found once the closing has rendered.
 */
export function focusAfterClose(selector: string, opener: string) {
  requestAnimationFrame(() => {
    if (!focusLost()) return;
    const container = document.querySelector<HTMLElement>(selector);
    const button = container && [...container.querySelectorAll<HTMLElement>("button")].find((b) => b.textContent?.trim() === opener);
    (button ?? container)?.focus({ preventScroll: true });
  });
}
