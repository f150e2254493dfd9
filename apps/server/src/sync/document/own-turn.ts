/**
 * Turns of the event loop handed out one at a time, to work done in slices
 * (a large document's build, its encoding for a new client). Each waiter is
 * let go in an iteration of the loop of its own: with plain setImmediate,
 * every slice waiting would run back to back in the same check phase, and
 * ten clients joining a large document at once would hold the loop ten
 * slices long.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

export function ownTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  // Queued from inside the check phase, as `release` does, an immediate runs in the next iteration.
  setImmediate(release);
}

function release() {
  scheduled = false;
  waiting.shift()?.();
  if (waiting.length) schedule();
}

/**
 * Runs `fn` on each of `items`, `perTurn` of them per turn of the event loop (each next group in a turn of its
 * own, `ownTurn`): for reads and writes of thousands of annotations that would otherwise take one turn whole.
 * Nothing waits when there are no more than `perTurn`.
 */
export async function eachInTurns<T>(items: Iterable<T>, perTurn: number, fn: (item: T) => void): Promise<void> {
  let done = 0;
  for (const item of items) {
    if (done > 0 && done % perTurn === 0) await ownTurn();
    fn(item);
    done++;
  }
}

/**
 * Runs `steps` to its end a slice per turn (`ownTurn`), each slice for about `sliceMs`, and returns its value:
 * for work written as a generator that pauses where the event loop may be handed back. `spent` is told each
 * slice's time.
 */
export async function inSlices<R>(steps: Generator<unknown, R, void>, sliceMs: number, spent: (ms: number) => void = () => {}): Promise<R> {
  for (;;) {
    await ownTurn();
    const started = performance.now();
    let step = steps.next();
    while (!step.done && performance.now() - started < sliceMs) step = steps.next();
    spent(performance.now() - started);
    if (step.done) return step.value;
  }
}
