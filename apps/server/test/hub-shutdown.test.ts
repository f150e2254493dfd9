import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("a hub shutting down", () => {
  it("closes a socket that connects after its shutdown began, at once, as going away", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
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
  });
});
