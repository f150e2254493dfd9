// `pnpm bench` / `pnpm bench --quick`: Marginalia, @y/websocket-server and
// Hocuspocus side by side under the same load, on this machine, in one run.
// Writes bench/results/latest.md.
//
// Processes: this orchestrator (idle while a scenario runs), one process per
// server, and one load-generator process (src/generator.ts) per fan-out run.
// See bench/results/latest.md's "method" section for what each figure means.
//
// Flags: --quick, --only=fanout,ramp,durable,cold,rest,memory,generators,
//        --profile (Marginalia runs with --cpu-prof into bench/results/profiles),
//        --servers=marginalia,relay,hocuspocus --clients=200 --rates=100 (narrow the fan-out grid),
//        --generators=N (split the receivers over N generator processes; default 1)
//        --embedded (Marginalia on its embedded database, the README's default; peers keep Postgres)
// Env:   BENCH_DATABASE_URL (else a fresh database marginalia_bench_<pid> on
//        127.0.0.1:5432, dropped at the end; else PGlite, and no Hocuspocus)
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import postgres from "postgres";
import { SEED, api, authHeader, seedArticle, signUp } from "./harness.ts";
import { annotationBatch } from "./lib/cold-data.ts";
import { type LoadOptions, type Probe, type Server, coldOpen, freshEndpoint as freshFor, openProbe, runLoad as runFor, sleep, startServer as start, waitUnloaded } from "./lib/load.ts";
import { type Endpoint, type ServerKind, openingMessages, step1Message, updateMessage } from "./lib/protocol.ts";
import { type Summary, summarize } from "./lib/stats.ts";
import { type Report, writeReport } from "./report.ts";

const startServer = (kind: ServerKind, env: Record<string, string>) => start(kind, env, profile);
const runLoad = (server: Server, ep: Endpoint, opts: LoadOptions) => runFor(server, ep, owner.userId, { parts: GENERATORS, ...opts });
const freshEndpoint = (server: Server, label: string) => freshFor(server, label, owner);

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const profile = args.includes("--profile");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const wants = (s: string) => !only || only.includes(s);

const SETTINGS = quick
  ? {
      fanout: { clients: [200], rates: [10, 100, 500], warmupMs: 300, measureMs: 1200, gapMs: 500, settleMs: 800, fullCheckMs: 1500 },
      ramp: { clients: 200, rates: [150, 300, 500, 800], warmupMs: 300, measureMs: 1000, gapMs: 500, settleMs: 1200, servers: ["marginalia", "hocuspocus"] },
      durable: { rate: 100, ms: 3000 },
      cold: { annotations: 800, updates: 8_000, before: 1, after: 3 },
      rest: { requests: 20 },
      memory: { docs: 6, annotations: 100, freshProcesses: false, settleMs: 1000 },
      generatorsExperiment: false,
    }
  : {
      fanout: { clients: [50, 200, 500], rates: [10, 100, 500], warmupMs: 1000, measureMs: 5000, gapMs: 1500, settleMs: 2500, fullCheckMs: 5000 },
      ramp: { clients: 200, rates: [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000], warmupMs: 1000, measureMs: 3000, gapMs: 1500, settleMs: 3000, servers: ["marginalia", "relay", "hocuspocus"] },
      durable: { rate: 100, ms: 10_000 },
      cold: { annotations: 10_000, updates: 100_000, before: 3, after: 7 },
      rest: { requests: 200 },
      memory: { docs: 50, annotations: 100, freshProcesses: true, settleMs: 2500 },
      generatorsExperiment: true,
    };
// Narrowing for development: --servers=marginalia,relay --clients=200 --rates=100
const listArg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(",");
const serverFilter = listArg("servers");
if (listArg("clients")) SETTINGS.fanout.clients = listArg("clients")!.map(Number);
if (listArg("rates")) SETTINGS.fanout.rates = listArg("rates")!.map(Number);
/** Generator processes per fan-out run (receivers split between them); one by default, see the report's method. */
const GENERATORS = Number(listArg("generators")?.[0] ?? 1);
const WRITERS = 10;
const FULL_CLIENTS = 2;
const P99_LIMIT_MS = 50;
const started = Date.now();
const log = (...m: unknown[]) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...m);

// ---------------------------------------------------------------- database
async function prepareDatabase(): Promise<{ url: string | undefined; drop: () => Promise<void>; note: string }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, drop: async () => {}, note: "BENCH_DATABASE_URL" };
  const name = `marginalia_bench_${process.pid}`;
  const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    log("no Postgres on 127.0.0.1:5432 (" + (err as Error).message + "): Marginalia on PGlite, Hocuspocus skipped");
    return { url: undefined, drop: async () => {}, note: "PGlite (no Postgres reachable): Hocuspocus skipped, it needs Postgres" };
  }
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    note: `fresh database ${name} on 127.0.0.1:5432, dropped at the end`,
    drop: async () => {
      const a = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch((e) => log("could not drop", name, e.message));
      await a.end();
    },
  };
}

// ================================================================ main
const db = await prepareDatabase();
const embedded = args.includes("--embedded") || db.url === undefined;
const marginaliaEnv: Record<string, string> = { BENCH_IDLE_UNLOAD_MS: "250", ...(db.url && !embedded ? { BENCH_DATABASE_URL: db.url } : {}) };
const hocusAvailable = db.url !== undefined;
log(`database: ${db.note}${embedded && db.url ? "; Marginalia on its embedded database (--embedded)" : ""}`);

const servers: Server[] = [];
let owner: { token: string; userId: string };
const report: Report = {
  quick,
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    postgres: "–",
    loadStart: os.loadavg(),
  },
  database: db.note,
  settings: { ...SETTINGS, writers: WRITERS, fullClients: FULL_CLIENTS, p99LimitMs: P99_LIMIT_MS, generatorProcesses: GENERATORS },
  fanout: [],
  ramp: [],
  durable: {},
  cold: {},
  rest: [],
  memory: [],
  generators: [],
  notes: [],
  hocuspocusSkipped: !hocusAvailable,
};

try {
  if (db.url) {
    const q = postgres(db.url, { max: 1, onnotice: () => {} });
    const [v] = await q`show server_version`;
    report.machine.postgres = String(v?.server_version ?? "?");
    await q.end();
  } else report.machine.postgres = "PGlite";

  const [marginalia, relay, hocus] = await Promise.all([
    startServer("marginalia", marginaliaEnv),
    startServer("relay", {}),
    hocusAvailable ? startServer("hocuspocus", { BENCH_DATABASE_URL: db.url! }) : null,
  ]);
  servers.push(marginalia, relay, ...(hocus ? [hocus] : []));
  owner = await signUp(marginalia.url, "bench-owner");
  log("servers up:", servers.map((s) => `${s.kind} ${s.url}`).join(", "));
  const trio = servers.filter((s) => !serverFilter || serverFilter.includes(s.kind));

  // ------------------------------------------------------------ fan-out grid
  if (wants("fanout")) {
    const f = SETTINGS.fanout;
    for (const clients of f.clients) {
      for (const server of trio) {
        const ep = await freshEndpoint(server, `fanout${clients}`);
        if (server.kind === "hocuspocus") await server.child.request("takeDurable");
        const steps = f.rates.map((rate) => ({ rate, warmupMs: f.warmupMs, measureMs: f.measureMs }));
        log(`fan-out: ${server.kind}, ${clients} clients, rates ${f.rates.join("/")}`);
        const out = await runLoad(server, ep, {
          clients,
          writers: WRITERS,
          fullClients: FULL_CLIENTS,
          steps,
          gapMs: f.gapMs,
          settleMs: f.settleMs,
          fullCheckMs: f.fullCheckMs,
          acks: server.kind === "marginalia",
        });
        let hocusDurable: Summary | undefined;
        if (server.kind === "hocuspocus") {
          // Its store runs 2 s after the last change (at most 10 s apart): wait for the last one.
          await sleep(2500);
          const { lags } = await server.child.request<{ lags: number[] }>("takeDurable");
          hocusDurable = summarize(lags);
        }
        for (const s of out.steps) {
          report.fanout.push({
            server: server.kind,
            clients,
            ...s,
            durable: server.kind === "hocuspocus" ? hocusDurable! : s.durable,
            errors: out.errors,
            closedEarly: out.closedEarly,
            connectMs: out.connectMs,
            fullOk: out.fullOk,
          });
          log(
            `  ${server.kind} ${clients}×${s.rate}/s: p50 ${s.latency.p50.toFixed(1)} p99 ${s.latency.p99.toFixed(1)} ms, ` +
              `missing ${s.missing}, gen lag p99 ${s.lag.p99.toFixed(1)} ms, gen cpu ${(s.generatorCpu * 100).toFixed(0)}%, server cpu ${(s.serverCpu * 100).toFixed(0)}%`,
          );
        }
        if (out.errors.length) log("  errors:", out.errors.slice(0, 3).join("; "));
      }
    }
  }

  // ------------------------------------------------------------ ramp
  if (wants("ramp")) {
    const r = SETTINGS.ramp;
    for (const server of trio.filter((s) => r.servers.includes(s.kind))) {
      const ep = await freshEndpoint(server, "ramp");
      log(`ramp: ${server.kind}, ${r.clients} clients`);
      const out = await runLoad(server, ep, {
        clients: r.clients,
        writers: WRITERS,
        fullClients: 0,
        steps: r.rates.map((rate) => ({ rate, warmupMs: r.warmupMs, measureMs: r.measureMs })),
        gapMs: r.gapMs,
        settleMs: r.settleMs,
        acks: false,
        stopAboveP99Ms: P99_LIMIT_MS,
      });
      report.ramp.push({ server: server.kind, steps: out.steps, errors: out.errors });
      for (const s of out.steps) {
        log(`  ${server.kind} ${s.rate}/s: p99 ${s.latency.p99.toFixed(1)} ms, missing ${s.missing}, gen lag p99 ${s.lag.p99.toFixed(1)}, gen cpu ${(s.generatorCpu * 100).toFixed(0)}%, server cpu ${(s.serverCpu * 100).toFixed(0)}%`);
      }
    }
  }

  // ------------------------------------------------------------ durable lag, alone
  if (wants("durable")) {
    const d = SETTINGS.durable;
    const ep = await freshEndpoint(marginalia, "durable");
    log(`durable lag: marginalia, one writer, ${d.rate}/s`);
    const out = await runLoad(marginalia, ep, {
      clients: 2,
      writers: 1,
      fullClients: 0,
      steps: [{ rate: d.rate, warmupMs: 500, measureMs: d.ms }],
      gapMs: 0,
      settleMs: 500,
      acks: true,
    });
    report.durable.alone = out.steps[0]!.durable;
    log(`  p50 ${out.steps[0]!.durable.p50.toFixed(1)} p99 ${out.steps[0]!.durable.p99.toFixed(1)} ms`);
  }

  // ------------------------------------------------------------ cold load + REST
  if (wants("cold") || wants("rest")) {
    const c = SETTINGS.cold;
    const { articleId, groupId, room } = await seedArticle(marginalia.url, owner.token);
    const article = await api(marginalia.url, owner.token, "GET", `/api/articles/${articleId}`);
    log(`cold: writing ${c.annotations} annotations in ${c.updates} updates through the GroupCommitter`);
    const seeded = await marginalia.child.request<{ ms: number; updates: number; annotations: number; state: Uint8Array; stateBytes: number }>("seedCold", {
      context: { docName: room, articleId, groupId, visibility: "group", revision: article.currentRevision ?? 1 },
      annotations: c.annotations,
      updates: c.updates,
      authorId: owner.userId,
      voterIds: Array.from({ length: 20 }, () => crypto.randomUUID()),
    });
    log(`  seeded in ${(seeded.ms / 1000).toFixed(1)} s; state ${(seeded.stateBytes / 1024).toFixed(0)} KiB`);
    report.cold.seed = { annotations: seeded.annotations, updates: seeded.updates, seconds: seeded.ms / 1000, stateKiB: seeded.stateBytes / 1024 };
    // Statistics as autovacuum leaves them within a minute of a bulk write: measured right after 10,000
    // fresh rows, the planner still believed the article had a few hundred and sorted them all per page.
    if (db.url) {
      const q = postgres(db.url, { max: 1, onnotice: () => {} });
      await q`vacuum analyze annotations`;
      await q.end();
    }

    if (wants("rest")) {
      const queries: Array<[string, string]> = [
        ["list, by position", "limit=50"],
        ["filter: kind + status", "kind=factcheck&status=pending"],
        ["filter: tag", "tag=disputed"],
        ["filter: resolved, by update", "resolved=true&sort=updated"],
        ["full-text search", "q=sanctions"],
      ];
      const first = await api(marginalia.url, owner.token, "GET", `/api/articles/${articleId}/annotations?limit=50`);
      if (first.nextCursor) queries.push(["list, page 2 (cursor)", `limit=50&cursor=${first.nextCursor}`]);
      const all: number[] = [];
      for (const [label, query] of queries) {
        const times: number[] = [];
        let count = 0;
        for (let i = 0; i < SETTINGS.rest.requests + 5; i++) {
          const t = performance.now();
          const res = await fetch(`${marginalia.url}/api/articles/${articleId}/annotations?${query}`, {
            headers: authHeader(owner.token),
          });
          const body = (await res.json()) as { annotations: unknown[] };
          if (i >= 5) times.push(performance.now() - t);
          count = body.annotations?.length ?? -1;
        }
        all.push(...times);
        report.rest.push({ label, query, rows: count, ...summarize(times) });
        log(`  REST ${label}: p95 ${summarize(times).p95.toFixed(1)} ms (${count} rows)`);
      }
      report.restAll = summarize(all);
    }

    if (wants("cold")) {
      const ep: Endpoint = { kind: "marginalia", origin: marginalia.origin, docName: room, token: owner.token };
      const before: number[] = [];
      for (let i = 0; i < c.before; i++) {
        await waitUnloaded(marginalia);
        before.push(await coldOpen(ep));
        log(`  cold open before compaction: ${before.at(-1)!.toFixed(0)} ms`);
      }
      await waitUnloaded(marginalia);
      const compaction = await marginalia.child.request<{ passes: number; rows: number; ms: number }>("compact", { docName: room });
      log(`  compacted ${compaction.rows} rows in ${compaction.passes} passes, ${compaction.ms.toFixed(0)} ms`);
      const after: number[] = [];
      for (let i = 0; i < c.after; i++) {
        await waitUnloaded(marginalia);
        after.push(await coldOpen(ep));
      }
      log(`  cold open after compaction: ${after.map((x) => x.toFixed(0)).join(", ")} ms`);
      report.cold.marginalia = { before: summarize(before), after: summarize(after), compaction };

      if (hocus) {
        const name = `bench-cold-${process.pid}`;
        await hocus.child.request("seed", { name, state: seeded.state });
        const hep: Endpoint = { kind: "hocuspocus", origin: hocus.origin, docName: name, token: "bench" };
        const times: number[] = [];
        for (let i = 0; i < c.after; i++) {
          await waitUnloaded(hocus);
          times.push(await coldOpen(hep));
        }
        log(`  hocuspocus cold open: ${times.map((x) => x.toFixed(0)).join(", ")} ms`);
        report.cold.hocuspocus = summarize(times);
      }
    }
  }

  // ------------------------------------------------------------ memory per idle loaded document
  if (wants("memory")) {
    const m = SETTINGS.memory;
    for (const kind of ["marginalia", "relay", ...(hocusAvailable ? ["hocuspocus"] : [])] as ServerKind[]) {
      // Full mode: a fresh process each. Quick mode: the running one (the per-document growth is measured either way).
      const server = m.freshProcesses
        ? await startServer(kind, kind === "marginalia" ? marginaliaEnv : kind === "hocuspocus" ? { BENCH_DATABASE_URL: db.url! } : {})
        : servers.find((s) => s.kind === kind)!;
      try {
        const who = kind === "marginalia" ? await signUp(server.url, "memory") : { token: "bench", userId: owner.userId };
        const endpoints: Endpoint[] = [];
        for (let i = 0; i < m.docs + 2; i++) {
          if (kind === "marginalia") {
            const { room } = await seedArticle(server.url, who.token);
            endpoints.push({ kind, origin: server.origin, docName: room, token: who.token });
          } else endpoints.push({ kind, origin: server.origin, docName: `memory-${i}-${process.pid}`, token: "bench" });
        }
        const probes: Probe[] = [];
        const load = async (ep: Endpoint, i: number) => {
          const probe = await openProbe(ep);
          const joined = probe.next("joined");
          for (const msg of openingMessages(ep)) probe.socket.send(msg);
          await joined;
          probe.socket.send(updateMessage(ep.kind, ep.docName, annotationBatch(m.annotations, who.userId, SEED, i + 1)));
          // Messages are handled in order: the answer to this step 1 comes after the update is applied.
          const synced = probe.next("step2");
          probe.socket.send(step1Message(ep.kind, ep.docName));
          await synced;
          probes.push(probe);
        };
        // Two first, so that code and caches warmed by the first documents are in the baseline.
        await load(endpoints[0]!, 0);
        await load(endpoints[1]!, 1);
        await sleep(m.settleMs);
        const baseline = await server.child.stats(true);
        for (let i = 2; i < endpoints.length; i++) await load(endpoints[i]!, i);
        await sleep(m.settleMs); // group commits; Hocuspocus's stores wait 2 s, at most 10 s, so some may still be due
        const loaded = await server.child.stats(true);
        const heap = (x: typeof baseline) => x.memory.heapUsed + x.memory.external;
        const row = {
          server: kind,
          docs: m.docs,
          annotations: m.annotations,
          heapPerDocKiB: (heap(loaded) - heap(baseline)) / m.docs / 1024,
          rssPerDocKiB: (loaded.memory.rss - baseline.memory.rss) / m.docs / 1024,
          loadedDocs: await server.child.request<number>("loaded"),
        };
        report.memory.push(row);
        log(`memory: ${kind}: ${row.heapPerDocKiB.toFixed(0)} KiB heap+external, ${row.rssPerDocKiB.toFixed(0)} KiB RSS per document (${row.loadedDocs} loaded)`);
        for (const p of probes) p.socket.close();
      } finally {
        if (m.freshProcesses) await server.child.stop();
      }
    }
  }

  // ------------------------------------------------------------ one generator process or two
  if (wants("generators") && SETTINGS.generatorsExperiment) {
    for (const parts of [1, 2]) {
      const ep = await freshEndpoint(marginalia, `gen${parts}`);
      const out = await runLoad(marginalia, ep, {
        clients: 200,
        writers: WRITERS,
        fullClients: 0,
        steps: [{ rate: 100, warmupMs: 1000, measureMs: 5000 }],
        gapMs: 0,
        settleMs: 1500,
        acks: false,
        parts,
      });
      const s = out.steps[0]!;
      report.generators.push({ parts, latency: s.latency, generatorCpu: s.generatorCpu, serverCpu: s.serverCpu, missing: s.missing, lag: s.lag });
      log(`generators ×${parts}: p50 ${s.latency.p50.toFixed(1)} p99 ${s.latency.p99.toFixed(1)} ms, gen cpu ${(s.generatorCpu * 100).toFixed(0)}%`);
    }
  }

  report.elapsedSeconds = (Date.now() - started) / 1000;
  report.machine.loadEnd = os.loadavg();
  const path = new URL("../results/latest.md", import.meta.url);
  mkdirSync(new URL("../results", import.meta.url), { recursive: true });
  writeFileSync(path, writeReport(report));
  log(`wrote ${path.pathname} in ${report.elapsedSeconds.toFixed(0)} s`);
} finally {
  await Promise.all(servers.map((s) => s.child.stop().catch(() => {})));
  await db.drop();
}
process.exit(0);
