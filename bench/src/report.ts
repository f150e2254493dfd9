// Turns one run's figures into bench/results/latest.md.
import type { StepOutcome } from "./lib/load.ts";
import type { ServerKind } from "./lib/protocol.ts";
import { type Summary, fmt, ratio } from "./lib/stats.ts";

/** One step of a fan-out or ramp run, as the load runner measured it. */
export type StepRow = StepOutcome;

export type Report = {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; postgres: string; loadStart: number[]; loadEnd?: number[] };
  database: string;
  settings: Record<string, unknown>;
  fanout: Array<StepRow & { server: ServerKind; clients: number; errors: string[]; closedEarly: number; connectMs: number; fullOk: string }>;
  ramp: Array<{ server: ServerKind; steps: StepRow[]; errors: string[] }>;
  durable: { alone?: Summary };
  cold: {
    seed?: { annotations: number; updates: number; seconds: number; stateKiB: number };
    marginalia?: { before: Summary; after: Summary; compaction: { passes: number; rows: number; ms: number } };
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

const NAMES: Record<ServerKind, string> = { marginalia: "Marginalia", relay: "y-websocket relay", hocuspocus: "Hocuspocus" };
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "–");
const ok = (met: boolean | null) => (met === null ? "–" : met ? "yes" : "**no**");

/** A ramp step holds if p99 stays under the limit, nothing goes missing, and the generator kept its rate. */
export function holds(s: StepRow, limitMs: number) {
  return s.latency.p99 <= limitMs && s.missing === 0 && s.sentPerSec >= 0.95 * s.rate;
}

export function sustained(steps: StepRow[], limitMs: number): { rate: number | null; capped: boolean; generatorBound: boolean } {
  let best: StepRow | null = null;
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

export function writeReport(r: Report): string {
  const limit = (r.settings.p99LimitMs as number) ?? 50;
  const fan = (server: ServerKind, clients: number, rate: number) => r.fanout.find((f) => f.server === server && f.clients === clients && f.rate === rate);
  const ramp = (server: ServerKind) => {
    const row = r.ramp.find((x) => x.server === server);
    return row ? sustained(row.steps, limit) : null;
  };
  const mem = (server: ServerKind) => r.memory.find((m) => m.server === server);
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
  out(`- Database: ${r.database}. Marginalia and Hocuspocus write to the same database (Hocuspocus into its own table, \`hocuspocus_documents\`).`);
  out(`- Versions: @y/websocket-server 0.1.1 (bare relay: no authorization, no persistence), @hocuspocus/server + extension-database + provider 3.4.4 (default debounce: stores 2 s after the last change, at most 10 s apart; no auth hook).`);
  if (r.hocuspocusSkipped) out(`- **Hocuspocus was skipped**: it needs Postgres, and none was reachable.`);
  const lagRows = [...r.fanout, ...r.ramp.flatMap((x) => x.steps)].filter((s) => s.lag.n > 0);
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

  // ------------------------------------------------------------ summary
  out(`## Against the issue's targets`);
  out();
  out(`Ratios are Marginalia ÷ peer: below 1× means Marginalia is lower (faster, smaller); for writes/s, above 1× means Marginalia sustains more.`);
  out();
  out(`| scenario | Marginalia | relay | Hocuspocus | vs relay | vs Hocuspocus | target | met |`);
  out(`|---|---|---|---|---|---|---|---|`);
  {
    const m = fan("marginalia", 200, 100);
    const y = fan("relay", 200, 100);
    const h = fan("hocuspocus", 200, 100);
    const target = m && y ? m.latency.p99 <= 1.5 * y.latency.p99 : null;
    out(`| p99 fan-out, 200 clients × 100 writes/s (ms) | ${fmt(m?.latency.p99)} | ${fmt(y?.latency.p99)} | ${fmt(h?.latency.p99)} | ${ratio(m?.latency.p99, y?.latency.p99)} | ${ratio(m?.latency.p99, h?.latency.p99)} | ≤ 1.5× relay | ${ok(target)} |`);
  }
  {
    const m = ramp("marginalia");
    const y = ramp("relay");
    const h = ramp("hocuspocus");
    const cell = (x: ReturnType<typeof ramp>) =>
      x === null ? "–" : x.rate === null ? `< first step${x.generatorBound ? " (generator-bound)" : ""}` : `${x.capped ? "≥ " : ""}${x.rate}${x.generatorBound ? " (generator-bound)" : ""}`;
    const target = m?.rate != null && h?.rate != null ? m.rate >= 2 * h.rate : h?.rate === null && m?.rate != null ? true : null;
    out(`| sustained writes/s before p99 passes ${limit} ms, 200 clients | ${cell(m)} | ${cell(y)} | ${cell(h)} | ${ratio(m?.rate, y?.rate)} | ${ratio(m?.rate, h?.rate)} | ≥ 2× Hocuspocus | ${ok(target)} |`);
  }
  {
    const a = r.durable.alone;
    const m = fan("marginalia", 200, 100);
    const h = fan("hocuspocus", 200, 100);
    out(`| durable lag p99, 1 writer × 100 writes/s (ms) | ${fmt(a?.p99)} | n/a (no persistence) | – | – | – | ≤ 25 ms | ${ok(a ? a.p99 <= 25 : null)} |`);
    out(`| durable lag p99, under 200 clients × 100 writes/s (ms) | ${fmt(m?.durable.p99)} | n/a | ${fmt(h?.durable.p99)} | – | ${ratio(m?.durable.p99, h?.durable.p99)} | ≤ 25 ms | ${ok(m ? m.durable.p99 <= 25 : null)} |`);
  }
  {
    const c = r.cold.marginalia;
    const seed = r.cold.seed;
    const size = seed ? `${seed.annotations.toLocaleString("en-US")} annotations, ${seed.updates.toLocaleString("en-US")} updates` : "";
    out(`| cold load p50, after compaction, ${size} (ms) | ${fmt(c?.after.p50)} | n/a | ${fmt(r.cold.hocuspocus?.p50)} | – | ${ratio(c?.after.p50, r.cold.hocuspocus?.p50)} | < 100 ms | ${ok(c ? c.after.p50 < 100 : null)} |`);
    out(`| cold load p50, before compaction (ms) | ${fmt(c?.before.p50)} | n/a | (stores one state) | – | – | < 100 ms | ${ok(c ? c.before.p50 < 100 : null)} |`);
  }
  {
    const m = mem("marginalia");
    const y = mem("relay");
    const h = mem("hocuspocus");
    const mb = (x?: { heapPerDocKiB: number }) => (x ? fmt(x.heapPerDocKiB / 1024, 2) : "–");
    out(`| memory per idle loaded document, ${m?.annotations ?? "–"} annotations, heap + external (MB) | ${mb(m)} | ${mb(y)} | ${mb(h)} | ${ratio(m?.heapPerDocKiB, y?.heapPerDocKiB)} | ${ratio(m?.heapPerDocKiB, h?.heapPerDocKiB)} | < 2 MB | ${ok(m ? m.heapPerDocKiB < 2048 : null)} |`);
  }
  {
    const worst = r.rest.length ? Math.max(...r.rest.map((q) => q.p95)) : NaN;
    out(`| REST list and filter over ${r.cold.seed ? r.cold.seed.annotations.toLocaleString("en-US") : "–"} annotations, worst query p95 (ms) | ${fmt(worst)} | n/a | n/a | – | – | < 20 ms | ${ok(r.rest.length ? worst < 20 : null)} |`);
  }
  out();

  // ------------------------------------------------------------ fan-out
  if (r.fanout.length) {
    out(`## Fan-out`);
    out();
    out(`N websocket clients on one document: ${r.settings.writers} of them write (open-loop, round-robin), ${r.settings.fullClients} are full Y.Doc clients (providers) that must end with every annotation; the rest are lightweight receivers that time each update from send to arrival by a marker in its bytes. Latency counts every delivery to every other client. Awareness is off.`);
    out();
    out(`| clients | writes/s | server | p50 | p95 | p99 | max (ms) | sent/s | deliveries/s | missing | gen lag p99 / max (ms) | gen CPU | server CPU | server RSS (MB) | full clients complete (end of run) | p99 vs relay | p99 vs Hocuspocus |`);
    out(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
    const clientsList = [...new Set(r.fanout.map((f) => f.clients))];
    const rates = [...new Set(r.fanout.map((f) => f.rate))];
    for (const clients of clientsList) {
      for (const rate of rates) {
        for (const server of ["marginalia", "relay", "hocuspocus"] as ServerKind[]) {
          const f = fan(server, clients, rate);
          if (!f) continue;
          const y = fan("relay", clients, rate);
          const h = fan("hocuspocus", clients, rate);
          out(
            `| ${clients} | ${rate} | ${NAMES[server]} | ${fmt(f.latency.p50)} | ${fmt(f.latency.p95)} | ${fmt(f.latency.p99)} | ${fmt(f.latency.max)} | ${fmt(f.sentPerSec, 0)} | ${fmt(f.deliveriesPerSec, 0)} | ${f.missing.toLocaleString("en-US")}${f.duplicates ? ` (+${f.duplicates} dup)` : ""} | ${fmt(f.lag.p99)} / ${fmt(f.lag.max)} | ${pct(f.generatorCpu)} | ${pct(f.serverCpu)} | ${fmt(f.serverRssMb, 0)} | ${f.fullOk} | ${server === "marginalia" ? ratio(f.latency.p99, y?.latency.p99) : ""} | ${server === "marginalia" ? ratio(f.latency.p99, h?.latency.p99) : ""} |`,
          );
        }
      }
    }
    const errs = r.fanout.filter((f) => f.errors.length || f.closedEarly);
    const seen = new Set<string>();
    for (const f of errs) {
      const key = `${f.server}/${f.clients}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out();
      out(`Errors, ${NAMES[f.server]} at ${f.clients} clients: ${f.closedEarly} sockets closed early; ${f.errors.slice(0, 5).join("; ")}`);
    }
    out();
    out(`"missing" counts deliveries that had not arrived ${r.settings.fanout && (r.settings.fanout as { settleMs: number }).settleMs} ms after the step (the step's backlog still queued, or lost). Marginalia's durable lag under this load (send → ack, the writers ask for acks):`);
    out();
    out(`| clients | writes/s | durable p50 | p95 | p99 | max (ms) |`);
    out(`|---|---|---|---|---|---|`);
    for (const f of r.fanout.filter((x) => x.server === "marginalia")) {
      out(`| ${f.clients} | ${f.rate} | ${fmt(f.durable.p50)} | ${fmt(f.durable.p95)} | ${fmt(f.durable.p99)} | ${fmt(f.durable.max)} |`);
    }
    const hd = r.fanout.filter((x) => x.server === "hocuspocus" && x.durable.n);
    if (hd.length) {
      out();
      out(`Hocuspocus has no durability acknowledgement; its figure is the time from send until the debounced store that first contained the write had committed (measured in its store hook, over a whole run of rates): ${hd
        .filter((f, i, a) => a.findIndex((g) => g.clients === f.clients) === i)
        .map((f) => `${f.clients} clients: p50 ${fmt(f.durable.p50)} ms, p99 ${fmt(f.durable.p99)} ms`)
        .join("; ")}.`);
    }
    out();
  }

  // ------------------------------------------------------------ ramp
  if (r.ramp.length) {
    out(`## Ramp: the highest sustained rate`);
    out();
    out(`${(r.settings.ramp as { clients: number }).clients} clients, rising rates, one run per server; a step holds if its p99 ≤ ${limit} ms, nothing is missing after the step, and the generator sent ≥ 95% of the rate. The ramp stops after the first step that does not hold.`);
    out();
    out(`| server | writes/s | p50 | p99 (ms) | missing | sent/s | gen lag p99 (ms) | gen CPU | server CPU | server RSS (MB) | holds |`);
    out(`|---|---|---|---|---|---|---|---|---|---|---|`);
    for (const row of r.ramp) {
      for (const s of row.steps) {
        out(`| ${NAMES[row.server]} | ${s.rate} | ${fmt(s.latency.p50)} | ${fmt(s.latency.p99)} | ${s.missing.toLocaleString("en-US")} | ${fmt(s.sentPerSec, 0)} | ${fmt(s.lag.p99)} | ${pct(s.generatorCpu)} | ${pct(s.serverCpu)} | ${fmt(s.serverRssMb, 0)} | ${holds(s, limit) ? "yes" : "no"} |`);
      }
    }
    out();
  }

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
    const fresh = (r.settings.memory as { freshProcesses?: boolean } | undefined)?.freshProcesses;
    out(`${fresh ? "A fresh server process each" : "In the servers of the run (quick mode)"}; ${r.memory[0]!.docs} documents, each given ${r.memory[0]!.annotations} annotations in one update by one client that then stays connected and idle. Growth of heap + external (after two forced GCs) and of RSS, divided by the documents; two documents are loaded before the baseline so that warmed-up code is not counted.`);
    out();
    out(`| server | heap + external per document (KiB) | RSS per document (KiB) | documents loaded |`);
    out(`|---|---|---|---|`);
    // RSS rarely shrinks, so in a process that has run load already its growth says little.
    for (const m of r.memory) out(`| ${NAMES[m.server]} | ${fmt(m.heapPerDocKiB, 0)} | ${fresh ? fmt(m.rssPerDocKiB, 0) : "–"} | ${m.loadedDocs} |`);
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

  out(`## Method`);
  out();
  const parts = (r.settings.generatorProcesses as number) ?? 1;
  out(
    `- Each server runs in a process of its own; the load generator is ${parts === 1 ? "one more child process" : `${parts} more child processes`} (src/generator.ts) per run; the orchestrator waits idle. ` +
      `On 2 cores a second generator process (or a worker thread) takes CPU from the server under test, so one is the default (\`--generators=N\` changes it; "One generator process or two" above measures it when present).`,
  );
  out(`- Lightweight receivers are raw websocket clients (src/lib/raw-ws.ts) that never integrate an update: they find a fixed-width marker (\`~MRK\`, step, phase, writer, sequence, send time in epoch µs) in the update bytes. Writers keep their own Y.Doc and create one annotation per write (the marker in its body), as a client would; Marginalia checks and persists each. Marginalia's writers ask for durability acks (\`?acks=1\`).`);
  out(`- Writes are open-loop: write i of a step is due at start + i/R and goes out then whatever the servers do; the lag columns say how late they actually went out. Latency is measured from the actual send.`);
  out(`- CPU columns are a share of one core over the step's measured window: the generator's (from inside it) and the server process's (from /proc, so that a busy server's late answers cannot skew it).`);
  out(`- Marginalia's bench configuration lifts its per-user socket cap (all sockets are one user) and unloads idle documents after 250 ms (so that cold loads are cold); otherwise it runs as shipped, on Postgres, authorizing and persisting every update.`);
  for (const n of r.notes) out(`- ${n}`);
  out();
  out(`Settings: \`${JSON.stringify(r.settings)}\``);
  out();
  return lines.join("\n");
}
