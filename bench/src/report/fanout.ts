// The fan-out and ramp sections of latest.md.
import type { StepOutcome } from "../lib/load.ts";
import { fmt, ratio } from "../lib/stats.ts";
import { NAMES, SERVER_IDS, type ServerId } from "../lib/targets.ts";
import type { Report } from "../report.ts";
import { type Out, latencyCells, loopCell, pct } from "./format.ts";

/** A ramp step holds if p99 stays under the limit, nothing goes missing, and the generator kept its rate. */
export function holds(s: StepOutcome, limitMs: number) {
  return s.latency.p99 <= limitMs && s.missing === 0 && s.sentPerSec >= 0.95 * s.rate;
}

export function sustained(steps: StepOutcome[], limitMs: number): { rate: number | null; capped: boolean; generatorBound: boolean } {
  let best: StepOutcome | null = null;
  for (const s of steps) {
    if (!holds(s, limitMs)) break;
    best = s;
  }
  const capped = best !== null && best === steps.at(-1);
  // A ramp that ended because the generator could not keep up says nothing of the server.
  const failed = steps.find((s) => !holds(s, limitMs));
  const generatorBound = !!failed && (failed.generatorCpu > 0.9 || failed.sentPerSec < 0.95 * failed.rate);
  return { rate: best?.rate ?? null, capped, generatorBound };
}

export const gridRow = (r: Report, server: ServerId, clients: number, rate: number) =>
  r.fanout.find((f) => f.shape === "grid" && f.server === server && f.clients === clients && f.rate === rate);
export const issueRow = (r: Report, server: ServerId) => r.fanout.find((f) => f.shape === "issue" && f.server === server);
const isMarginalia = (id: ServerId) => id === "marginalia" || id === "embedded";

export function fanoutSection(r: Report, out: Out) {
  if (!r.fanout.length) return;
  const { shape, writers, fullClients } = r.settings;
  out(`## Fan-out`);
  out();
  out(
    `N websocket clients on one document, ${fullClients} of them full Y.Doc clients (providers) that must end with every annotation; the rest are lightweight receivers that time each update from send to arrival by a marker in its bytes. Writers write open-loop, in turn. Latency counts every delivery to every other client. Awareness is off. ` +
      `The first rows are the headline shape: ${shape.clients} clients connected as ${shape.members} members (one account each, sockets dealt over them in turn), ${shape.writers} of them writing (two per member), ${shape.rate} writes/s, ${shape.bodyChars}-character annotation bodies. ` +
      `The grid below them keeps the earlier, simpler shape: every socket one account, ${writers} writers, bodies of about 50 characters.`,
  );
  out();
  out(`| clients | writes/s | server | p50 | p95 | p99 | max (ms) | server loop delay p99 / max (ms) | sent/s | deliveries/s | missing | gen lag p99 / max (ms) | gen CPU | server CPU | server RSS (MB) | full clients complete (end of run) | p99 vs relay | p99 vs Hocuspocus |`);
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
  const line = (label: string, f: Report["fanout"][number], y?: StepOutcome, h?: StepOutcome) =>
    out(
      `| ${label} | ${f.rate} | ${NAMES[f.server]} | ${latencyCells(f)} | ${loopCell(f)} | ${fmt(f.sentPerSec, 0)} | ${fmt(f.deliveriesPerSec, 0)} | ${f.missing.toLocaleString("en-US")}${f.duplicates ? ` (+${f.duplicates} dup)` : ""} | ${fmt(f.lag.p99)} / ${fmt(f.lag.max)} | ${pct(f.generatorCpu)} | ${pct(f.serverCpu)} | ${fmt(f.serverRssMb, 0)} | ${f.fullOk} | ${isMarginalia(f.server) ? ratio(f.latency.p99, y?.latency.p99) : ""} | ${isMarginalia(f.server) ? ratio(f.latency.p99, h?.latency.p99) : ""} |`,
    );
  for (const server of SERVER_IDS) {
    const f = issueRow(r, server);
    if (f) line(`**${f.clients}** (${f.members} members, ${f.writers} writers, ${f.bodyChars}-char bodies)`, f, issueRow(r, "relay"), issueRow(r, "hocuspocus"));
  }
  const grid = r.fanout.filter((f) => f.shape === "grid");
  for (const clients of new Set(grid.map((f) => f.clients))) {
    for (const rate of new Set(grid.map((f) => f.rate))) {
      for (const server of SERVER_IDS) {
        const f = gridRow(r, server, clients, rate);
        if (f) line(String(clients), f, gridRow(r, "relay", clients, rate), gridRow(r, "hocuspocus", clients, rate));
      }
    }
  }
  const seen = new Set<string>();
  for (const f of r.fanout.filter((x) => x.errors.length || x.closedEarly)) {
    const key = `${f.server}/${f.shape}/${f.clients}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out();
    out(`Errors, ${NAMES[f.server]} at ${f.clients} clients (${f.shape === "issue" ? "headline shape" : "grid"}): ${f.closedEarly} sockets closed early; ${f.errors.slice(0, 5).join("; ")}`);
  }
  out();
  out(`"missing" counts deliveries that had not arrived ${r.settings.fanout.settleMs} ms after the step (${r.settings.issue.settleMs} ms for the headline shape): the step's backlog still queued, or lost. Marginalia's durable lag under this load (send → ack, the writers ask for acks):`);
  out();
  out(`| server | clients | writes/s | durable p50 | p95 | p99 | max (ms) |`);
  out(`|---|---|---|---|---|---|---|`);
  for (const f of r.fanout.filter((x) => isMarginalia(x.server))) {
    const label = f.shape === "issue" ? `${f.clients} (${f.members} members, ${f.writers} writers)` : String(f.clients);
    out(`| ${NAMES[f.server]} | ${label} | ${f.rate} | ${fmt(f.durable.p50)} | ${fmt(f.durable.p95)} | ${fmt(f.durable.p99)} | ${fmt(f.durable.max)} |`);
  }
  const hd = r.fanout.filter((x) => x.server === "hocuspocus" && x.durable.n);
  if (hd.length) {
    out();
    out(
      `Hocuspocus has no durability acknowledgement; its figure is the time from send until the debounced store that first contained the write had committed (measured in its store hook, over a whole run of rates): ${hd
        .filter((f, i, a) => a.findIndex((g) => g.clients === f.clients && g.shape === f.shape) === i)
        .map((f) => `${f.clients} clients${f.shape === "issue" ? " (headline shape)" : ""}: p50 ${fmt(f.durable.p50)} ms, p99 ${fmt(f.durable.p99)} ms`)
        .join("; ")}.`,
    );
  }
  out();
}

export function rampSection(r: Report, out: Out) {
  if (!r.ramp.length) return;
  const limit = r.settings.p99LimitMs;
  out(`## Ramp: the highest sustained rate`);
  out();
  out(`${r.settings.ramp.clients} clients, rising rates, one run per server; a step holds if its p99 ≤ ${limit} ms, nothing is missing after the step, and the generator sent ≥ 95% of the rate. The ramp stops after the first step that does not hold.`);
  out();
  out(`| server | writes/s | p50 | p99 (ms) | server loop delay p99 / max (ms) | missing | sent/s | gen lag p99 (ms) | gen CPU | server CPU | server RSS (MB) | holds |`);
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const row of r.ramp) {
    for (const s of row.steps) {
      out(`| ${NAMES[row.server]} | ${s.rate} | ${fmt(s.latency.p50)} | ${fmt(s.latency.p99)} | ${loopCell(s)} | ${s.missing.toLocaleString("en-US")} | ${fmt(s.sentPerSec, 0)} | ${fmt(s.lag.p99)} | ${pct(s.generatorCpu)} | ${pct(s.serverCpu)} | ${fmt(s.serverRssMb, 0)} | ${holds(s, limit) ? "yes" : "no"} |`);
    }
  }
  out();
}
