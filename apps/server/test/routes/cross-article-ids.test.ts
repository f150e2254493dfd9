import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { createAnnotation } from "@marginalia/schema";
import { annotationTombstones, annotations, flags } from "@marginalia/schema/tables";
import { describe, expect, it, vi } from "vitest";
import { type TestClient, addMember } from "../support/app.ts";
import { liveServer } from "../support/live.ts";
import { articleWithMembers } from "../support/article.ts";
import { SETTLED } from "../support/settled.ts";
import { openSyncClient } from "../support/sync-client.ts";

// Annotation ids are the clients' to choose and unique across the server
// (docs/architecture.md, "Persistence and the commit"). Anyone may sign up and own a group, so what one group
// deleted must not let another reach into it by taking the id: these tests hold a group A and a group B
// whose member tries.

const live = liveServer();

const C = (x: unknown) => x as TestClient;

async function twoGroups() {
  const A = await articleWithMembers(live.t.app, ["annotator", "moderator"]);
  const B = await articleWithMembers(live.t.app, ["annotator"]);
  return { A, B, author: C(A.members[0]), moderator: C(A.members[1]), outsider: B.members[0]!, bOwner: C(B.owner) };
}

async function created(client: TestClient, articleId: string, input: Record<string, unknown>): Promise<string> {
  const res = await client.post(`/api/articles/${articleId}/annotations`, { kind: "comment", ...input });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

describe("an id deleted in one article", () => {
  it("stays taken for every other article (409), keeps its tombstone (410) and may come back in its own", async () => {
    const { A, B, author, outsider } = await twoGroups();
    const D = await created(author, A.article.id, { body: "A deletes this" });
    expect((await author.delete(`/api/annotations/${D}`)).status).toBe(204);

    const squat = await C(outsider).post(`/api/articles/${B.article.id}/annotations`, { id: D, kind: "comment", body: "B takes the id" });
    expect([squat.status, squat.body.error.code, squat.body.error.field]).toEqual([409, "conflict", "id"]);
    expect((await author.get(`/api/annotations/${D}`)).status).toBe(410);
    expect((await author.get(`/w3c/articles/${A.article.id}/${D}`)).status).toBe(410);

    // Undoing the deletion in its own article is still allowed.
    await created(author, A.article.id, { id: D, body: "A restores it" });
    expect((await author.get(`/api/annotations/${D}`)).body.body).toBe("A restores it");
  }, 60_000);

  it("is refused to a socket of another article, which alone is closed, and stays restorable by its own", async () => {
    const { A, B, author, outsider, bOwner } = await twoGroups();
    const D = await created(author, A.article.id, { body: "A deletes this" });
    expect((await author.delete(`/api/annotations/${D}`)).status).toBe(204);

    const bystander = openSyncClient(live.url, B.article.sync.room, B.owner.token, { acks: true });
    const squatter = openSyncClient(live.url, B.article.sync.room, outsider.token, { acks: true });
    const restorer = openSyncClient(live.url, A.article.sync.room, A.members[0]!.token, { acks: true });
    try {
      await Promise.all([bystander.synced, squatter.synced, restorer.synced]);
      createAnnotation(squatter.doc, { id: D, kind: "comment", authorId: outsider.user.id, body: "B takes the id" });
      await vi.waitFor(() => expect(squatter.closes.map((c) => c.code)).toEqual([4403]), SETTLED);
      // The bystander on the same document still writes, and is answered.
      const kept = createAnnotation(bystander.doc, { kind: "comment", authorId: B.owner.user.id, body: "still here" });
      await vi.waitFor(async () => expect((await bOwner.get(`/api/annotations/${kept}`)).status).toBe(200), SETTLED);
      expect(bystander.closes).toEqual([]);
      expect((await author.get(`/api/annotations/${D}`)).status).toBe(410);
      expect(await live.t.database.db.select({ articleId: annotationTombstones.articleId }).from(annotationTombstones).where(eq(annotationTombstones.id, D))).toEqual([
        { articleId: A.article.id },
      ]);

      createAnnotation(restorer.doc, { id: D, kind: "comment", authorId: A.members[0]!.user.id, body: "A restores it" });
      await vi.waitFor(async () => expect((await author.get(`/api/annotations/${D}`)).status).toBe(200), SETTLED);
      expect(restorer.closes).toEqual([]);
    } finally {
      for (const s of [bystander, squatter, restorer]) s.destroy();
    }
  }, 60_000);
});

describe("lookups by id match the article or group too", () => {
  it("a reply stays visible when another article holds a hidden row under its deleted parent's id", async () => {
    const { A, B, author, moderator } = await twoGroups();
    const P = await created(author, A.article.id, { body: "A's root" });
    const R = await moderator.post(`/api/annotations/${P}/replies`, { body: "A's reply" });
    expect(R.status).toBe(201);
    expect((await author.delete(`/api/annotations/${P}`)).status).toBe(204);
    // What a squat left before ids tombstoned elsewhere counted as taken: B's hidden row under P's id.
    await live.t.database.db.delete(annotationTombstones).where(eq(annotationTombstones.id, P));
    await live.t.database.db
      .insert(annotations)
      .values({ id: P, articleId: B.article.id, groupId: B.group.id, docName: `article:${B.article.id}:hidden`, revision: 1, kind: "comment", status: "hidden" });

    expect((await author.get(`/api/annotations/${R.body.id}`)).status).toBe(200);
    expect((await author.get(`/w3c/articles/${A.article.id}/${R.body.id}`)).status).toBe(200);
    const listed = await author.get(`/api/articles/${A.article.id}/annotations`);
    expect(listed.body.annotations.map((a: { id: string }) => a.id)).toContain(R.body.id);
  }, 60_000);

  it("a group's moderation reads and settles its own flags only", async () => {
    const { A, B, outsider, bOwner } = await twoGroups();
    // A member of both groups, with a flag left open in A under an id that B now uses (an annotation of an
    // article deleted before its flags were settled with it).
    await addMember(C(A.owner), A.group.id, C(outsider) as TestClient & { email: string }, "annotator");
    const Z = `z-${randomUUID()}`;
    await live.t.database.db.insert(flags).values({ groupId: A.group.id, annotationId: Z, userId: outsider.user.id, reason: "A's own reason" });
    await created(C(outsider), B.article.id, { id: Z, body: "B's annotation" });

    const queue = await bOwner.get(`/api/groups/${B.group.id}/moderation/queue`);
    expect(queue.body.items.map((i: { annotation: { id: string } }) => i.annotation.id)).not.toContain(Z);
    // The one-open-flag rule is a group's: flagging it in B is a first flag there.
    expect((await C(outsider).post(`/api/annotations/${Z}/flag`, { reason: "B's reason" })).status).toBe(201);
    const flagged = await bOwner.get(`/api/groups/${B.group.id}/moderation/queue`);
    expect(flagged.body.items.find((i: { annotation: { id: string } }) => i.annotation.id === Z)?.flags).toEqual({ count: 1, reasons: ["B's reason"] });
    expect((await bOwner.post(`/api/annotations/${Z}/hide`, { reason: "B hides its own" })).status).toBe(200);
    const ofA = await live.t.database.db.select({ reason: flags.reason, resolvedAt: flags.resolvedAt }).from(flags).where(and(eq(flags.annotationId, Z), eq(flags.groupId, A.group.id)));
    expect(ofA).toEqual([{ reason: "A's own reason", resolvedAt: null }]);
  }, 60_000);

  it("deleting an annotation, or its article, settles its open flags", async () => {
    const { A, author, moderator } = await twoGroups();
    const X = await created(author, A.article.id, { body: "flagged, then deleted" });
    expect((await moderator.post(`/api/annotations/${X}/flag`, { reason: "look" })).status).toBe(201);
    expect((await author.delete(`/api/annotations/${X}`)).status).toBe(204);
    const [ofDeleted] = await live.t.database.db.select({ resolvedAt: flags.resolvedAt }).from(flags).where(eq(flags.annotationId, X));
    expect(ofDeleted?.resolvedAt).not.toBeNull();

    const Y = await created(author, A.article.id, { body: "flagged, then its article deleted" });
    expect((await moderator.post(`/api/annotations/${Y}/flag`, { reason: "look" })).status).toBe(201);
    expect((await moderator.delete(`/api/articles/${A.article.id}`)).status).toBe(204);
    const [ofArticle] = await live.t.database.db.select({ resolvedAt: flags.resolvedAt }).from(flags).where(eq(flags.annotationId, Y));
    expect(ofArticle?.resolvedAt).not.toBeNull();
  }, 60_000);

  it("an assignment is answered only by a reply in its own article", async () => {
    const { A, B, author, outsider } = await twoGroups();
    await addMember(C(A.owner), A.group.id, C(outsider) as TestClient & { email: string }, "annotator");
    const X = await created(author, A.article.id, { body: "who can source this?" });
    const assigned = await author.put(`/api/annotations/${X}/assignment`, { assignees: [outsider.user.id], dueAt: null });
    expect([assigned.status, assigned.body.answered]).toEqual([200, 0]);

    // A reply written in B's document that names A's annotation as its parent.
    const socket = openSyncClient(live.url, B.article.sync.room, outsider.token, { acks: true });
    try {
      await socket.synced;
      const reply = createAnnotation(socket.doc, { kind: "comment", authorId: outsider.user.id, body: "answer: https://example.org/proof", parentId: X });
      await vi.waitFor(async () => expect((await C(outsider).get(`/api/annotations/${reply}`)).status).toBe(200), SETTLED);
    } finally {
      socket.destroy();
    }
    const after = await author.put(`/api/annotations/${X}/assignment`, { assignees: [outsider.user.id], dueAt: null });
    expect([after.status, after.body.answered, after.body.done]).toEqual([200, 0, false]);
    const mine = await C(outsider).get("/api/me/assignments");
    expect(mine.body.assignments.find((a: { annotation: { id: string } }) => a.annotation.id === X)?.answered).toBe(false);
  }, 60_000);
});
