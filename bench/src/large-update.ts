// One large update against the rest of the server: a writer sends a frame of
// new annotations close to the socket's limit into one document while another
// document's writer goes on at 50 writes a second. Reports how long the
// server's event loop went without a turn, and the other document's fan-out
// latency, while the large one was taken (docs/sync.md, "Large updates").
//
// The server runs in this process, its clients in a child process of their
// own (bare websockets that never decode Yjs), so that the loop measured is
// the server's alone. Env: BENCH_DATABASE_URL (else the embedded database),
// ANNOTATIONS (1,400: about 900 KB), ROUNDS (5), SHAPE (`new`, the default;
// or `edits`: the writer makes ANNOTATIONS first, then each round's update
// edits every one of their bodies, as a find-and-replace over a whole
// document would).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { percentile, seedArticle, signUp, startMarginalia } from "./harness.ts";
import { longestTurn } from "./lib/loop-delay.ts";
import { updateMessage } from "./lib/protocol.ts";

const annotations = Number(process.env.ANNOTATIONS ?? 1_400);
const rounds = Number(process.env.ROUNDS ?? 5);
const shape = process.env.SHAPE === "edits" ? "edits" : "new";
const watchers = 10;

type Setup = { url: string; token: string; userId: string; largeRoom: string; otherRoom: string };
type Measured = { bytes: number; otherP99: number; otherMax: number };

if (process.argv[2] === "clients") await runClients(JSON.parse(process.env.LARGE_UPDATE_SETUP!) as Setup);
else await runServer();

async function runServer() {
  const server = await startMarginalia(process.env.BENCH_DATABASE_URL || undefined);
  const owner = await signUp(server.url, "owner");
  const large = await seedArticle(server.url, owner.token);
  const other = await seedArticle(server.url, owner.token, large.groupId);
  const setup: Setup = { url: server.url, token: owner.token, userId: owner.userId, largeRoom: large.room, otherRoom: other.room };
  const clients = fork(fileURLToPath(import.meta.url), ["clients"], { env: { ...process.env, LARGE_UPDATE_SETUP: JSON.stringify(setup) }, execArgv: ["--import", "tsx"] });
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve) => {
      clients.once("message", (reply) => resolve(reply as T));
      clients.send(message as never);
    });
  await ask("ready");
  const rows: Array<Measured & { round: number; longestTurnMs: number }> = [];
  for (let round = 0; round < rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    let measured: Measured | null = null;
    const longest = await longestTurn(async () => {
      // The clients send, wait for the server to settle, and report what the other document's watchers saw.
      measured = await ask<Measured>({ round });
    });
    rows.push({ round, ...measured!, longestTurnMs: +longest.toFixed(1) });
  }
  clients.kill();
  console.log(JSON.stringify({ database: server.kind, shape, annotations, rounds: rows }));
  await server.stop();
  process.exit(0);
}

async function runClients(setup: Setup) {
  const open = async (room: string, onMessage?: (data: Buffer) => void): Promise<WebSocket> => {
    const ws = new WebSocket(`${setup.url.replace("http", "ws")}/sync/${room}?token=${setup.token}`);
    if (onMessage) ws.on("message", onMessage);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return ws;
  };
  // The other document: each write carries a marker its watchers look for in what they receive.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const onOther = (data: Buffer) => {
    for (const match of data.toString("latin1").matchAll(/small-(\d+)-x/g)) {
      const at = sentAt.get(match[0]);
      if (at !== undefined) latencies.push(performance.now() - at);
    }
  };
  const otherWriter = await open(setup.otherRoom);
  for (let i = 0; i < watchers; i++) await open(setup.otherRoom, onOther);
  const largeWriter = await open(setup.largeRoom);
  for (let i = 0; i < watchers; i++) await open(setup.largeRoom, () => {});
  const otherDoc = new Y.Doc();
  otherDoc.on("update", (update: Uint8Array) => otherWriter.send(updateMessage("marginalia", "", update)));
  let written = 0;
  setInterval(() => {
    const marker = `small-${written++}-x`;
    sentAt.set(marker, performance.now());
    createAnnotation(otherDoc, { kind: "comment", authorId: setup.userId, body: marker });
  }, 20);

  // Written before any round, so that the measured windows hold none of this process's work but its sockets'.
  const body = "lorem ipsum dolor sit amet ".repeat(8).slice(0, 200);
  const messages = shape === "edits" ? await editRounds(largeWriter, setup.userId, body) : Array.from({ length: rounds }, (_, round) => {
    const client = new Y.Doc();
    client.transact(() => {
      for (let i = 0; i < annotations; i++) createAnnotation(client, { kind: "comment", authorId: setup.userId, body: `${round}-${i} ${body}`, tags: ["bench"] });
    });
    return updateMessage("marginalia", "", Y.encodeStateAsUpdate(client));
  });
  process.on("message", async (request: "ready" | { round: number }) => {
    if (request === "ready") return process.send!("ready");
    const message = messages[request.round]!;
    latencies.length = 0;
    largeWriter.send(message);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const sorted = [...latencies].sort((a, b) => a - b);
    process.send!({ bytes: message.byteLength, otherP99: +percentile(sorted, 99).toFixed(1), otherMax: +(sorted.at(-1) ?? Number.NaN).toFixed(1) } satisfies Measured);
  });
}

/** Sends the annotations the edit rounds work on (in pieces under the frame limit), and returns each round's edit of every body. */
async function editRounds(writer: WebSocket, userId: string, body: string): Promise<Uint8Array[]> {
  const client = new Y.Doc();
  const sent: Uint8Array[] = [];
  client.on("update", (update: Uint8Array) => sent.push(updateMessage("marginalia", "", update)));
  for (let i = 0; i < annotations; i += 500) {
    client.transact(() => {
      for (let j = i; j < Math.min(annotations, i + 500); j++) createAnnotation(client, { kind: "comment", authorId: userId, body: `${j} ${body}`, tags: ["bench"] });
    });
  }
  for (const message of sent.splice(0)) writer.send(message);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  for (let round = 0; round < rounds; round++) {
    client.transact(() => {
      for (const [, map] of annotationsOf(client)) (map.get("body") as Y.Text).insert(0, `edit ${round} `);
    });
  }
  return sent;
}
