import WebSocket from "ws";
import { SYNC_CLOSE_CODES, createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES, MAX_STEP2_BYTES } from "../src/sync/socket/frame-limit.ts";
import { articleWithMembers } from "./support/article.ts";
import { socketAuth, tokenQuery } from "./support/socket-auth.ts";
import { liveServer } from "./support/live.ts";
import { type SyncClient, eventually } from "./support/sync-client.ts";

const live = liveServer();
const open = (room: string, token: string, options?: { reconnect?: boolean }) => live.open(room, token, options);

/** A raw socket that resolves `stepOne` once the server's sync step 1 has arrived. */
function rawSocket(room: string, token: string) {
  const auth = socketAuth(token);
  const ws = new WebSocket(`${live.url.replace("http", "ws")}/sync/${room}?${tokenQuery(token)}`, { headers: auth.headers });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  const stepOne = new Promise<void>((resolve) =>
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0 && data[1] === 0) resolve();
    }),
  );
  return { ws, closed, stepOne };
}

/**
 * Writes the header of a binary frame of `bytes` to a client socket, and a little of its payload, and no
 * more: the server has read the frame's length and waits for the rest. Masked, as every client frame is.
 */
function beginFrame(ws: WebSocket, bytes: number) {
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN, binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(bytes), 2);
  // Mask key 0 (bytes 10-13): the payload goes as it is.
  (ws as unknown as { _socket: import("node:net").Socket })._socket.write(Buffer.concat([header, Buffer.from([0, 1, 0, 0])]));
}

/** A sync step 2 message of `bytes` bytes; its content is never read, since the frame is refused or taken first. */
const step2Of = (bytes: number) => {
  const message = new Uint8Array(bytes);
  message[1] = 1;
  return message;
};

/** Comments whose bodies add up to well over a megabyte, made while the provider is offline. */
function offlineWork(client: SyncClient, authorId: string, count: number) {
  for (let i = 0; i < count; i++) createAnnotation(client.doc, { kind: "comment", authorId, body: `${i} ${"offline ".repeat(1_200)}` });
}

describe("a client's offline work over 1 MiB", () => {
  it("arrives whole as its answer to the server's step 1, where it was closed on every reconnect", async () => {
    const { owner, article, members } = await articleWithMembers(live.t.app, ["viewer"]);
    const watcher = open(article.sync.room, members[0]!.token);
    const writer = open(article.sync.room, owner.token);
    await Promise.all([watcher.synced, writer.synced]);
    writer.provider.disconnect();
    offlineWork(writer, owner.user.id, 150);
    writer.provider.connect();
    await eventually(() => expect(readAnnotations(watcher.doc)).toHaveLength(150), 30_000);
    expect(writer.closes).toEqual([]);
    await eventually(async () => expect((await owner.get(`/api/articles/${article.id}/annotations?limit=200`)).body.annotations).toHaveLength(150), 10_000);
  }, 60_000);

  it("holds room for one large answer per account while it arrives, and lets the next in once it is done", async () => {
    const { owner, article } = await articleWithMembers(live.t.app, []);
    // A socket of the account that has begun a large answer and not finished it: its frame's header is in.
    const slow = rawSocket(article.sync.room, owner.token);
    await slow.stepOne;
    beginFrame(slow.ws, MAX_STEP2_BYTES - 1_000);
    const writer = open(article.sync.room, owner.token, { reconnect: true });
    await writer.synced;
    writer.provider.disconnect();
    offlineWork(writer, owner.user.id, 150);
    writer.provider.connect();
    await eventually(() => expect(writer.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.largeRetry), 10_000);
    slow.ws.terminate();
    // 4513 is outside 4400–4499: the provider reconnects on its own, and its answer now finds room.
    const check = open(article.sync.room, owner.token);
    await eventually(async () => {
      await check.synced;
      expect(readAnnotations(check.doc)).toHaveLength(150);
    }, 30_000);
  }, 60_000);

  it("closes with 4413 past MAX_STEP2_BYTES, for good, and with 4513 a large message that is not a step 2 and a second large step 2, which get through as a later answer", async () => {
    const { owner, article } = await articleWithMembers(live.t.app, []);
    const huge = rawSocket(article.sync.room, owner.token);
    await huge.stepOne;
    huge.ws.send(step2Of(MAX_STEP2_BYTES + 10));
    expect(await huge.closed).toBe(SYNC_CLOSE_CODES.tooLarge);

    const update = rawSocket(article.sync.room, owner.token);
    await update.stepOne;
    const largeUpdate = step2Of(MAX_MESSAGE_BYTES + 10);
    largeUpdate[1] = 2;
    update.ws.send(largeUpdate);
    expect(await update.closed).toBe(SYNC_CLOSE_CODES.largeRetry);

    const twice = rawSocket(article.sync.room, owner.token);
    await twice.stepOne;
    // An empty step 2 (an empty V1 update is two zero bytes) is the answer; the wider frame ends with it.
    twice.ws.send(new Uint8Array([0, 1, 2, 0, 0]));
    twice.ws.send(step2Of(MAX_MESSAGE_BYTES + 10));
    expect(await twice.closed).toBe(SYNC_CLOSE_CODES.largeRetry);
  }, 30_000);
});
