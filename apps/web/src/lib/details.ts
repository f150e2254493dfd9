import type { FocusEvent, KeyboardEvent } from "react";

/**
 * Escape closes a <details> menu or panel and puts focus back on its summary, as it would close a dialog:
 * browsers give <details> no key of their own to close it from inside.
 */
export function closeDetailsOnEscape(event: KeyboardEvent<HTMLDetailsElement>) {
  const details = event.currentTarget;
  if (event.key !== "Escape" || !details.open) return;
  event.stopPropagation();
  details.open = false;
  details.querySelector("summary")?.focus();
}

/** A menu closes once focus has moved on to something outside it, so it is not left open over the page. */
export function closeDetailsOnLeave(event: FocusEvent<HTMLDetailsElement>) {
  const details = event.currentTarget;
  const to = event.relatedTarget as Node | null;
  if (details.open && to && !details.contains(to)) details.open = false;
}
