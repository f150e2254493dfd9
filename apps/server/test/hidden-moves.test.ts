import { and, eq } from "drizzle-orm";
import type * as Y from "yjs";
import { createAnnotation, groupRoom, hiddenRoom, updateAnnotation } from "@marginalia/schema";
import { annotationTombstones, annotations } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor } from "../src/documents/context.ts";
import { serverHooks } from "../src/hooks/index.ts";
import { type TestApp, type TestClient, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { openTestDatabase } from "./support/database.ts";
import { commitGate } from "./support/commit-gate.ts";

/**
 * Hiding and unhiding move a thread between the group's and the hidden document, both halves in one group
 * commit (docs/architecture.md, "Documents follow audiences"). Another document's write may come first in
 * that commit. A gate on the commit of the status change holds it open while that write is queued, so the
 * move's halves always share a commit with it, behind it.
 */
let t: TestApp;
const gate = commitGate();

beforeAll(async () => {
  const database = await openTestDatabase();
  const hooks = serverHooks(database.db);
  t = await createTestApp({ database, sync: { hooks: { ...hooks, commit: [...hooks.commit, gate.hook] } } });
});
afterAll(async () => {
  await t.close();
  await t.database.close();
});

type Member = TestClient & { user: { id: string } };

async function desk() {
  const d = await articleWithMembers(t.app, ["moderator", "annotator", "viewer"]);
  const [mod, author, viewer] = d.members as unknown as [Member, Member, Member];
  const context = (kind: "group" | "hidden") => contextFor({ kind, articleId: d.article.id }, d.group.id as string, 1);
  const thread = async (body: string) => {
    const root = await author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body });
    expect(root.status).toBe(201);
    const reply = await mod.post(`/api/annotations/${root.body.id}/replies`, { body: `reply to ${body}` });
    expect(reply.status).toBe(201);
    return { rootId: root.body.id as string, replyId: reply.body.id as string };
  };
  /** Queues a server change on one of the article's documents, without waiting for it to be stored. */
  const queue = (kind: "group" | "hidden", fn: (doc: Y.Doc) => void) =>
    t.hub.read(context(kind), (live) => {
      void live.change({ userId: null }, fn);
    });
  const rowOf = async (id: string) => (await t.database.db.select().from(annotations).where(eq(annotations.id, id)))[0];
  const tombstoned = async (id: string) => (await t.database.db.select().from(annotationTombstones).where(eq(annotationTombstones.id, id))).length > 0;
  return { ...d, mod, author, viewer, thread, queue, rowOf, tombstoned };
}

describe("a thread moved while other documents write", () => {
  it("keeps an unhidden thread's rows when the group's document writes first in the move's commit", async () => {
    const d = await desk();
    const { rootId, replyId } = await d.thread("unhidden while the group writes");
    expect((await d.mod.post(`/api/annotations/${rootId}/hide`)).status).toBe(200);
    expect((await d.rowOf(rootId))?.docName).toBe(hiddenRoom(d.article.id));

    const { inside, open } = gate.arm(hiddenRoom(d.article.id));
    const unhide = d.mod.post(`/api/annotations/${rootId}/unhide`);
    await inside;
    await d.queue("group", (doc) => createAnnotation(doc, { kind: "comment", authorId: d.author.user.id, body: "written meanwhile" }));
    open();
    expect((await unhide).status).toBe(200);
    await t.hub.settled(d.article.id);

    for (const id of [rootId, replyId]) {
      expect((await d.mod.get(`/api/annotations/${id}`)).status).toBe(200);
      expect((await d.rowOf(id))?.docName).toBe(groupRoom(d.article.id));
      expect(await d.tombstoned(id)).toBe(false);
    }
  });

  it("keeps a hidden thread's rows when the hidden document writes first in the move's commit", async () => {
    const d = await desk();
    const earlier = await d.thread("hidden before");
    expect((await d.mod.post(`/api/annotations/${earlier.rootId}/hide`)).status).toBe(200);
    const { rootId, replyId } = await d.thread("hidden while the hidden document writes");

    const { inside, open } = gate.arm(groupRoom(d.article.id));
    const hide = d.mod.post(`/api/annotations/${rootId}/hide`);
    await inside;
    await d.queue("hidden", (doc) => updateAnnotation(doc, earlier.replyId, { body: "edited meanwhile" }));
    open();
    expect((await hide).status).toBe(200);
    await t.hub.settled(d.article.id);

    for (const id of [rootId, replyId]) {
      expect((await d.mod.get(`/api/annotations/${id}`)).status).toBe(200);
      expect((await d.rowOf(id))?.docName).toBe(hiddenRoom(d.article.id));
      expect(await d.tombstoned(id)).toBe(false);
    }
    expect((await d.rowOf(earlier.replyId))?.body).toBe("edited meanwhile");
  });
});

describe("replies to hidden work", () => {
  it("are never shown to a non-moderator, even where the hidden parent has no row", async () => {
    const d = await desk();
    expect((await d.author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "left in view" })).status).toBe(201);
    const { rootId, replyId } = await d.thread("hidden with a reply");
    expect((await d.mod.post(`/api/annotations/${rootId}/hide`)).status).toBe(200);
    const shownTo = async (who: TestClient) => {
      const one = await who.get(`/api/annotations/${replyId}`);
      const listed = await who.get(`/api/articles/${d.article.id}/annotations?limit=200`);
      const exported = await who.get(`/api/articles/${d.article.id}/export?format=csv`);
      const w3c = await who.get(`/w3c/articles/${d.article.id}/?page=0`);
      expect([listed.status, exported.status, w3c.status]).toEqual([200, 200, 200]);
      return {
        one: one.status,
        listed: JSON.stringify(listed.body).includes(replyId),
        exported: String(exported.body).includes("reply to hidden with a reply"),
        w3c: JSON.stringify(w3c.body).includes("reply to hidden with a reply"),
      };
    };
    const hidden = { one: 404, listed: false, exported: false, w3c: false };
    expect(await shownTo(d.viewer)).toEqual(hidden);
    expect(await shownTo(d.author)).toEqual(hidden);
    expect((await shownTo(d.mod)).one).toBe(200);

    // The parent's row gone (as a lost write once left it), the reply still lives in the hidden document.
    await t.database.db.delete(annotations).where(and(eq(annotations.id, rootId), eq(annotations.docName, hiddenRoom(d.article.id))));
    expect((await d.rowOf(replyId))?.docName).toBe(hiddenRoom(d.article.id));
    expect(await shownTo(d.viewer)).toEqual(hidden);
    expect(await shownTo(d.author)).toEqual(hidden);
    expect((await shownTo(d.mod)).one).toBe(200);
  });
});
