// Table cells shared by the report's sections.
import type { StepOutcome } from "../lib/load.ts";
import { fmt } from "../lib/stats.ts";

export type Out = (s?: string) => void;

export const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "–");
export const ok = (met: boolean | null) => (met === null ? "–" : met ? "yes" : "**no**");
/** The server's event-loop delay over a step: "p99 / max". */
export const loopCell = (s: StepOutcome) =>
  s.serverLoop.stalled ? `≥ ${fmt(s.serverLoop.max)} (one stall over the window)` : `${fmt(s.serverLoop.p99)} / ${fmt(s.serverLoop.max)}`;
/** Latency percentiles as four cells. */
export const latencyCells = (s: StepOutcome) => `${fmt(s.latency.p50)} | ${fmt(s.latency.p95)} | ${fmt(s.latency.p99)} | ${fmt(s.latency.max)}`;
