// Durable-ack latency: one writer sends annotations at a fixed, open-loop rate
// and times each from send to the server's durability ack (docs/sync.md, "Acknowledgements").
import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { MESSAGE_ACK, createAnnotation } from "@marginalia/schema";
import { percentile, seedArticle, signUp, startMarginalia } from "./harness.ts";
import { updateMessage } from "./lib/protocol.ts";

const databaseUrl = process.env.BENCH_DATABASE_URL;
const rate = Number(process.env.RATE ?? 100);
const count = Number(process.env.COUNT ?? 1000);

const server = await startMarginalia(databaseUrl);
const { token, userId } = await signUp(server.url, "writer");
const { room } = await seedArticle(server.url, token);
const ws = new WebSocket(`${server.url.replace("http", "ws")}/sync/${room}?token=${token}&acks=1`);
await new Promise((r) => ws.once("open", r));

const sentAt: number[] = [];
const latencies: number[] = [];
let acked = 0;
let done: () => void;
const finished = new Promise<void>((r) => (done = r));
ws.on("message", (data: Buffer) => {
  const decoder = decoding.createDecoder(new Uint8Array(data));
  if (decoding.readVarUint(decoder) !== MESSAGE_ACK) return;
  const n = decoding.readVarUint(decoder);
  const now = performance.now();
  for (; acked < n; acked++) if (sentAt[acked] !== undefined) latencies.push(now - sentAt[acked]!);
  if (acked >= count) done();
});

const doc = new Y.Doc();
doc.on("update", (update: Uint8Array) => {
  sentAt.push(performance.now());
  ws.send(updateMessage("marginalia", "", update));
});

const t0 = performance.now();
let behindMs = 0;
for (let i = 0; i < count; i++) {
  const due = t0 + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  else behindMs = Math.max(behindMs, -wait);
  createAnnotation(doc, { kind: "comment", authorId: userId, body: `ack bench ${i}` });
}
await finished;
latencies.sort((a, b) => a - b);
const result = {
  database: server.kind,
  rate,
  count,
  p50: +percentile(latencies, 50).toFixed(2),
  p95: +percentile(latencies, 95).toFixed(2),
  p99: +percentile(latencies, 99).toFixed(2),
  max: +latencies.at(-1)!.toFixed(2),
  generatorBehindMs: +behindMs.toFixed(1),
};
console.log(JSON.stringify(result));
ws.close();
await server.stop();
process.exit(0);
