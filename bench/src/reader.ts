// The reader at scale, in Chromium: how long from navigation until every highlight of an article is
// painted, with few and with many annotations, and how long a remote annotation takes to be painted.
// Writes bench/results/reader.md.
//
//   BENCH_DATABASE_URL=postgres://… pnpm bench:reader      (without it: the embedded database)
//   RUNS (7; one more is a discarded warm-up)  REMOTE (10 per run)  SIZES (50,5000)  TRACE (1: one traced load per size)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { buildServer } from "../../apps/server/scripts/build.ts";
import { COMPILED_SERVER, startServerProcess } from "../../apps/server/test/support/process.ts";
import { ensureWebBuild } from "../../apps/web/scripts/ensure-build.ts";
import { SEED } from "./harness.ts";
import { summarize } from "./lib/stats.ts";
import { type LoadRun, type RemoteRun, type Traced, writeReport } from "./reader/report.ts";
import { freshPage, openAndWait, remoteOnce, seedArticles } from "./reader/session.ts";
import { summarizeTrace } from "./reader/trace.ts";

const runs = Number(process.env.RUNS ?? 7);
const remotePerRun = Number(process.env.REMOTE ?? 10);
const sizes = (process.env.SIZES ?? "50,5000").split(",").map(Number);
const traced = process.env.TRACE !== "0";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Where the reader's server drops the mail it sends (sign-up confirmations), as the harness's does. */
const MAIL_DIR = mkdtempSync(path.join(tmpdir(), "marginalia-reader-mail-"));
const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "v8.execute", "disabled-by-default-v8.cpu_profiler"];

/**
 * The server in its own process, compiled, as `pnpm start` runs it, so that its work is not the bench's. The
 * browser's Origin must be PUBLIC_ORIGIN, and the port is only free to choose before the start.
 */
async function startServer(databaseUrl: string | undefined) {
  const probe = createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)));
  await new Promise((r) => probe.close(r));
  const dataDir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), "marginalia-reader-bench-"));
  const child = await startServerProcess(
    { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir! }), PORT: String(port), PUBLIC_ORIGIN: `http://127.0.0.1:${port}`, SEED_DEMO: "false", MAIL_URL: `file:${MAIL_DIR}` },
    { timeoutMs: 60_000, args: COMPILED_SERVER },
  );
  return {
    url: child.url,
    kind: databaseUrl ? "Postgres" : "embedded (PGlite)",
    async stop() {
      await child.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => import("node:os").then((os) => os.loadavg().map((x) => x.toFixed(1)).join(" / "));

ensureWebBuild();
// The server as `pnpm start` runs it, compiled; `pnpm bench` has compiled it already (BENCH_COMPILED).
if (process.env.BENCH_COMPILED !== "1") await buildServer();
const startedAt = new Date();
const loadBefore = await load();
const server = await startServer(process.env.BENCH_DATABASE_URL);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const { seeded, cookies } = await seedArticles(browser, server.url, SEED, sizes, MAIL_DIR);

const loads: LoadRun[] = [];
const remotes: RemoteRun[] = [];
// Sizes alternate within a round, so that neither gets the quieter machine; round 0 warms up.
for (let round = 0; round <= runs; round++) {
  for (const doc of seeded) {
    const { context, page, errors } = await freshPage(browser, cookies, doc.size);
    const state = await openAndWait(page, server.url, doc.articleId);
    const biggest = state.messages.reduce((a, m) => (m.bytes > a.bytes ? m : a), { at: NaN, bytes: 0 });
    if (round > 0) loads.push({ size: doc.size, paintedMs: state.paintedAt!, articleMs: state.articleAt ?? NaN, syncMs: biggest.at });
    console.log(`round ${round} ${doc.size}: painted ${state.paintedAt!.toFixed(0)} ms (text ${state.articleAt?.toFixed(0)} ms, sync data ${biggest.at.toFixed(0)} ms)`);
    await sleep(300);
    const made: string[] = [];
    for (let k = 0; k < remotePerRun && round > 0; k++) {
      const one = await remoteOnce(page, doc, `remote-probe-${round}-${k}-${crypto.randomUUID().slice(0, 6)}`);
      if (one.id) made.push(one.id);
      remotes.push({ size: doc.size, sendToPaint: one.sendToPaint, arriveToPaint: one.arriveToPaint });
      await sleep(100);
    }
    if (made.length) console.log(`  remote send → paint: ${remotes.slice(-made.length).map((r) => r.sendToPaint).join(", ")} ms`);
    // The next run opens the article as seeded.
    await doc.writer.remove(made);
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    await context.close();
  }
}

/** One more load per size (and one remote annotation), traced: not counted above, tracing slows the page. */
const traces: Traced[] = [];
const traceDir = mkdtempSync(path.join(tmpdir(), "marginalia-reader-traces-"));
/** The raw traces stay for a closer look (chrome://tracing or DevTools' Performance panel load them). */
const keep = (name: string, json: string) => writeFileSync(path.join(traceDir, `${name}.json`), json);
for (const doc of traced ? seeded : []) {
  const { context, page } = await freshPage(browser, cookies, doc.size);
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  const state = await openAndWait(page, server.url, doc.articleId);
  const loadTrace = (await browser.stopTracing()).toString();
  keep(`load-${doc.size}`, loadTrace);
  await sleep(300);
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  const one = await remoteOnce(page, doc, `remote-probe-traced-${crypto.randomUUID().slice(0, 6)}`);
  const remoteTrace = (await browser.stopTracing()).toString();
  keep(`remote-${doc.size}`, remoteTrace);
  if (one.id) await doc.writer.remove([one.id]);
  traces.push({
    size: doc.size,
    paintedMs: state.paintedAt!,
    load: await summarizeTrace(loadTrace, state.paintedAt!),
    remoteMs: one.sendToPaint,
    remote: await summarizeTrace(remoteTrace, Number.POSITIVE_INFINITY),
  });
  await context.close();
}

if (traced) console.log(`raw traces in ${traceDir}`);
for (const doc of seeded) doc.writer.close();
await browser.close();
await server.stop();

const summaries = sizes.map((size) => ({
  size,
  painted: summarize(loads.filter((l) => l.size === size).map((l) => l.paintedMs)),
  article: summarize(loads.filter((l) => l.size === size).map((l) => l.articleMs)),
  sync: summarize(loads.filter((l) => l.size === size).map((l) => l.syncMs)),
  sendToPaint: summarize(remotes.filter((r) => r.size === size).map((r) => r.sendToPaint)),
  arriveToPaint: summarize(remotes.filter((r) => r.size === size).map((r) => r.arriveToPaint)),
}));
writeReport({ startedAt, loadBefore, loadAfter: await load(), database: server.kind, runs, remotePerRun, summaries, traces });
process.exit(0);
