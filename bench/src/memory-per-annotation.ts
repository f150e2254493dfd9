// `pnpm bench:memory`: what a loaded document costs a Marginalia process per annotation, and whether
// anything grows while the document does not. Writes bench/results/memory.md's figures to stdout.
//
// 1. For each size N: a fresh article's group document gets N annotations (200-character bodies) in one
//    server-side change, is unloaded and folded, then opened by one socket, as a reader opens it. Heap
//    used, external memory and RSS after GC are read before and after, and after it unloads again.
// 2. A write loop at a steady annotation count: WRITERS clients edit existing annotations' bodies
//    (10 characters replaced) at RATE edits/s in total, READERS raw sockets receive the fan-out. Memory
//    and the document's own size are sampled every SAMPLE_S seconds.
//
//   BENCH_DATABASE_URL=postgres://… pnpm bench:memory [--sizes=1000,10000,30000] [--loop-annotations=10000]
//                                                   [--loop-seconds=120] [--rate=100] [--quick]
//   without BENCH_DATABASE_URL the server runs on its embedded database
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import { seedArticle, signUp } from "./harness.ts";
import type { HubHoldings } from "./lib/inspect-hub.ts";
import type { ServerStats } from "./lib/ipc.ts";
import { type Probe, type Server, openProbe, sleep, startServer, waitUnloaded } from "./lib/load.ts";
import { step1Message } from "./lib/protocol.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const quick = args.includes("--quick");
const SIZES = arg("sizes", quick ? "1000,10000" : "1000,10000,30000").split(",").map(Number);
const LOOP_ANNOTATIONS = Number(arg("loop-annotations", quick ? "2000" : "10000"));
const LOOP_SECONDS = Number(arg("loop-seconds", quick ? "30" : "120"));
const RATE = Number(arg("rate", "100"));
const WRITERS = 2;
const READERS = 20;
const SAMPLE_S = quick ? 5 : 10;
const MiB = 1024 * 1024;

const server = await startServer("marginalia", {
  BENCH_IDLE_UNLOAD_MS: "1000",
  ...(process.env.BENCH_DATABASE_URL ? { BENCH_DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
});
const owner = await signUp(server.url, "memory");
const stats = () => server.child.request<ServerStats>("stats", { gc: true });
const inspect = () => server.child.request<HubHoldings>("inspect");
const mb = (bytes: number) => (bytes / MiB).toFixed(1);

/** A fresh document of `n` annotations, stored as one folded snapshot and not loaded. */
async function storedDocument(n: number) {
  const { articleId, groupId, room } = await seedArticle(server.url, owner.token);
  const context = { docName: room, articleId, groupId, visibility: "group", revision: 1 };
  await server.child.request("seedDocument", { context, annotations: n, authorId: owner.userId, bodyChars: 200 });
  await waitUnloaded(server);
  await server.child.request("compact", { docName: room });
  return room;
}

/** One socket that joins as a reader does, and reads nothing it is sent. */
async function reader(server: Server, room: string): Promise<Probe> {
  const probe = await openProbe({ kind: "marginalia", origin: server.origin, docName: room, token: owner.token });
  const synced = probe.next("step2");
  probe.socket.send(step1Message("marginalia", room));
  await synced;
  return probe;
}

/** A full client, holding the document, that writes. */
async function writer(room: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${server.origin}/sync`, room, doc, {
    WebSocketPolyfill: WebSocket as never,
    params: { token: owner.token },
    // Writers in one process would otherwise also hear each other over a BroadcastChannel, before the
    // server has what they heard, and the server would hold their edits waiting for it.
    disableBc: true,
  });
  await new Promise<void>((resolve) => provider.once("sync", () => resolve()));
  return { doc, provider };
}

// ------------------------------------------------------------ per annotation
const table: string[] = [];
await reader(server, await storedDocument(10)).then(async (p) => (p.socket.close(), await waitUnloaded(server)));
for (const n of SIZES) {
  const room = await storedDocument(n);
  const before = await stats();
  const probe = await reader(server, room);
  await sleep(500); // the connection's own sync step 1 builds the document a moment after answering
  const loaded = await stats();
  const holdings = await inspect();
  const doc = holdings.documents.find((d) => d.name === room)!;
  probe.socket.close();
  await waitUnloaded(server);
  const after = await stats();
  const d = (k: "heapUsed" | "external" | "rss") => loaded.memory[k] - before.memory[k];
  table.push(
    `| ${n.toLocaleString("en")} | ${mb(doc.stateBytes)} | ${doc.structs.toLocaleString("en")} | ${mb(d("heapUsed"))} | ${(d("heapUsed") / n).toFixed(0)} | ${mb(d("external"))} | ${mb(d("rss"))} | ${(d("rss") / n).toFixed(0)} | ${mb(after.memory.heapUsed - before.memory.heapUsed)} |`,
  );
  console.error(`[memory] ${n} annotations: ${table.at(-1)} (still cold: ${mb(doc.coldBytes)} MiB; sockets ${holdings.sockets}; claims ${doc.clientIdClaims}; members ${doc.members})`);
}
console.log("| annotations | state MiB | structs | heap used MiB | heap B/annotation | external MiB | RSS MiB | RSS B/annotation | heap left after unload MiB |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const row of table) console.log(row);

// ------------------------------------------------------------ steady write loop
const room = await storedDocument(LOOP_ANNOTATIONS);
const readers = await Promise.all(Array.from({ length: READERS }, () => reader(server, room)));
const writers = await Promise.all(Array.from({ length: WRITERS }, () => writer(room)));
const ids = [...annotationsOf(writers[0]!.doc).keys()];
let edits = 0;
const editTimer = setInterval(() => {
  for (let i = 0; i < RATE / 20; i++) {
    const w = writers[edits % WRITERS]!;
    const body = annotationsOf(w.doc).get(ids[Math.floor(Math.random() * ids.length)]!)?.get("body") as Y.Text | undefined;
    if (!body) continue;
    w.doc.transact(() => {
      body.delete(20, 10);
      body.insert(20, String(edits % 1e10).padStart(10, "0"));
    });
    edits++;
  }
}, 50);
console.log(`\nwrite loop: ${LOOP_ANNOTATIONS} annotations, ${WRITERS} writers, ${READERS} readers, ${RATE} edits/s, ${LOOP_SECONDS} s`);
console.log("| s | edits | heap used MiB | external MiB | RSS MiB | state MiB | structs | client-id claims | awareness meta | held updates | commit queue |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const started = Date.now();
for (let t = 0; t <= LOOP_SECONDS; t += SAMPLE_S) {
  await sleep(Math.max(0, started + t * 1000 - Date.now()));
  const s = await stats();
  const h = await inspect();
  const doc = h.documents.find((d) => d.name === room)!;
  console.log(
    `| ${t} | ${edits} | ${mb(s.memory.heapUsed)} | ${mb(s.memory.external)} | ${mb(s.memory.rss)} | ${mb(doc.stateBytes)} | ${doc.structs} | ${doc.clientIdClaims} | ${doc.awarenessMeta} | ${h.heldUpdates} | ${h.commitQueue} |`,
  );
}
clearInterval(editTimer);
for (const w of writers) w.provider.destroy();
for (const r of readers) r.socket.close();
await waitUnloaded(server);
const end = await stats();
const h = await inspect();
console.log(`\nafter the loop, every socket closed and the document unloaded: heap used ${mb(end.memory.heapUsed)} MiB, external ${mb(end.memory.external)} MiB, RSS ${mb(end.memory.rss)} MiB; per-user counters ${h.perUser}, log-row counters ${h.logRowCounters}, recent access events ${h.recentAccess}`);
await server.child.request("stop");
process.exit(0);
