// "Against the targets": one line per goal, Marginalia on each database against the relay and Hocuspocus.
import type { StepOutcome } from "../lib/load.ts";
import { fmt, ratio } from "../lib/stats.ts";
import { NAMES, type ServerId } from "../lib/targets.ts";
import type { Report } from "../report.ts";
import { gridRow, issueRow, sustained } from "./fanout.ts";
import { type Out, ok } from "./format.ts";
import { roomsRow } from "./rooms.ts";
import { SOAK_LIMIT, soakGoal, soakLength } from "./soak.ts";

const OURS: ServerId[] = ["marginalia", "embedded"];
const db = (id: ServerId) => (id === "marginalia" ? "Postgres" : "embedded");

export function summarySection(r: Report, out: Out) {
  const limit = r.settings.p99LimitMs;
  const { shape } = r.settings;
  const row = (label: string, m: number | undefined, y: number | undefined, h: number | undefined, target: string, met: boolean | null, cells?: string[]) =>
    out(`| ${label} | ${cells?.[0] ?? fmt(m)} | ${cells?.[1] ?? fmt(y)} | ${cells?.[2] ?? fmt(h)} | ${ratio(m, y)} | ${ratio(m, h)} | ${target} | ${ok(met)} |`);
  // A peer that left deliveries missing was measuring its own backlog: a ratio against it says nothing.
  const against = (met: boolean | null, ours: StepOutcome | undefined, peer: StepOutcome | undefined, target: string): [string, boolean | null] =>
    ours?.missing || peer?.missing ? [`${target} (not judged: ${ours?.missing ? "Marginalia" : "the peer"} left deliveries missing)`, null] : [target, met];

  out(`## Against the targets`);
  out();
  out(`Ratios are Marginalia ÷ peer: below 1× means Marginalia is lower (faster, smaller); for writes/s, above 1× means Marginalia sustains more. Each line names the database Marginalia ran on.`);
  out();
  out(`| scenario | Marginalia | relay | Hocuspocus | vs relay | vs Hocuspocus | target | met |`);
  out(`|---|---|---|---|---|---|---|---|`);
  for (const id of OURS.filter((id) => issueRow(r, id))) {
    const m = issueRow(r, id)?.latency.p99;
    const y = issueRow(r, "relay")?.latency.p99;
    const goal = against(m !== undefined && y !== undefined ? m <= 1.5 * y : null, issueRow(r, id), issueRow(r, "relay"), "≤ 1.5× relay");
    row(`p99 fan-out, ${shape.clients} clients over ${shape.members} members, ${shape.writers} writers × ${shape.rate} writes/s, ${shape.bodyChars}-char bodies, ${db(id)} (ms)`, m, y, issueRow(r, "hocuspocus")?.latency.p99, ...goal);
  }
  for (const id of OURS.filter((id) => gridRow(r, id, 200, 100))) {
    const m = gridRow(r, id, 200, 100)?.latency.p99;
    const y = gridRow(r, "relay", 200, 100)?.latency.p99;
    const goal = against(m !== undefined && y !== undefined ? m <= 1.5 * y : null, gridRow(r, id, 200, 100), gridRow(r, "relay", 200, 100), "≤ 1.5× relay");
    row(`p99 fan-out, 200 clients × 100 writes/s, one member, ${r.settings.writers} writers, short bodies, ${db(id)} (ms)`, m, y, gridRow(r, "hocuspocus", 200, 100)?.latency.p99, ...goal);
  }
  const ramp = (server: ServerId) => {
    const x = r.ramp.find((row) => row.server === server);
    return x ? sustained(x.steps, limit) : null;
  };
  const cell = (x: ReturnType<typeof ramp>) =>
    x === null ? "–" : x.rate === null ? `< first step${x.generatorBound ? " (generator-bound)" : ""}` : `${x.capped ? "≥ " : ""}${x.rate}${x.generatorBound ? " (generator-bound)" : ""}`;
  for (const id of OURS.filter((id) => r.ramp.some((x) => x.server === id))) {
    const [m, y, h] = [ramp(id), ramp("relay"), ramp("hocuspocus")];
    const met = m?.rate != null && h?.rate != null ? m.rate >= 2 * h.rate : h?.rate === null && m?.rate != null ? true : null;
    row(`sustained writes/s before p99 passes ${limit} ms, 200 clients, ${db(id)}`, m?.rate ?? undefined, y?.rate ?? undefined, h?.rate ?? undefined, "≥ 2× Hocuspocus", met, [cell(m), cell(y), cell(h)]);
  }
  const h = roomsRow(r, "hocuspocus");
  for (const id of OURS.filter((id) => roomsRow(r, id))) {
    const m = roomsRow(r, id)!;
    const label = `${m.clients.toLocaleString("en-US")} clients over ${m.rooms} rooms, ${m.rate} writes/s, ${db(id)}`;
    row(`p99 fan-out, ${label} (ms)`, m.latency.p99, roomsRow(r, "relay")?.latency.p99, h?.latency.p99, ...against(h ? m.latency.p99 <= h.latency.p99 : null, m, h, "≤ Hocuspocus"));
    row(`server RSS, ${label} (MB)`, m.serverRssMb, roomsRow(r, "relay")?.serverRssMb, h?.serverRssMb, "≤ 1.5× Hocuspocus", h ? m.serverRssMb <= 1.5 * h.serverRssMb : null);
  }
  for (const id of OURS.filter((id) => r.soak.some((x) => x.server === id))) {
    const g = soakGoal(r, id);
    row(
      `soak: last window's p99, ${soakLength(r.settings.soak.seconds)} of the headline shape, ${db(id)} (ms; ${fmt(g.drift, 2)}× its first window)`,
      g.last?.latency.p99,
      g.relay?.latency.p99,
      undefined,
      ...against(g.met, g.run?.windows.find((w) => w.missing), g.relay?.missing ? g.relay : undefined, `≤ ${SOAK_LIMIT}× first window and ≤ ${SOAK_LIMIT}× relay`),
    );
  }
  // The single-server scenarios: only those that ran.
  const m = gridRow(r, "marginalia", 200, 100);
  if (r.durable.alone) {
    const a = r.durable.alone;
    out(`| durable lag p99, 1 writer × 100 writes/s, ${NAMES[r.primary ?? "marginalia"]} (ms) | ${fmt(a?.p99)} | n/a (no persistence) | – | – | – | ≤ 25 ms | ${ok(a ? a.p99 <= 25 : null)} |`);
  }
  if (m) {
    const hd = gridRow(r, "hocuspocus", 200, 100);
    out(`| durable lag p99, under 200 clients × 100 writes/s, Postgres (ms) | ${fmt(m.durable.p99)} | n/a | ${fmt(hd?.durable.p99)} | – | ${ratio(m.durable.p99, hd?.durable.p99)} | ≤ 25 ms | ${ok(m.durable.p99 <= 25)} |`);
  }
  if (r.cold.marginalia) {
    const c = r.cold.marginalia;
    const seed = r.cold.seed;
    const size = seed ? `${seed.annotations.toLocaleString("en-US")} annotations, ${seed.updates.toLocaleString("en-US")} updates` : "";
    out(`| cold load p50, after compaction, ${size} (ms) | ${fmt(c?.after.p50)} | n/a | ${fmt(r.cold.hocuspocus?.p50)} | – | ${ratio(c?.after.p50, r.cold.hocuspocus?.p50)} | < 100 ms | ${ok(c ? c.after.p50 < 100 : null)} |`);
    if (c?.tail) out(`| cold load p50, after compaction, then ${c.tail.rows.toLocaleString("en-US")} rows written by another process (ms) | ${fmt(c.tail.p50)} | n/a | – | – | – | < 100 ms | ${ok(c.tail.p50 < 100)} |`);
    // A log this long is written around the server (seedCold): the server folds a loaded document's log at
    // COMPACT_AFTER_ROWS rows and an unloaded one whole, so no such log is left for a cold open to meet. The
    // row is kept to show what folding saves, without a target of its own.
    out(`| cold load p50, before compaction: a log the server never leaves (ms) | ${fmt(c?.before.p50)} | n/a | (stores one state) | – | – | none | – |`);
  }
  if (r.memory.length) {
    const mem = (server: string) => r.memory.find((m) => m.server === server);
    const [m, y, hm] = [mem("marginalia"), mem("relay"), mem("hocuspocus")];
    const mb = (x?: { heapPerDocKiB: number }) => (x ? fmt(x.heapPerDocKiB / 1024, 2) : "–");
    out(`| memory per idle loaded document, ${m?.annotations ?? "–"} annotations, heap + external (MB) | ${mb(m)} | ${mb(y)} | ${mb(hm)} | ${ratio(m?.heapPerDocKiB, y?.heapPerDocKiB)} | ${ratio(m?.heapPerDocKiB, hm?.heapPerDocKiB)} | < 2 MB | ${ok(m ? m.heapPerDocKiB < 2048 : null)} |`);
  }
  if (r.rest.length) {
    const worst = r.rest.length ? Math.max(...r.rest.map((q) => q.p95)) : NaN;
    out(`| REST list and filter over ${r.cold.seed ? r.cold.seed.annotations.toLocaleString("en-US") : "–"} annotations, worst query p95 (ms) | ${fmt(worst)} | n/a | n/a | – | – | < 20 ms | ${ok(r.rest.length ? worst < 20 : null)} |`);
  }
  out();
}
