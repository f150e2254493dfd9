// Event-loop delay inside a server process, measured the same way in all
// three (each server wrapper answers through serveCommands in ipc.ts), so
// that Marginalia's figure is not taken from its /metrics while the relay's
// and Hocuspocus's come from somewhere else.
//
// The windows are given up front in epoch ms and the server resets and reads
// its histogram on its own timers: a reset sent over IPC at the start of a
// window would reach a busy server late, and the orchestrator's own wake-up
// and the pipe would add to that.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

/**
 * The histogram's timer fires every RESOLUTION_MS and records the whole time
 * between two firings, so an idle loop reads about RESOLUTION_MS: that is taken
 * off every figure. 10 ms, as prom-client's default metrics sample in Marginalia.
 */
export const RESOLUTION_MS = 10;

/**
 * `stalled`: the loop never came round between the window's start and its end (one stall covered
 * it); p99 and max are then how late the start was seen, a lower bound.
 */
export type LoopDelay = {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  stalled?: boolean;
  /** The main thread's V8 heap in use when the window was read (MB): what of the RSS the server's JavaScript holds. */
  heapMb?: number;
};
export type Window = { startEpochMs: number; endEpochMs: number };

export const NO_LOOP_DELAY: LoopDelay = { p50: NaN, p99: NaN, max: NaN, samples: 0 };
const epochNow = () => performance.timeOrigin + performance.now();

export function watchLoopDelay() {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  let results: LoopDelay[] = [];
  let timers: NodeJS.Timeout[] = [];
  return {
    /** Resets at each window's start and reads at its end; `take` hands over what was read. */
    schedule(windows: Window[]) {
      for (const t of timers) clearTimeout(t);
      results = [];
      // A window that starts where the previous one ends (the soak's) is reset by that window's read, in the
      // same callback: as timers of their own, the next window's reset could fire just before the read (their
      // delays round apart by a millisecond), which then found an empty histogram and reported a stall.
      const follows = (k: number) => k > 0 && k < windows.length && windows[k - 1]!.endEpochMs >= windows[k]!.startEpochMs;
      timers = windows.flatMap((w, k) => [
        ...(follows(k) ? [] : [setTimeout(() => histogram.reset(), Math.max(0, w.startEpochMs - epochNow()))]),
        setTimeout(() => {
          const heapMb = getHeapStatistics().used_heap_size / 1048576;
          results[k] = histogram.count
            ? { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count, heapMb }
            : { p50: NaN, p99: epochNow() - w.startEpochMs, max: epochNow() - w.startEpochMs, samples: 0, stalled: true, heapMb };
          if (follows(k + 1)) histogram.reset();
        }, Math.max(0, w.endEpochMs - epochNow())),
      ]);
      return true;
    },
    take(): LoopDelay[] {
      return results;
    },
  };
}

/** The longest time between two turns of this process's event loop while `run` is awaited. */
export async function longestTurn(run: () => Promise<void>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  await run();
  ticking = false;
  return longest;
}
