// `pnpm bench` / `pnpm bench --quick`: Marginalia (on Postgres and on its embedded database),
// @y/websocket-server and Hocuspocus side by side under the same load, on this machine, in one run.
// Writes bench/results/latest.md.
//
// Processes: this orchestrator (idle while a scenario runs), one process per server, and one
// load-generator process (src/generator.ts) per load run. Scenarios live in src/scenarios/.
// See bench/results/latest.md's "Method" section for what each figure means.
//
// Flags: --quick, --only=fanout,ramp,rooms,soak,durable,cold,rest,memory,generators,reader,
//        --profile (Marginalia runs with --cpu-prof into bench/results/profiles),
//        --tsx (every server runs its TypeScript through tsx instead of compiled with esbuild first),
//        --servers=marginalia,embedded,relay,hocuspocus (which servers the load scenarios run;
//          "marginalia" is Marginalia on Postgres, "embedded" on PGlite),
//        --embedded (Marginalia on its embedded database only: the same as leaving "marginalia" out),
//        --clients=200 --rates=100 (narrow the fan-out grid), --rooms=500 (many rooms: 3 clients and
//        0.7 writes/s per room), --soak-seconds=300 or --soak-minutes=5, --soak-windows=5,
//        --generators=N (split the receivers over N generator processes; default 1)
// Env:   BENCH_DATABASE_URL (else a fresh database marginalia_bench_<pid> on 127.0.0.1:5432,
//        dropped at the end; else Marginalia on PGlite only, and no Hocuspocus)
//        BENCH_NODE_FLAGS (V8 or Node flags for every server, for experiments),
//        BENCH_ALLOC_PROFILE=DIR (Marginalia writes an allocation profile of each load run's measured
//          windows there, dead objects included: summarize it with src/alloc-top.ts)
import { appendFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { signUp } from "./harness.ts";
import { compileServers } from "./lib/compiled.ts";
import { postgresVersion, prepareDatabase } from "./lib/database.ts";
import { outPath } from "./lib/out-path.ts";
import { type Server, runLoad, sleep, startServer } from "./lib/load.ts";
import type { ServerKind } from "./lib/protocol.ts";
import { SERVER_IDS, type ServerId, type Target } from "./lib/targets.ts";
import { type Report, writeReport } from "./report.ts";
import { coldAndRest } from "./scenarios/cold-rest.ts";
import type { Ctx } from "./scenarios/context.ts";
import { durableAlone, generatorSplit, memoryPerDocument } from "./scenarios/extras.ts";
import { fanout } from "./scenarios/fanout.ts";
import { ramp } from "./scenarios/ramp.ts";
import { manyRooms } from "./scenarios/rooms.ts";
import { settingsFor } from "./scenarios/settings.ts";
import { readerInChromium } from "./scenarios/reader.ts";
import { soak } from "./scenarios/soak.ts";

const args = process.argv.slice(2);
const settings = settingsFor(args);
const profile = args.includes("--profile");
// Servers run compiled, as in production; --tsx runs their TypeScript through tsx instead (lib/compiled.ts).
const compiled = !args.includes("--tsx");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const wants = (s: string) => !only || only.includes(s);
const serverFilter = args.find((a) => a.startsWith("--servers="))?.slice(10).split(",");
const started = Date.now();
const log = (...m: unknown[]) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...m);

const db = await prepareDatabase(log);
if (compiled) {
  const t0 = Date.now();
  await compileServers();
  log(`servers compiled (apps/server/dist, bench/dist) in ${Date.now() - t0} ms`);
}
const withPostgres = db.url !== undefined;
const envOf: Record<ServerId, Record<string, string>> = {
  marginalia: { BENCH_IDLE_UNLOAD_MS: "250", BENCH_DATABASE_URL: db.url ?? "" },
  // Empty, not unset: the parent's own BENCH_DATABASE_URL must not reach it.
  embedded: { BENCH_IDLE_UNLOAD_MS: "250", BENCH_DATABASE_URL: "" },
  relay: {},
  hocuspocus: { BENCH_DATABASE_URL: db.url ?? "" },
};
const available = (id: ServerId) => withPostgres || (id !== "marginalia" && id !== "hocuspocus");
const chosen = (id: ServerId) => available(id) && (!serverFilter || serverFilter.includes(id)) && !(id === "marginalia" && args.includes("--embedded"));
const primaryId: ServerId = withPostgres && !args.includes("--embedded") ? "marginalia" : "embedded";
const needsPrimary = ["durable", "cold", "rest", "memory", "generators"].some(wants);
log(`database: ${db.note}`);

const report: Report = {
  quick: settings.quick,
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
  settings,
  primary: primaryId,
  fanout: [],
  ramp: [],
  rooms: [],
  soak: [],
  durable: {},
  cold: {},
  rest: [],
  memory: [],
  generators: [],
  notes: [
    compiled
      ? "Every server ran compiled (esbuild, bench/src/lib/compiled.ts) under plain node, as production runs Marginalia (`pnpm start`, the Docker image)."
      : "Every server ran its TypeScript through tsx (--tsx): each process carries tsx's loader (tens of MiB, bench/results/startup-memory.md).",
  ],
  hocuspocusSkipped: !withPostgres,
};

const targets: Target[] = [];
try {
  report.machine.postgres = await postgresVersion(db.url);
  // Only the processes some wanted scenario runs: each one idle still takes memory and a little CPU.
  const used = (id: ServerId) =>
    ["fanout", "rooms"].some(wants) ||
    (wants("ramp") && settings.ramp.servers.includes(id)) ||
    (wants("soak") && settings.soak.servers.includes(id)) ||
    (["cold", "memory"].some(wants) && id !== "marginalia" && id !== "embedded");
  const ids = SERVER_IDS.filter((id) => (chosen(id) && used(id)) || (needsPrimary && id === primaryId));
  const up = await Promise.all(
    ids.map(async (id): Promise<Target> => {
      const kind: ServerKind = id === "embedded" ? "marginalia" : id;
      const server = await startServer(kind, envOf[id], { profile, compiled });
      const owner = kind === "marginalia" ? await signUp(server.url, "bench-owner") : { token: "bench", userId: crypto.randomUUID() };
      return { id, server, owner };
    }),
  );
  targets.push(...up);
  log("servers up:", targets.map((t) => `${t.id} ${t.server.url}`).join(", "));

  /**
   * Waits, up to 30 s, until no other server is still busy (more than a tenth of a core): a peer left
   * working through the backlog of an overloaded step (the relay and Hocuspocus at 500 writes/s) took
   * the cores from the next server's run.
   */
  const othersIdle = async (t: Target) => {
    const others = targets.filter((o) => o !== t);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const before = await Promise.all(others.map((o) => o.server.child.stats()));
      await sleep(500);
      const after = await Promise.all(others.map((o) => o.server.child.stats()));
      const busiest = Math.max(0, ...after.map((a, i) => (a.cpu.user + a.cpu.system - before[i]!.cpu.user - before[i]!.cpu.system) / 500_000));
      if (busiest < 0.1) return;
    }
    log(`  (another server was still busy after 30 s; ${t.id} runs anyway)`);
  };

  const ctx: Ctx = {
    settings,
    targets: targets.filter((t) => chosen(t.id)),
    primary: targets.find((t) => t.id === primaryId)!,
    report,
    log,
    load: async (t, room, opts) => {
      await othersIdle(t);
      return runLoad(t.server, room.ep, t.owner.userId, { parts: settings.generatorProcesses, identities: room.identities, rooms: room.rooms, ...opts });
    },
    startFresh: (kind: ServerKind): Promise<Server> => startServer(kind, envOf[kind === "marginalia" ? primaryId : kind], { profile, compiled }),
    databaseUrl: db.url,
  };

  // A scenario that fails is reported as failed, and the others' figures are still written: a long run
  // is not thrown away for one of its parts.
  const failed: string[] = [];
  const scenario = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      failed.push(`${name}: ${(err as Error).message}`);
      log(`${name} failed:`, err);
    }
  };
  if (wants("fanout")) await scenario("fan-out", () => fanout(ctx));
  if (wants("ramp")) await scenario("ramp", () => ramp(ctx));
  if (wants("rooms")) await scenario("many rooms", () => manyRooms(ctx));
  if (wants("soak")) await scenario("soak", () => soak(ctx));
  if (wants("durable")) await scenario("durable lag", () => durableAlone(ctx));
  if (wants("cold") || wants("rest")) await scenario("cold load and REST", () => coldAndRest(ctx, wants));
  if (wants("memory")) await scenario("memory", () => memoryPerDocument(ctx));
  if (wants("generators") && settings.generatorsExperiment) await scenario("generator split", () => generatorSplit(ctx));

  report.elapsedSeconds = (Date.now() - started) / 1000;
  report.machine.loadEnd = os.loadavg();
  const path = outPath(args, "latest.md");
  writeFileSync(path, writeReport(report));
  if (failed.length) appendFileSync(path, `\n## Scenarios that failed in this run\n\n${failed.map((f) => `- ${f}`).join("\n")}\n`);
  // Last, with the load servers stopped: the reader's figures are the browser's, and want the cores.
  if (wants("reader")) {
    await Promise.all(targets.map((t) => t.server.child.stop().catch(() => {})));
    await readerInChromium(path, db.url, settings.quick, compiled, log);
  }
  log(`wrote ${path.pathname} in ${report.elapsedSeconds.toFixed(0)} s`);
} finally {
  await Promise.all(targets.map((t) => t.server.child.stop().catch(() => {})));
  await db.drop();
}
process.exit(0);
