import { eq } from "drizzle-orm";
import { createAnnotation, readAnnotations } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverHooks } from "../src/hooks/index.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { openTestDatabase } from "./support/database.ts";
import { commitGate } from "./support/commit-gate.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";

/**
 * A shutdown while the database does not answer (docs/architecture.md, "Shutdown"): a commit hook that
 * waits until the test lets it go stands in for a database that hangs inside the commit's transaction.
 */
let t: TestApp;
let url: string;
const gate = commitGate();
/** Lets the hung commit go on: called by the test, and again after it in case it failed first. */
let release = () => {};

beforeAll(async () => {
  const database = await openTestDatabase();
  const hooks = serverHooks(database.db);
  t = await createTestApp({ database, sync: { hooks: { ...hooks, commit: [...hooks.commit, gate.hook] } } });
  url = await t.listen();
});
afterAll(async () => {
  release();
  await t.close();
  await t.database.close();
});

describe("a hub shutting down while its commits hang", () => {
  it("stops taking updates at once, and closes every socket with 1001 long before the deadline, while it goes on writing", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const writer = openSyncClient(url, article.sync.room, owner.token, { acks: true });
    const late = openSyncClient(url, article.sync.room, owner.token, { acks: true });
    await Promise.all([writer.synced, late.synced]);

    const held = gate.arm();
    release = held.open;
    createAnnotation(writer.doc, { kind: "comment", authorId: owner.user.id, body: "taken before the shutdown" });
    await held.inside;
    const pendingAtStart = t.hub.committer.pending;
    expect(pendingAtStart).toBe(1);

    let finished = false;
    // A deadline far off: the sockets must not wait for it, nor for the hung commit.
    const shutdown = t.hub.shutdown(Date.now() + 10 * 60_000, { firstFlushMs: 100 }).then((unwritten) => ((finished = true), unwritten));
    createAnnotation(late.doc, { kind: "comment", authorId: owner.user.id, body: "sent after the shutdown began" });

    // Each client tries again, as y-websocket does after 1001, and is closed the same way at once.
    await eventually(() => {
      expect(writer.closes[0]?.code).toBe(1001);
      expect(late.closes[0]?.code).toBe(1001);
    }, 15_000);
    expect(finished).toBe(false);
    // Nothing sent after the shutdown began was taken, so nothing of it was acknowledged.
    expect(t.hub.committer.pending).toBe(pendingAtStart);
    // Each client's first update is its sync step 2, acknowledged before the shutdown; its comment never is.
    expect(late.acks.at(-1)).toBe(1);
    expect(writer.acks.at(-1)).toBe(1);

    // The database answers again before the deadline: what was taken is written after all.
    release();
    expect((await shutdown).size).toBe(0);
    const stored = await t.database.db.select({ body: annotations.body }).from(annotations).where(eq(annotations.articleId, article.id));
    expect(stored.map((row) => row.body)).toEqual(["taken before the shutdown"]);
    expect(readAnnotations(late.doc).map((a) => a.body)).toContain("sent after the shutdown began");
    writer.destroy();
    late.destroy();
  }, 30_000);
});
