import { eq } from "drizzle-orm";
import { annotations } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { contextFor } from "../src/documents/context.ts";
import { ShuttingDown } from "../src/sync/shutdown.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("a hub shutting down", () => {
  it("closes a socket that connects after its shutdown began, at once, as going away", async () => {
    const { owner, article, group } = await articleWithMembers(t.app, []);
    const request = { room: article.sync.room, token: owner.token, acks: false };
    const before: number[] = [];
    t.hub.connect({ send: () => {}, close: (code) => void before.push(code) }, request);
    const shutdown = t.hub.shutdown();
    // A client that reconnects at once after its 1001, while the listener still takes sockets.
    const after: number[] = [];
    t.hub.connect({ send: () => {}, close: (code) => void after.push(code) }, request);
    await shutdown;
    expect(after).toEqual([1001]);
    expect(before).toEqual([1001]);
    expect(t.hub.socketCount).toBe(0);
    // Nothing more is loaded from a database about to close: a request is answered 503, a move left for later.
    const context = contextFor({ kind: "group", articleId: article.id }, group.id as string, 1);
    await expect(t.hub.read(context, () => null)).rejects.toBeInstanceOf(ShuttingDown);
  });

  it("answers 503 to a REST write still waiting for its document when shutdown tears the document down, storing nothing", async () => {
    // A hub of its own: the one above is shut down.
    const t = await createTestApp();
    onTestFinished(() => t.close());
    const { owner, article, group } = await articleWithMembers(t.app, []);
    const created = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "First words" });
    expect(created.status).toBe(201);
    const context = contextFor({ kind: "group", articleId: article.id }, group.id as string, 1);
    const live = await t.hub.read(context, (l) => l);
    // The document busy (a build in slices under way) while the write waits its turn; shutdown's teardown ends it.
    let reached!: () => void;
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    let free!: () => void;
    const busy = new Promise<void>((resolve) => (free = resolve));
    live.whenFree = () => {
      reached();
      return busy;
    };
    const write = owner.patch(`/api/annotations/${created.body.id}`, { body: "Edited while the server stops" });
    await waiting;
    await t.hub.shutdown(Date.now() + 5_000, { firstFlushMs: 100 });
    expect(live.isDestroyed).toBe(true);
    free();
    const answer = await write;
    expect(answer.status).toBe(503);
    const [row] = await t.database.db.select({ body: annotations.body }).from(annotations).where(eq(annotations.id, created.body.id));
    expect(row?.body).toBe("First words");
  });
});
