// The soak section of latest.md: the headline shape held for minutes, window by window.
import type { StepOutcome } from "../lib/load.ts";
import { fmt, ratio } from "../lib/stats.ts";
import { NAMES, type ServerId } from "../lib/targets.ts";
import type { Report } from "../report.ts";
import { type Out, latencyCells, loopCell, ok } from "./format.ts";

export const SOAK_LIMIT = 1.5;
export const soakLength = (seconds: number) => (seconds >= 120 ? `${fmt(seconds / 60)} minutes` : `${fmt(seconds, 0)} s`);

/** Last window's p99 against the first window's and against the relay's last window. */
export function soakGoal(r: Report, server: ServerId) {
  const run = r.soak.find((x) => x.server === server);
  const relay = r.soak.find((x) => x.server === "relay")?.windows.at(-1);
  const first = run?.windows[0];
  const last = run?.windows.at(-1);
  const drift = first && last ? last.latency.p99 / first.latency.p99 : NaN;
  const vsRelay = last && relay ? last.latency.p99 / relay.latency.p99 : NaN;
  // Not judged when deliveries went missing on either side: p99 then measures a backlog.
  const judged = Number.isFinite(drift) && Number.isFinite(vsRelay) && !run?.windows.some((w) => w.missing) && !relay?.missing;
  const met = judged ? drift <= SOAK_LIMIT && vsRelay <= SOAK_LIMIT : null;
  return { run, first, last, relay, drift, vsRelay, met };
}

const windowLabel = (seconds: number, k: number) =>
  seconds % 60 === 0 ? `${(k * seconds) / 60}–${((k + 1) * seconds) / 60} min` : `${fmt(k * seconds, 0)}–${fmt((k + 1) * seconds, 0)} s`;

export function soakSection(r: Report, out: Out) {
  if (!r.soak.length) return;
  const { shape } = r.settings;
  const seconds = r.settings.soak.seconds;
  out(`## Soak`);
  out();
  out(
    `The headline shape (${shape.clients} clients over ${shape.members} members, ${shape.writers} writers, ${shape.rate} writes/s, ${shape.bodyChars}-character bodies) held for ${soakLength(seconds)} on one document per server, without a pause, ` +
      `read out in windows of ${fmt(r.soak[0]!.windowSeconds, 0)} s (event-loop delay reset at each). The document grows by ${(shape.rate * seconds).toLocaleString("en-US")} annotations over the run. ` +
      `RSS and the main thread's V8 heap in use are read at each window's end: the difference is code, native buffers and the server's worker threads (Marginalia's database and Yjs threads among them). ` +
      `Goal: the last window's p99 within ${SOAK_LIMIT}× of the first window's, and within ${SOAK_LIMIT}× of the relay's last window.`,
  );
  out();
  out(`| server | window | p50 | p95 | p99 | max (ms) | server loop delay p99 / max (ms) | server RSS / main-thread heap (MB) | missing | gen lag p99 (ms) | p99 vs first window | p99 vs relay |`);
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  const relay = r.soak.find((x) => x.server === "relay");
  for (const run of r.soak) {
    run.windows.forEach((w: StepOutcome, k) => {
      const y = relay?.windows[k];
      out(
        `| ${NAMES[run.server]} | ${windowLabel(run.windowSeconds, k)} | ${latencyCells(w)} | ${loopCell(w)} | ${fmt(w.serverRssMb, 0)} / ${fmt(w.serverLoop.heapMb, 0)} | ${w.missing.toLocaleString("en-US")} | ${fmt(w.lag.p99)} | ${ratio(w.latency.p99, run.windows[0]!.latency.p99)} | ${run.server === "relay" ? "" : ratio(w.latency.p99, y?.latency.p99)} |`,
      );
    });
  }
  out();
  for (const run of r.soak.filter((x) => x.server !== "relay")) {
    const g = soakGoal(r, run.server);
    out(`- ${NAMES[run.server]}: last window's p99 ${fmt(g.last?.latency.p99)} ms = ${fmt(g.drift, 2)}× its first window's and ${fmt(g.vsRelay, 2)}× the relay's; goal met: ${ok(g.met)}.`);
  }
  for (const run of r.soak.filter((x) => x.errors.length || x.closedEarly)) out(`- Errors, ${NAMES[run.server]}: ${run.closedEarly} sockets closed early; ${run.errors.slice(0, 5).join("; ")}`);
  out();
}
