// The server under tsx (`pnpm start`) against the compiled one (`pnpm build:server`, `node
// apps/server/dist/main.js`): time from spawn to the first 200 of /readyz, and resident memory idle
// and after a small load (CLIENTS sockets on one article, each writing WRITES annotations and waiting
// for their durability acks). Variants alternate, ROUNDS times, so that neither gets the warmer machine.
//
//   pnpm build:server && BENCH_DATABASE_URL=postgres://… pnpm bench:startup
//   without BENCH_DATABASE_URL each server runs on its own embedded database (whose memory it then counts)
//   CLIENTS (50)  WRITES (5 per client)  ROUNDS (3)
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { MESSAGE_ACK, createAnnotation } from "@marginalia/schema";
import { MAIL_DIR, addMember, percentile, seedArticle, signUp } from "./harness.ts";
import { SYNC_STEP2, step1Message, updateMessage } from "./lib/protocol.ts";

const databaseUrl = process.env.BENCH_DATABASE_URL;
const clients = Number(process.env.CLIENTS ?? 50);
const writes = Number(process.env.WRITES ?? 5);
const rounds = Number(process.env.ROUNDS ?? 3);
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Below the server's per-user cap on sockets (32), so the load is spread over several members. */
const SOCKETS_PER_USER = 25;
const VARIANTS: Record<string, string[]> = {
  tsx: ["--import", "tsx", "apps/server/src/main.ts"],
  compiled: ["apps/server/dist/main.js"],
  "compiled, source maps": ["--enable-source-maps", "apps/server/dist/main.js"],
};
if (!existsSync(path.join(REPO_ROOT, "apps/server/dist/main.js"))) throw new Error("run `pnpm build:server` first");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children = new Set<ChildProcess>();
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Resident and peak resident memory of a process, in MiB (Linux). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rss: +(kib("VmRSS") / 1024).toFixed(1), peak: +(kib("VmHWM") / 1024).toFixed(1) };
}

async function start(args: string[], port: number) {
  const dataDir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), "marginalia-startup-"));
  const env = {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    SEED_DEMO: "false",
    // Accounts confirm their address from the mail the server leaves here (harness.ts, signUp).
    MAIL_URL: `file:${MAIL_DIR}`,
    PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir! }),
  };
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(10);
  }
  const startMs = Math.round(performance.now() - started);
  const stop = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    children.delete(child);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, pid: child.pid!, startMs, stop };
}

/** A raw sync socket that applies the server's sync step 2, writes `count` annotations and resolves once all are acked. */
async function writer(url: string, room: string, token: string, userId: string, count: number): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/sync/${room}?token=${token}&acks=1`);
  const doc = new Y.Doc();
  let acked = 0;
  let synced!: () => void;
  let done!: () => void;
  const isSynced = new Promise<void>((r) => (synced = r));
  const allAcked = new Promise<void>((r) => (done = r));
  ws.on("message", (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_ACK) {
      acked = decoding.readVarUint(decoder);
      if (acked >= count) done();
    } else if (type === 0 && decoding.readVarUint(decoder) === SYNC_STEP2) {
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
      synced();
    }
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(step1Message("marginalia", ""));
  await isSynced;
  doc.on("update", (update: Uint8Array) => ws.send(updateMessage("marginalia", "", update)));
  for (let i = 0; i < count; i++) {
    createAnnotation(doc, { kind: "comment", authorId: userId, body: `load ${i}` });
    await sleep(20);
  }
  await allAcked;
  return ws;
}

/** CLIENTS sockets of a few members on one article, all writing at once. */
async function load(url: string) {
  const owner = await signUp(url, "owner");
  const { groupId, room } = await seedArticle(url, owner.token);
  const users = [owner];
  while (users.length * SOCKETS_PER_USER < clients) {
    users.push(await addMember(url, owner.token, groupId, `member${users.length}`));
  }
  const sockets = await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const user = users[Math.floor(i / SOCKETS_PER_USER)]!;
      return writer(url, room, user.token, user.userId, writes);
    }),
  );
  return () => sockets.forEach((ws) => ws.close());
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const results: Array<Record<string, unknown>> = [];
for (let round = 0; round < rounds; round++) {
  for (const [variant, args] of Object.entries(VARIANTS)) {
    const server = await start(args, await freePort());
    await sleep(2_000);
    const idle = memory(server.pid);
    const loadStarted = performance.now();
    const closeSockets = await load(server.url);
    const loadMs = Math.round(performance.now() - loadStarted);
    await sleep(2_000);
    const loaded = memory(server.pid);
    closeSockets();
    await server.stop();
    results.push({ round, variant, startMs: server.startMs, idleRssMiB: idle.rss, loadedRssMiB: loaded.rss, peakRssMiB: loaded.peak, loadMs });
    console.log(JSON.stringify(results.at(-1)));
  }
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
console.log(`\n${databaseUrl ? "Postgres" : "embedded database"}; ${clients} clients × ${writes} writes; median of ${rounds}`);
console.log("| variant | start → /readyz 200 (ms) | RSS idle (MiB) | RSS after load (MiB) | peak RSS (MiB) |");
console.log("|---|---|---|---|---|");
for (const variant of Object.keys(VARIANTS)) {
  const of = (key: string) => median(results.filter((r) => r.variant === variant).map((r) => r[key] as number));
  console.log(`| ${variant} | ${of("startMs")} | ${of("idleRssMiB")} | ${of("loadedRssMiB")} | ${of("peakRssMiB")} |`);
}
process.exit(0);
