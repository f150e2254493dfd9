import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
