import { startTransition, useEffect, useState } from "react";

/** How long a hidden page, which gets no animation frames, waits instead. */
const FALLBACK_MS = 100;

/** Calls `fn` once the next frame has been painted; returns a cancel. */
export function afterNextPaint(fn: () => void): () => void {
  let done = false;
  const follow = () => {
    if (done) return;
    done = true;
    fn();
  };
  // A task queued from an animation frame callback runs after that frame is painted.
  const frame = requestAnimationFrame(() => setTimeout(follow, 0));
  const fallback = setTimeout(follow, FALLBACK_MS);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
  };
}

/**
 * `value` as it was when the page last painted: it follows `value` in a
 * transition started once a frame has been painted with it, so whatever
 * renders from it (a long list) never delays that frame. Starts at `initial`.
 */
export function useAfterPaint<T>(value: T, initial: T): T {
  const [later, setLater] = useState(initial);
  useEffect(() => afterNextPaint(() => startTransition(() => setLater(value))), [value]);
  return later;
}
