import { monitorEventLoopDelay } from "node:perf_hooks";
import { expect } from "vitest";

/**
 * Runs `work`, which was given a deadline `budgetMs` away, and checks that it ended at that deadline: not
 * before it, and not much after. Test files share a worker and CI runs Chromium beside them, so a timer can
 * fire late for reasons that are not the code's; the upper bound allows what the event loop was measured to
 * lose meanwhile, and no more.
 */
export async function endsAtDeadline<T>(budgetMs: number, work: (deadline: number) => Promise<T>, label = ""): Promise<T> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const value = await work(Date.now() + budgetMs);
  const took = performance.now() - started;
  delay.disable();
  const stalled = delay.max / 1e6;
  const what = label ? `${label}: the work` : "the work";
  expect(took, `${what} ended before its deadline`).toBeGreaterThanOrEqual(budgetMs - 50);
  expect(took, `${what} overran its deadline; the event loop stalled up to ${stalled.toFixed(0)} ms meanwhile`).toBeLessThan(
    budgetMs + 500 + stalled,
  );
  return value;
}
