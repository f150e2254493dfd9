// One hop between server processes: a write accepted by process A, timed to its arrival at
// lightweight receivers on process B (through the commit, Redis and B's fan-out), against the same
// write with the receivers on A itself. Both processes are real `main.ts` processes sharing one
// Postgres and a redis-server started here.
//
//   BENCH_DATABASE_URL=postgres://… pnpm --filter @marginalia/bench relay-hop
//   RATE (writes/s, 50)  COUNT (timed writes per run, 500)  RECEIVERS (20)  ROUNDS (2)
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { MESSAGE_ACK, createAnnotation, readAnnotations } from "@marginalia/schema";
import { MAIL_DIR, percentile, seedArticle, signUp } from "./harness.ts";
import { step1Message, updateMessage } from "./lib/protocol.ts";

const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl) throw new Error("BENCH_DATABASE_URL must name a Postgres database: two processes cannot share PGlite");
const rate = Number(process.env.RATE ?? 50);
const count = Number(process.env.COUNT ?? 500);
const receiverCount = Number(process.env.RECEIVERS ?? 20);
const rounds = Number(process.env.ROUNDS ?? 2);
const WARMUP = 50;
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const children: ChildProcess[] = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

// A fixed-width send time in the annotation body, found by receivers without decoding the update.
const MARK = "@T";
const stamp = () => `${MARK}${String(Math.round(performance.now() * 1000)).padStart(15, "0")}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a child and resolves once everything in `ready` has appeared in its output. */
function start(command: string, args: string[], env: Record<string, string>, ready: RegExp[]): Promise<string> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.every((r) => r.test(output))) resolve(output);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
}

async function startServer(redisUrl: string): Promise<string> {
  const env = { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl, LOG_LEVEL: "info", SEED_DEMO: "false", MAIL_URL: `file:${MAIL_DIR}` };
  const output = await start(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], env, [
    /"msg":"listening"/,
    /"role":"subscriber"[^\n]*"msg":"redis connected"/,
  ]);
  return `http://127.0.0.1:${output.match(/"port":(\d+)/)![1]}`;
}

function socket(url: string, room: string, token: string, query = ""): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/sync/${room}?token=${token}${query}`);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** A receiver that only scans each message for send times: about 15 µs a delivery, no Y.Doc. */
function receive(ws: WebSocket, latencies: number[]) {
  ws.on("message", (data: Buffer) => {
    const now = performance.now() * 1000;
    for (let at = data.indexOf(MARK); at !== -1; at = data.indexOf(MARK, at + 17)) {
      const sent = Number(data.toString("latin1", at + 2, at + 17));
      if (sent > 0) latencies.push((now - sent) / 1000);
    }
  });
}

/** Everything the receiving process holds of the room, as a full client would get it on joining. */
async function annotationsOn(url: string, room: string, token: string): Promise<number> {
  const ws = await socket(url, room, token);
  const doc = new Y.Doc();
  const synced = new Promise<void>((resolve) => {
    ws.on("message", (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 1) return;
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
      resolve();
    });
  });
  ws.send(step1Message("marginalia", ""));
  await synced;
  ws.close();
  return readAnnotations(doc).length;
}

async function run(label: string, writerUrl: string, receiverUrl: string, token: string, userId: string) {
  const { room } = await seedArticle(writerUrl, token);
  const latencies: number[] = [];
  const receivers = await Promise.all(Array.from({ length: receiverCount }, () => socket(receiverUrl, room, token)));
  receivers.forEach((ws) => receive(ws, latencies));
  // The writer asks for durability acks: a hop between processes waits for the commit (see relay.ts).
  const writer = await socket(writerUrl, room, token, "&acks=1");
  const sentAt: number[] = [];
  const ackLatencies: number[] = [];
  writer.on("message", (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(decoder) !== MESSAGE_ACK) return;
    const now = performance.now();
    const acked = Math.min(decoding.readVarUint(decoder), sentAt.length);
    while (ackLatencies.length < acked) ackLatencies.push(now - sentAt[ackLatencies.length]!);
  });
  const doc = new Y.Doc();
  doc.on("update", (update: Uint8Array) => {
    sentAt.push(performance.now());
    writer.send(updateMessage("marginalia", "", update));
  });
  await new Promise((r) => setTimeout(r, 300)); // every receiver joined and subscribed

  let behindMs = 0;
  const write = (timed: boolean) =>
    createAnnotation(doc, { kind: "comment", authorId: userId, body: timed ? stamp() : "warm-up" });
  for (let i = 0; i < WARMUP; i++) write(false);
  await new Promise((r) => setTimeout(r, 500));
  latencies.length = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else behindMs = Math.max(behindMs, -wait);
    write(true);
  }
  // Every write committed (and so published), then a moment for the last deliveries.
  for (const until = performance.now() + 30_000; ackLatencies.length < sentAt.length && performance.now() < until; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  const seen = await annotationsOn(receiverUrl, room, token);
  [writer, ...receivers].forEach((ws) => ws.close());
  latencies.sort((a, b) => a - b);
  const acks = ackLatencies.slice(WARMUP).sort((a, b) => a - b);
  return {
    run: label,
    rate,
    writes: count,
    receivers: receiverCount,
    deliveries: `${latencies.length}/${count * receiverCount}`,
    p50: +percentile(latencies, 50).toFixed(2),
    p95: +percentile(latencies, 95).toFixed(2),
    p99: +percentile(latencies, 99).toFixed(2),
    max: +(latencies.at(-1) ?? NaN).toFixed(2),
    commitAckP50: +percentile(acks, 50).toFixed(2),
    commitAckP99: +percentile(acks, 99).toFixed(2),
    generatorBehindMs: +behindMs.toFixed(1),
    annotationsOnReceivingProcess: `${seen}/${WARMUP + count}`,
  };
}

const redisPort = await freePort();
await start("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, [
  /Ready to accept connections/,
]);
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const [a, b] = await Promise.all([startServer(redisUrl), startServer(redisUrl)]);
const { token, userId } = await signUp(a, "hop");
const results = [];
// Alternated, so that neither layout gets the warmer machine.
for (let round = 0; round < rounds; round++) {
  results.push(await run("one process", a, a, token, userId));
  results.push(await run("two processes", a, b, token, userId));
}
for (const result of results) console.log(JSON.stringify(result));
process.exit(0);
