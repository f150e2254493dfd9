import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import WebSocket from "ws";
import * as encoding from "lib0/encoding";
import { writeAwarenessEntries } from "../src/sync/presence/awareness-entries.ts";
import { eq } from "drizzle-orm";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import { SYNC_CLOSE_CODES, createAnnotation, readAnnotations } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { socketAuth, tokenQuery } from "./support/socket-auth.ts";
import { type SyncClient, eventually, openSyncClient } from "./support/sync-client.ts";

let t: TestApp;
let url: string;
const clients: SyncClient[] = [];
const open = (...args: Parameters<typeof openSyncClient>) => {
  const client = openSyncClient(...args);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  t = await createTestApp({ sync: { maxConnectionsPerUser: 3, idleUnloadMs: 150 } });
  url = await t.listen();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t.close();
});

/** A raw socket, for what no honest client would send. */
function rawSocket(room: string, token: string, headers: Record<string, string> = {}) {
  const auth = socketAuth(token);
  const ws = new WebSocket(`${url.replace("http", "ws")}/sync/${room}?${tokenQuery(token)}`, { headers: { ...auth.headers, ...headers } });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve) => ws.on("open", () => resolve()));
  return { ws, closed, opened };
}

describe("socket limits", () => {
  it("closes a message over 1 MiB with 4513 (over 4 MiB, 4413, which stock providers do not retry), and leaves other sockets alone", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const bystander = open(url, article.sync.room, owner.token);
    await bystander.synced;
    const raw = rawSocket(article.sync.room, owner.token);
    await raw.opened;
    raw.ws.send(new Uint8Array(1024 * 1024 + 10));
    expect((await raw.closed).code).toBe(SYNC_CLOSE_CODES.largeRetry);
    const huge = rawSocket(article.sync.room, owner.token);
    await huge.opened;
    huge.ws.send(new Uint8Array(4 * 1024 * 1024 + 10));
    expect((await huge.closed).code).toBe(SYNC_CLOSE_CODES.tooLarge);
    createAnnotation(bystander.doc, { kind: "comment", authorId: owner.user.id, body: "still here" });
    const check = open(url, article.sync.room, owner.token);
    await check.synced;
    await eventually(() => expect(readAnnotations(check.doc).map((a) => a.body)).toEqual(["still here"]));
  }, 20_000);

  it("closes a malformed message with 4400 without disturbing the document", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const raw = rawSocket(article.sync.room, owner.token);
    await raw.opened;
    raw.ws.send(new Uint8Array([0, 2, 200, 200, 200, 200, 200]));
    expect((await raw.closed).code).toBe(4400);
    const text = rawSocket(article.sync.room, owner.token);
    await text.opened;
    text.ws.send("hello");
    expect((await text.closed).code).toBe(4400);
  });

  it("closes a presence state over 4 KiB with 4413, keeps it from peers, and keeps small states", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const watcher = open(url, article.sync.room, owner.token);
    const member = open(url, article.sync.room, members[0]!.token);
    await Promise.all([watcher.synced, member.synced]);
    member.provider.awareness.setLocalStateField("selection", { start: 1, end: 5 });
    await eventually(() => expect(watcher.provider.awareness.getStates().get(member.doc.clientID)).toMatchObject({ selection: { start: 1, end: 5 } }), 2_000);
    member.provider.awareness.setLocalStateField("note", "x".repeat(5_000));
    await eventually(() => expect(member.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.tooLarge), 2_000);
    await eventually(() => expect(watcher.provider.awareness.getStates().get(member.doc.clientID)).toBeUndefined(), 2_000);
    const joiner = open(url, article.sync.room, owner.token);
    await joiner.synced;
    const sizes = [...joiner.provider.awareness.getStates().values()].map((s) => JSON.stringify(s).length);
    expect(Math.max(0, ...sizes)).toBeLessThan(4_096 + 200);
  });

  it("closes with 4400 a presence state that is not JSON, even when it waits for the end of a window, and lives on", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const bystander = open(url, article.sync.room, owner.token);
    await bystander.synced;
    const presence = (clock: number, state: string) => {
      const message = encoding.createEncoder();
      encoding.writeVarUint(message, 1); // awareness
      encoding.writeVarUint8Array(message, writeAwarenessEntries([[424_242, clock, state]]));
      return encoding.toUint8Array(message);
    };
    for (const late of [false, true]) {
      const raw = rawSocket(article.sync.room, owner.token);
      await raw.opened;
      // The first is taken at once; the second, sent within the window, when it ends.
      if (late) raw.ws.send(presence(1, '{"cursor":1}'));
      raw.ws.send(presence(2, "{not json"));
      expect((await raw.closed).code).toBe(SYNC_CLOSE_CODES.badMessage);
    }
    expect((await t.app.request("/healthz")).status).toBe(200);
    expect(bystander.closes).toEqual([]);
  });

  it("keeps open the bystanders whose providers send back a large state another member showed", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator", "viewer"]);
    const bystanders = [open(url, article.sync.room, owner.token), open(url, article.sync.room, members[1]!.token)];
    const member = open(url, article.sync.room, members[0]!.token);
    await Promise.all([member.synced, ...bystanders.map((b) => b.synced)]);
    // Under the limit as sent; over it once the server adds who sent it, as every provider sends it back.
    member.provider.awareness.setLocalStateField("note", "x".repeat(4_050));
    for (const bystander of bystanders) {
      await eventually(() => expect(bystander.provider.awareness.getStates().get(member.doc.clientID)).toMatchObject({ user: { id: members[0]!.user.id } }), 2_000);
    }
    // Each bystander sent the state back as it got it; what it sends next reaches the member only after the server
    // has judged that echo.
    for (const [i, bystander] of bystanders.entries()) bystander.provider.awareness.setLocalStateField("after", i);
    for (const bystander of bystanders) {
      await eventually(() => expect(member.provider.awareness.getStates().get(bystander.doc.clientID)).toMatchObject({ after: expect.any(Number) }), 2_000);
    }
    for (const client of [member, ...bystanders]) expect(client.closes).toEqual([]);
  });

  it("refuses a session token in the URL with 4401, and takes it as a cookie or an API token in the URL", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const inUrl = new WebSocket(`${url.replace("http", "ws")}/sync/${article.sync.room}?token=${owner.token}`);
    const closed = await new Promise<number>((resolve) => inUrl.on("close", (code) => resolve(code)));
    expect(closed).toBe(SYNC_CLOSE_CODES.unauthorized);
    const apiToken = (await owner.post("/api/tokens", { name: "socket" })).body.token as string;
    for (const credential of [owner.token, apiToken]) {
      const client = open(url, article.sync.room, credential); // cookie for the session, ?token= for the API token
      await client.synced;
      expect(client.closes).toEqual([]);
    }
  });

  it("refuses a foreign Origin with 4403", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const raw = rawSocket(article.sync.room, owner.token, { origin: "https://evil.example" });
    expect((await raw.closed).code).toBe(4403);
  });

  it("refuses an unknown room with 4404", async () => {
    const { owner } = await articleWithMembers(t.app, []);
    const raw = rawSocket("not-a-room", owner.token);
    expect((await raw.closed).code).toBe(4404);
  });

  it("caps connections per user with 4530, which stock providers retry", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const first = [0, 1, 2].map(() => open(url, article.sync.room, owner.token));
    await Promise.all(first.map((c) => c.synced));
    const fourth = open(url, article.sync.room, owner.token, { reconnect: true });
    await eventually(() => expect(fourth.closes[0]?.code).toBe(SYNC_CLOSE_CODES.tooManyConnections), 2_000);
    // A stock provider keeps trying, backing off, and is let in once another of the account's sockets closes.
    first[0]!.destroy();
    await fourth.synced;
    expect(fourth.provider.wsconnected).toBe(true);
  });

  it("gives a socket's slot back when its document cannot be loaded", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    // The database fails three loads (in the field: its connections cut while documents load).
    const acquire = vi.spyOn((t.hub as unknown as { documents: { acquire: () => Promise<unknown> } }).documents, "acquire");
    for (let i = 0; i < 3; i++) acquire.mockRejectedValueOnce(new Error("connection cut while loading"));
    try {
      const failed = [0, 1, 2].map(() => rawSocket(article.sync.room, owner.token));
      expect((await Promise.all(failed.map((f) => f.closed))).map((c) => c.code)).toEqual([1011, 1011, 1011]);
      // All three of the account's slots are free again: three sockets join, and none is refused with 4530.
      const next = [0, 1, 2].map(() => open(url, article.sync.room, owner.token));
      await Promise.all(next.map((c) => c.synced));
      for (const client of next) expect(client.closes).toEqual([]);
      for (const client of next) client.destroy();
    } finally {
      acquire.mockRestore();
    }
  });

  it.each([600, 6_000])("takes a stock provider's burst of %i small edits, one transaction each, without closing it", async (count) => {
    const { owner, article, members } = await articleWithMembers(t.app, ["viewer"]);
    const watcher = open(url, article.sync.room, members[0]!.token);
    const writer = open(url, article.sync.room, owner.token);
    await Promise.all([watcher.synced, writer.synced]);
    // Faster than the socket's share of the server takes them: the server stops reading the socket for a
    // while (kept-messages.ts), and the rest wait in the client's buffers. Before, past 256 waiting
    // messages it closed the socket with a code stock providers give up on, and the edits never arrived.
    for (let i = 0; i < count; i++) createAnnotation(writer.doc, { kind: "comment", authorId: owner.user.id, body: `burst ${i}` });
    await eventually(() => expect(readAnnotations(watcher.doc)).toHaveLength(count), 60_000);
    expect(writer.closes).toEqual([]);
  }, 90_000);

  it("unloads a document after its last socket leaves, and loads it again intact", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token);
    await a.synced;
    createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: "kept" });
    await new Promise((r) => setTimeout(r, 50));
    expect(t.hub.isLoaded(article.sync.room)).toBe(true);
    a.destroy();
    // This document, whatever other tests' documents do meanwhile.
    await eventually(() => expect(t.hub.isLoaded(article.sync.room)).toBe(false), 2_000);
    const b = open(url, article.sync.room, owner.token);
    await b.synced;
    expect(readAnnotations(b.doc).map((x) => x.body)).toEqual(["kept"]);
  });
});

describe("loading", () => {
  it("closes with 1011 on a document that cannot be loaded, and writes nothing over it", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    await t.database.db.insert(docUpdates).values({ docName: article.sync.room, update: new Uint8Array([9, 9, 9, 9]) });
    const a = open(url, article.sync.room, owner.token);
    await eventually(() => expect(a.closes[0]?.code).toBe(1011), 2_000);
    a.provider.shouldConnect = false;
    const rows = await t.database.db.select().from(docUpdates).where(eq(docUpdates.docName, article.sync.room));
    expect(rows.map((r) => [...r.update])).toEqual([[9, 9, 9, 9]]);
    const snapshots = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    expect(snapshots).toEqual([]);
  });
});

describe("a third-party client", () => {
  it("signs in, opens an article and creates an annotation a second client sees, from docs/sync.md alone", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const script = fileURLToPath(new URL("../../../examples/third-party-client.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, url, owner.email, owner.password, article.id], {
      timeout: 15_000,
    });
    expect(stdout).toContain("second client saw: Written by a third-party client");
  });
});
