import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LiveDocument } from "../src/sync/document/document.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";

/**
 * Documents that go idle together are torn down one per event-loop turn
 * (hub.ts, `teardownTurn`): when every socket closes at once, their teardowns
 * used to run back to back and hold the event loop, where other sockets'
 * messages now get a turn between any two of them.
 */
let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp({ sync: { idleUnloadMs: 50 } });
  url = await t.listen();
});
afterAll(() => t.close());

describe("unloading many documents at once", () => {
  it("tears each down on an event-loop turn of its own", async () => {
    const documents = 12;
    const clients = [];
    for (let i = 0; i < documents; i++) {
      const { owner, article } = await articleWithMembers(t.app, []);
      const client = openSyncClient(url, article.sync.room, owner.token);
      await client.synced;
      clients.push(client);
    }
    expect(t.hub.loadedDocuments).toBe(documents);

    // Counts the event loop's turns, so that each teardown can say on which it ran.
    let turn = 0;
    let counting = true;
    const count = () => {
      turn++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const turns: number[] = [];
    const original = LiveDocument.prototype.destroy;
    const destroy = vi.spyOn(LiveDocument.prototype, "destroy").mockImplementation(function (this: LiveDocument) {
      turns.push(turn);
      original.call(this);
    });
    try {
      for (const client of clients) client.destroy();
      // Counted as unloaded from the start of its teardown: wait for the last to be destroyed.
      await eventually(() => expect(turns).toHaveLength(documents), 5_000);
    } finally {
      counting = false;
      destroy.mockRestore();
    }
    expect(t.hub.loadedDocuments).toBe(0);
    expect(new Set(turns).size).toBe(documents);
  });
});
