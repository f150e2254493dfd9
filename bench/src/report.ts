// Turns one run's figures into bench/results/latest.md. The load scenarios' sections are in src/report/.
import { type Summary, fmt } from "./lib/stats.ts";
import { NAMES, type ServerId } from "./lib/targets.ts";
import { fanoutSection, rampSection } from "./report/fanout.ts";
import { pct } from "./report/format.ts";
import { methodSection } from "./report/method.ts";
import { roomsSection } from "./report/rooms.ts";
import { soakSection } from "./report/soak.ts";
import { summarySection } from "./report/summary.ts";
import type { ServerKind } from "./lib/protocol.ts";
import type { FanoutRow } from "./scenarios/fanout.ts";
import type { RampRow } from "./scenarios/ramp.ts";
import type { RoomsRow } from "./scenarios/rooms.ts";
import type { Settings } from "./scenarios/settings.ts";
import type { SoakRun } from "./scenarios/soak.ts";

export type Report = {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; postgres: string; loadStart: number[]; loadEnd?: number[] };
  database: string;
  settings: Settings;
  /** The Marginalia that the single-server scenarios ran on. */
  primary?: ServerId;
  fanout: FanoutRow[];
  ramp: RampRow[];
  rooms: RoomsRow[];
  soak: SoakRun[];
  durable: { alone?: Summary };
  cold: {
    seed?: { annotations: number; updates: number; seconds: number; stateKiB: number };
    marginalia?: { before: Summary; after: Summary; tail?: Summary & { rows: number }; compaction: { passes: number; rows: number; ms: number } };
    hocuspocus?: Summary;
  };
  rest: Array<Summary & { label: string; query: string; rows: number }>;
  restAll?: Summary;
  memory: Array<{ server: ServerKind; docs: number; annotations: number; heapPerDocKiB: number; rssPerDocKiB: number; loadedDocs: number }>;
  generators: Array<{ parts: number; latency: Summary; generatorCpu: number; serverCpu: number; missing: number; lag: Summary }>;
  notes: string[];
  hocuspocusSkipped: boolean;
  elapsedSeconds?: number;
};

export function writeReport(r: Report): string {
  const lines: string[] = [];
  const out = (s = "") => lines.push(s);

  out(`# Benchmarks: Marginalia, the y-websocket relay and Hocuspocus, side by side`);
  out();
  out(`Written by \`pnpm bench${r.quick ? " --quick" : ""}\` (bench/src/run.ts) on ${r.date.slice(0, 16).replace("T", " ")} UTC, in ${fmt(r.elapsedSeconds ?? NaN, 0)} s.`);
  if (r.quick) out(`**Quick mode**: fewer client counts, shorter steps and a smaller cold-load article than \`pnpm bench\`; same table shape.`);
  out();
  out(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB.toFixed(0)} GiB; ${r.machine.os}; Node ${r.machine.node}; Postgres ${r.machine.postgres}.`);
  const load = (l?: number[]) => (l ? l.map((x) => x.toFixed(1)).join(" / ") : "–");
  out(
    `- Load average (1 / 5 / 15 min) at the start: ${load(r.machine.loadStart)}; at the end: ${load(r.machine.loadEnd)}.` +
      // The bench itself keeps about two processes busy; more than that came from elsewhere.
      (r.machine.loadStart[0]! > 1.5 || (r.machine.loadEnd?.[0] ?? 0) > r.machine.cores + 1
        ? ` **Other processes were competing for the ${r.machine.cores} cores during this run: its figures measure a busy machine, not the servers.**`
        : ""),
  );
  out(`- Database: ${r.database}. Marginalia on Postgres and Hocuspocus write to the same database (Hocuspocus into its own table, \`hocuspocus_documents\`); Marginalia embedded writes to PGlite in a fresh data directory of its own.`);
  out(`- Versions: @y/websocket-server 0.1.1 (bare relay: no authorization, no persistence), @hocuspocus/server + extension-database + provider 3.4.4 (default debounce: stores 2 s after the last change, at most 10 s apart; no auth hook).`);
  if (r.hocuspocusSkipped) out(`- **Hocuspocus was skipped**: it needs Postgres, and none was reachable.`);
  const lagRows = [...r.fanout, ...r.ramp.flatMap((x) => x.steps), ...r.rooms, ...r.soak.flatMap((x) => x.windows)].filter((s) => s.lag.n > 0);
  if (lagRows.length) {
    const worst = lagRows.reduce((a, b) => (b.lag.p99 > a.lag.p99 ? b : a));
    const maxLag = Math.max(...lagRows.map((s) => s.lag.max));
    const within = lagRows.filter((s) => s.lag.p99 <= 5).length;
    out(
      `- **How far the generator fell behind** (open-loop writes; lag = when a write went out − when it was due): ` +
        `p99 lag ≤ 5 ms in ${within} of ${lagRows.length} steps; worst p99 ${fmt(worst.lag.p99)} ms (at ${worst.rate} writes/s), worst single write ${fmt(maxLag)} ms. Every row below gives its own.`,
    );
  }
  out();

  summarySection(r, out);
  fanoutSection(r, out);
  rampSection(r, out);
  roomsSection(r, out);
  soakSection(r, out);

  // ------------------------------------------------------------ cold load
  if (r.cold.seed) {
    const s = r.cold.seed;
    out(`## Cold load`);
    out();
    out(`One article with ${s.annotations.toLocaleString("en-US")} annotations made in ${s.updates.toLocaleString("en-US")} updates (creations, then body typing, resolve toggles, tag and colour changes, votes), written straight through Marginalia's store: each update went through a \`GroupCommitter\` (log row in \`doc_updates\` + projection upsert, in batches of 1,000 per transaction) in ${fmt(s.seconds)} s. The final state is ${fmt(s.stateKiB, 0)} KiB. Time is from the socket's open to the server's sync step 2 answering our step 1, with the document not loaded.`);
    out();
    out(`| | runs | p50 | max (ms) |`);
    out(`|---|---|---|---|`);
    const c = r.cold.marginalia;
    if (c) {
      out(`| Marginalia, before compaction (snapshot: none; log: ${s.updates.toLocaleString("en-US")} rows) | ${c.before.n} | ${fmt(c.before.p50)} | ${fmt(c.before.max)} |`);
      out(`| Marginalia, after compaction (${c.compaction.passes} passes, ${c.compaction.rows.toLocaleString("en-US")} rows, ${fmt(c.compaction.ms, 0)} ms) | ${c.after.n} | ${fmt(c.after.p50)} | ${fmt(c.after.max)} |`);
      if (c.tail) out(`| Marginalia, after compaction, then ${c.tail.rows.toLocaleString("en-US")} rows written by another process (the most a live document's log holds before it is folded) | ${c.tail.n} | ${fmt(c.tail.p50)} | ${fmt(c.tail.max)} |`);
    }
    if (r.cold.hocuspocus) out(`| Hocuspocus (the same final state in its table) | ${r.cold.hocuspocus.n} | ${fmt(r.cold.hocuspocus.p50)} | ${fmt(r.cold.hocuspocus.max)} |`);
    out();
  }

  // ------------------------------------------------------------ REST
  if (r.rest.length) {
    out(`## REST over the cold-load article`);
    out();
    out(`\`GET /api/articles/:id/annotations?…\`, one request at a time from this process, after 5 warm-ups, once \`VACUUM ANALYZE annotations\` has run after the seeding (as autovacuum would within a minute; with the statistics of an empty table, Postgres sorted the whole article for every page: about 20 ms).`);
    out();
    out(`| query | rows | p50 | p95 | p99 (ms) |`);
    out(`|---|---|---|---|---|`);
    for (const q of r.rest) out(`| ${q.label} (\`${q.query.length > 60 ? q.query.slice(0, 40) + "…" : q.query}\`) | ${q.rows} | ${fmt(q.p50)} | ${fmt(q.p95)} | ${fmt(q.p99)} |`);
    out();
  }

  // ------------------------------------------------------------ memory
  if (r.memory.length) {
    out(`## Memory per idle loaded document`);
    out();
    const fresh = r.settings.memory.freshProcesses;
    out(`${fresh ? "A fresh server process each" : "In the servers of the run (quick mode)"}; ${r.memory[0]!.docs} documents, each given ${r.memory[0]!.annotations} annotations in one update by one client that then stays connected and idle. Growth of heap + external (after two forced GCs) and of RSS, divided by the documents; two documents are loaded before the baseline so that warmed-up code is not counted.`);
    out();
    out(`| server | heap + external per document (KiB) | RSS per document (KiB) | documents loaded |`);
    out(`|---|---|---|---|`);
    // RSS rarely shrinks, so in a process that has run load already its growth says little.
    for (const m of r.memory) out(`| ${NAMES[m.server === "marginalia" ? (r.primary ?? "marginalia") : m.server]} | ${fmt(m.heapPerDocKiB, 0)} | ${fresh ? fmt(m.rssPerDocKiB, 0) : "–"} | ${m.loadedDocs} |`);
    out();
  }

  // ------------------------------------------------------------ generator experiment
  if (r.generators.length) {
    out(`## One generator process or two`);
    out();
    out(`Marginalia, 200 clients × 100 writes/s, receivers split over 1 or 2 generator processes.`);
    out();
    out(`| generator processes | p50 | p99 (ms) | gen CPU (sum) | server CPU | missing |`);
    out(`|---|---|---|---|---|---|`);
    for (const g of r.generators) out(`| ${g.parts} | ${fmt(g.latency.p50)} | ${fmt(g.latency.p99)} | ${pct(g.generatorCpu)} | ${pct(g.serverCpu)} | ${g.missing} |`);
    out();
  }

  methodSection(r, out);
  return lines.join("\n");
}
