import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { users } from "@marginalia/schema/tables";
import { DEMO_USER, demoBanner, seedDemo } from "../src/demo/seed.ts";
import { findUserByEmail, setPassword } from "../src/services/users.ts";
import { NO_PASSWORD_HASH } from "../src/backup/restore.ts";
import { DEMO_QUOTES } from "../src/demo/annotations.ts";
import { contextFor } from "../src/documents/context.ts";
import { type TestApp, TestClient, createTestApp } from "./support/app.ts";

describe("the demo `pnpm start` seeds", () => {
  let t: TestApp;
  let demo: { articleId: string; groupId: string };
  const client = () => new TestClient(t.app);

  beforeAll(async () => {
    t = await createTestApp();
    demo = await seedDemo(t.database.db, t.hub);
  });
  afterAll(() => t.close());

  it("opens on an annotation of each kind from two members, as the demo user reads them over REST", async () => {
    const me = client();
    expect((await me.post("/api/auth/login", { email: DEMO_USER.email, password: DEMO_USER.password })).status).toBe(200);
    const { body } = await me.get(`/api/articles/${demo.articleId}/annotations?limit=200`);
    const items = body.annotations as Array<{ id: string; kind: string; status: string; parentId: string | null; author: { id: string }; target: { exact: string } | null; factcheck: { verdict: string; sources: unknown[] } | null }>;
    const on = (quote: string) => items.filter((a) => a.target?.exact === quote);

    const [published] = on(DEMO_QUOTES.published);
    expect(published).toMatchObject({ kind: "factcheck", status: "published", factcheck: { verdict: "true" } });
    expect(published!.factcheck!.sources.length).toBe(2);

    const thread = on(DEMO_QUOTES.thread);
    const root = thread.find((a) => !a.parentId)!;
    expect(thread.map((a) => a.kind)).toEqual(["comment", "comment"]);
    expect(thread.find((a) => a.parentId)?.parentId).toBe(root.id);
    expect(thread.find((a) => a.parentId)?.author.id).not.toBe(root.author.id);

    expect(on(DEMO_QUOTES.highlight)).toMatchObject([{ kind: "highlight", status: "published" }]);
    expect(on(DEMO_QUOTES.pending)).toMatchObject([{ kind: "factcheck", status: "pending", factcheck: { verdict: "misleading" } }]);
    expect(new Set(items.map((a) => a.author.id)).size).toBe(2);

    // The pending fact-check waits in the moderation queue of the demo user, who owns the group.
    const queue = await me.get(`/api/groups/${demo.groupId}/moderation/queue`);
    expect(JSON.stringify(queue.body)).toContain(DEMO_QUOTES.pending);

    // Written through the live document: the group's Y.Doc holds what the projection holds.
    const context = contextFor({ kind: "group", articleId: demo.articleId }, demo.groupId, 1);
    const inDoc = await t.hub.read(context, (live) => items.map((a) => live.annotation(a.id)?.status));
    expect(inDoc).toEqual(items.map((a) => a.status));
  });

  it("is seeded once: a second start finds the demo as it was, not an article imported since", async () => {
    const me = client();
    await me.post("/api/auth/login", { email: DEMO_USER.email, password: DEMO_USER.password });
    // Trying Marginalia out: more articles in the demo's group and in a group of the demo user's own.
    const mine = (await me.post("/api/groups", { name: "Mine" })).body as { id: string };
    for (const group of [mine.id, demo.groupId, mine.id]) {
      expect((await me.post(`/api/groups/${group}/articles?title=Later`, "Imported after the demo.", { "content-type": "text/plain" })).status).toBe(201);
    }
    const again = await seedDemo(t.database.db, t.hub);
    expect(again).toEqual(demo);
    const { body } = await me.get(`/api/articles/${demo.articleId}/annotations?limit=200`);
    expect(body.annotations.length).toBe(5);
  });

  it("prints its login at start only while that login works", async () => {
    const banner = () => demoBanner(t.database.db, "http://marginalia.test", demo);
    expect(await banner()).toContain(`Log in as ${DEMO_USER.email} / ${DEMO_USER.password}\n`);
    const user = (await findUserByEmail(t.database.db, DEMO_USER.email))!;
    try {
      // Its password changed, as anyone trying the demo may.
      await setPassword(t.database.db, user.id, "another-password-entirely", { revokeTokens: false });
      const changed = await banner();
      expect(changed).not.toContain(DEMO_USER.password);
      expect(changed).toContain(`The demo account ${DEMO_USER.email} exists with another password`);
      expect(changed).toContain(`/articles/${demo.articleId}`);
      // Restored from a backup that leaves passwords out: there is no password that works.
      await t.database.db.update(users).set({ passwordHash: NO_PASSWORD_HASH }).where(eq(users.id, user.id));
      expect(await banner()).not.toContain(DEMO_USER.password);
    } finally {
      await setPassword(t.database.db, user.id, DEMO_USER.password, { revokeTokens: false });
    }
    expect(await banner()).toContain(`Log in as ${DEMO_USER.email} / ${DEMO_USER.password}\n`);
  });
});
