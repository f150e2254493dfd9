import { useEffect, useRef } from "react";

/**
 * One polite live region for the whole app. Screen readers only speak a
 * region that was already in the page when its text changed, so it is
 * rendered once by the shell and every screen speaks through `announce`.
 * Nothing here moves focus: what arrives is told, not jumped to.
 */
let region: HTMLElement | null = null;
let clearer: ReturnType<typeof setTimeout> | undefined;

export function announce(message: string) {
  if (!region || !message) return;
  const el = region;
  // The same words twice in a row are no change to the region, and would not be spoken again.
  el.textContent = "";
  clearTimeout(clearer);
  clearer = setTimeout(() => {
    el.textContent = message;
  }, 50);
}

export function Announcer() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    region = ref.current;
    return () => {
      region = null;
    };
  }, []);
  return <div ref={ref} id="announcer" className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" />;
}

/**
 * `announce`, for things that come in bursts (another member's annotations, notifications): what arrives
 * within `ms` of the first is told in one sentence by `summarise`, so a burst is one announcement.
 */
export function useBatchedAnnouncer<T>(summarise: (batch: T[]) => string, ms = 1500): (item: T) => void {
  const batch = useRef<T[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(summarise);
  latest.current = summarise;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useRef((item: T) => {
    batch.current.push(item);
    if (timer.current) return;
    timer.current = setTimeout(() => {
      const told = batch.current;
      batch.current = [];
      timer.current = undefined;
      announce(latest.current(told));
    }, ms);
  }).current;
}
