// Event-loop delay inside a server process, measured the same way in all
// three (each server wrapper answers through serveCommands in ipc.ts), so
// that Marginalia's figure is not taken from its /metrics while the relay's
// and Hocuspocus's come from somewhere else.
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * The histogram's timer fires every RESOLUTION_MS and records the whole time
 * between two firings, so an idle loop reads about RESOLUTION_MS: that is taken
 * off every figure. 10 ms, as prom-client's default metrics sample in Marginalia.
 */
export const RESOLUTION_MS = 10;

export type LoopDelay = { p50: number; p99: number; max: number; samples: number };

export function watchLoopDelay() {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    /** Figures since the last reset (or since start); `reset` starts a new window. */
    read({ reset = false }: { reset?: boolean } = {}): LoopDelay {
      const out = histogram.count
        ? { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count }
        : { p50: NaN, p99: NaN, max: NaN, samples: 0 };
      if (reset) histogram.reset();
      return out;
    },
  };
}

export const NO_LOOP_DELAY: LoopDelay = { p50: NaN, p99: NaN, max: NaN, samples: 0 };
