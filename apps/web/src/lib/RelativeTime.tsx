import { useSyncExternalStore } from "react";
import { fullTime, timeAgo } from "./time.ts";

/** Relative times are worded to the minute at their finest. */
const TICK_MS = 60_000;

/**
 * One clock for the page, running while any relative time is shown: a
 * time per card, each with its own timer, would be hundreds of timers on a
 * busy article.
 */
const listeners = new Set<() => void>();
let ticks = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    ticks++;
    for (const notify of listeners) notify();
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    clearInterval(timer);
    timer = undefined;
  };
}

const currentTick = () => ticks;

/**
 * "5 minutes ago", kept true as the minutes pass, with the full date on
 * hover. Only this element re-renders on the clock: the memoised card or list
 * around it does not.
 */
export function RelativeTime({ at, className }: { at: number; className?: string }) {
  useSyncExternalStore(subscribe, currentTick);
  return (
    <time dateTime={new Date(at).toISOString()} title={fullTime(at)} className={className}>
      {timeAgo(at)}
    </time>
  );
}
