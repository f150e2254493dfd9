import WebSocket from "ws";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { eq } from "drizzle-orm";
import { annotations } from "@marginalia/schema/tables";
import { MESSAGE_SYNC, createAnnotation, notesOf } from "@marginalia/schema";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { liveServer } from "./support/live.ts";
import { SETTLED } from "./support/settled.ts";
import { socketAuth, tokenQuery } from "./support/socket-auth.ts";
import { openSyncClient } from "./support/sync-client.ts";
import { updateMessage } from "../src/sync/connection/messages.ts";

const server = liveServer({ sync: { idleUnloadMs: 100 } });

const storedCount = async (t: TestApp, articleId: string) =>
  (await t.database.db.select({ id: annotations.id }).from(annotations).where(eq(annotations.articleId, articleId))).length;

/** A raw socket on `room`, its first message (the server's sync step 1) awaited. */
async function rawSocket(url: string, room: string, token: string) {
  const auth = socketAuth(token);
  const ws = new WebSocket(`${url.replace("http", "ws")}/sync/${room}?${tokenQuery(token)}`, { headers: auth.headers });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise<void>((resolve) => ws.once("message", () => resolve()));
  return { ws, closed };
}

/** Sends every message, then closes normally once the socket has handed them all to the network. */
async function sendAndClose(ws: WebSocket, messages: Uint8Array[]) {
  for (const message of messages) ws.send(message);
  while (ws.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  ws.close(1000);
}

/** One-character inserts into the notes, one update message each. */
function typing(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const messages: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => messages.push(updateMessage(u)));
  for (let i = 0; i < count; i++) notesOf(doc).insert(notesOf(doc).length, "n");
  return messages;
}

/** The notes as stored: read by a new client once the document was unloaded, so that it is loaded from the database. */
async function storedNotes(t: TestApp, room: string, token: string): Promise<number> {
  await vi.waitFor(() => expect(t.hub.isLoaded(room)).toBe(false), SETTLED);
  const reader = server.open(room, token);
  await reader.synced;
  return notesOf(reader.doc).length;
}

/** What a client sent before it closed the socket normally is handled and stored, as if it had stayed open (docs/sync.md, "6. Acknowledgements"). */
describe("a client that closes its socket at once", () => {
  it("has every annotation a stock provider made before destroy() stored", async () => {
    const { owner, article } = await articleWithMembers(server.t.app, []);
    const client = server.open(article.sync.room, owner.token);
    await client.synced;
    for (let i = 0; i < 300; i++) createAnnotation(client.doc, { kind: "comment", authorId: owner.user.id, body: `comment ${i}` });
    client.provider.destroy();
    await vi.waitFor(async () => expect(await storedCount(server.t, article.id)).toBe(300), SETTLED);
  }, 30_000);

  it("has every one of thousands of small updates sent before a normal close stored", async () => {
    const { owner, article } = await articleWithMembers(server.t.app, []);
    const raw = await rawSocket(server.url, article.sync.room, owner.token);
    await sendAndClose(raw.ws, typing(3_000));
    expect(await raw.closed).toBe(1000);
    expect(await storedNotes(server.t, article.sync.room, owner.token)).toBe(3_000);
  }, 60_000);

  it("has a large sync step 2 sent just before the close stored whole", async () => {
    const { owner, article } = await articleWithMembers(server.t.app, []);
    const raw = await rawSocket(server.url, article.sync.room, owner.token);
    const doc = new Y.Doc();
    doc.transact(() => {
      for (let i = 0; i < 2_000; i++) createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body: `comment ${i}`.padEnd(100, ".") });
    });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep2(encoder, doc);
    await sendAndClose(raw.ws, [encoding.toUint8Array(encoder)]);
    await raw.closed;
    await vi.waitFor(async () => expect(await storedCount(server.t, article.id)).toBe(2_000), SETTLED);
    await vi.waitFor(() => expect(server.t.hub.isLoaded(article.sync.room)).toBe(false), SETTLED);
    expect(await storedCount(server.t, article.id)).toBe(2_000);
  }, 60_000);

  it("has what it sent stored when the server shuts down right after the close", async () => {
    const t = await createTestApp();
    onTestFinished(() => t.close());
    const url = await t.listen();
    const { owner, article } = await articleWithMembers(t.app, []);
    const raw = await rawSocket(url, article.sync.room, owner.token);
    await sendAndClose(raw.ws, typing(2_000));
    await raw.closed;
    await t.stop();
    // A second hub on the same database reads what the first stored.
    const again = await createTestApp({ database: t.database });
    onTestFinished(() => again.stop());
    const againUrl = await again.listen();
    const reader = openSyncClient(againUrl, article.sync.room, owner.token);
    onTestFinished(() => reader.destroy());
    await reader.synced;
    expect(notesOf(reader.doc).length).toBe(2_000);
  }, 60_000);
});
