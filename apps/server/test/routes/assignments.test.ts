import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { annotationsOf, assignmentProgress, createAnnotation, readAnnotation, readAnnotations, updateAnnotation } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { type TestClient, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";

const live = liveServer();

const CLAIM = { kind: "factcheck", factcheck: { claim: "Sanctions tripled trade", verdict: "unverifiable", sources: [] } };
const DUE = "2031-03-01T12:00:00.000Z";

/** An open group with an author, two checkers, a moderator and a viewer, and a fact-check by the author. */
async function deskWithClaim() {
  const { article, members, owner } = await articleWithMembers(live.t.app, ["annotator", "annotator", "annotator", "moderator", "viewer"]);
  const [author, checker, other, moderator, viewer] = members as [typeof members[0], typeof members[0], typeof members[0], typeof members[0], typeof members[0]];
  const created = await author.post(`/api/articles/${article.id}/annotations`, CLAIM);
  expect(created.status).toBe(201);
  return { article, owner, author, checker, other, moderator, viewer, claimId: created.body.id as string };
}

const assignmentsOf = async (client: TestClient, query = "") => {
  const res = await client.get(`/api/me/assignments${query}`);
  expect(res.status).toBe(200);
  return res.body.assignments as any[];
};
const notificationsOf = async (client: TestClient) => (await client.get("/api/me/notifications")).body.notifications as any[];
const storedAssignees = async (id: string) =>
  (await live.t.database.db.select({ assignees: annotations.assignees }).from(annotations).where(eq(annotations.id, id)))[0]!.assignees;

describe("assignment over REST", () => {
  it("assigns through the live document: a socket client sees it at once, and the assignee is notified", async () => {
    const { article, author, checker, moderator, claimId } = await deskWithClaim();
    const watcher = live.open(article.sync.room, author.token);
    await watcher.synced;

    const res = await moderator.put(`/api/annotations/${claimId}/assignment`, { assignees: [checker.user.id], dueAt: DUE });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ annotationId: claimId, dueAt: DUE, answered: 0, done: false });
    expect(res.body.assignees).toEqual([{ id: checker.user.id, name: checker.user.name, answeredAt: null }]);

    await eventually(() => {
      const value = readAnnotation(annotationsOf(watcher.doc).get(claimId)!);
      expect(value.assignees).toEqual([checker.user.id]);
      expect(value.dueAt).toBe(Date.parse(DUE));
    });
    const [item] = await assignmentsOf(checker);
    expect(item).toMatchObject({ annotation: { id: claimId, kind: "factcheck" }, article: { id: article.id }, dueAt: DUE, overdue: false, answered: false });
    expect(item.article.title).toMatch(/Russia-Iran/);
    const notes = (await notificationsOf(checker)).filter((n) => n.kind === "assignment");
    expect(notes).toMatchObject([{ annotationId: claimId, articleId: article.id, actor: { id: moderator.user.id }, data: { dueAt: DUE } }]);

    // Saving the same assignment again, or editing the claim, tells nobody twice.
    await moderator.put(`/api/annotations/${claimId}/assignment`, { assignees: [checker.user.id], dueAt: null });
    await author.patch(`/api/annotations/${claimId}`, { body: "Edited" });
    expect((await notificationsOf(checker)).filter((n) => n.kind === "assignment")).toHaveLength(1);
    expect((await assignmentsOf(checker))[0].dueAt).toBeNull();
  });

  it("refuses a non-author annotator with 403 over REST and 4403 over the socket, storing nothing", async () => {
    const { article, checker, other, claimId } = await deskWithClaim();
    const res = await other.put(`/api/annotations/${claimId}/assignment`, { assignees: [checker.user.id] });
    expect(res.status).toBe(403);

    const intruder = live.open(article.sync.room, other.token);
    await intruder.synced;
    updateAnnotation(intruder.doc, claimId, { assignees: [checker.user.id] });
    await eventually(() => expect(intruder.closes.map((c) => c.code)).toContain(4403), 2_000);
    expect(await storedAssignees(claimId)).toEqual([]);
    expect(await assignmentsOf(checker)).toEqual([]);
  });

  it("answers bad input with a 400 that names it, and stores nothing", async () => {
    const { author, checker, viewer, claimId } = await deskWithClaim();
    const stranger = await signUp(live.t.app, "Stranger");
    const put = (body: unknown) => author.put(`/api/annotations/${claimId}/assignment`, body);
    const unknown = randomUUID();
    const cases: Array<[unknown, RegExp]> = [
      [{ assignees: [unknown] }, new RegExp(`${unknown} is not a member`)],
      [{ assignees: [checker.user.id, stranger.user.id] }, new RegExp(`${stranger.user.id} is not a member`)],
      [{ assignees: [viewer.user.id] }, new RegExp(`${viewer.user.id} is a viewer`)],
      [{ assignees: Array.from({ length: 21 }, () => randomUUID()) }, /assignees/],
      [{ assignees: [checker.user.id, checker.user.id] }, /repeat/],
      [{ assignees: [checker.user.id], dueAt: "next tuesday" }, /dueAt/],
      [{ assignees: ["not-a-uuid"] }, /assignees/],
    ];
    for (const [body, message] of cases) {
      const res = await put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect(await storedAssignees(claimId)).toEqual([]);
    // Someone who cannot see the annotation learns nothing about it.
    expect((await stranger.put(`/api/annotations/${claimId}/assignment`, { assignees: [] })).status).toBe(404);
  });
});

describe("assignment over the socket", () => {
  it("lists a socket assignment in GET /api/me/assignments and notifies the assignee, never the assigner", async () => {
    const { article, author, checker } = await deskWithClaim();
    const client = live.open(article.sync.room, author.token);
    await client.synced;
    const overdue = Date.now() - 60_000;
    let id = "";
    client.doc.transact(() => {
      id = createAnnotation(client.doc, { kind: "factcheck", authorId: author.user.id, status: "draft", factcheck: { claim: "c", verdict: "false", sources: [] } });
      updateAnnotation(client.doc, id, { assignees: [checker.user.id, author.user.id], dueAt: overdue });
    });

    const [item] = await eventually(async () => {
      const list = await assignmentsOf(checker);
      expect(list).toHaveLength(1);
      return list;
    }, 2_000);
    // The author's own verdict answers for them; the checker is late.
    expect(item).toMatchObject({ annotation: { id }, overdue: true, answered: false, progress: { answered: 1, total: 2, done: false } });
    expect((await assignmentsOf(author))[0]).toMatchObject({ annotation: { id }, answered: true, overdue: false });
    expect((await notificationsOf(checker)).filter((n) => n.kind === "assignment")).toMatchObject([{ annotationId: id, actor: { id: author.user.id } }]);
    expect((await notificationsOf(author)).filter((n) => n.kind === "assignment")).toEqual([]);
    expect(client.closes).toEqual([]);
  });
});

describe("when an assignment is done", () => {
  it("flips to done only once every assignee answered with a verdict or a source", async () => {
    const { article, author, checker, other, claimId } = await deskWithClaim();
    await author.put(`/api/annotations/${claimId}/assignment`, { assignees: [checker.user.id, other.user.id], dueAt: DUE });
    const reply = (client: TestClient, body: unknown) => client.post(`/api/annotations/${claimId}/replies`, body);
    const progress = async () => (await assignmentsOf(checker))[0].progress;

    expect((await reply(checker, { body: "I think this is wrong." })).status).toBe(201);
    expect(await progress()).toEqual({ answered: 0, total: 2, done: false });
    expect(await assignmentsOf(checker, "?open=true")).toHaveLength(1);

    const verdict = await reply(checker, { factcheck: { claim: "Sanctions tripled trade", verdict: "false", sources: [{ url: "https://stats.example/trade" }] } });
    expect(verdict.status).toBe(201);
    expect(verdict.body).toMatchObject({ kind: "comment", status: "published", parentId: claimId });
    expect(await progress()).toEqual({ answered: 1, total: 2, done: false });
    expect(await assignmentsOf(checker, "?open=true")).toEqual([]);

    await reply(other, { body: "Customs data: https://customs.example/2024" });
    expect(await progress()).toEqual({ answered: 2, total: 2, done: true });

    // The live document and the projection agree, through the same rule.
    const watcher = live.open(article.sync.room, author.token);
    await watcher.synced;
    const all = readAnnotations(watcher.doc);
    expect(assignmentProgress(all.find((a) => a.id === claimId)!, all).done).toBe(true);
  });
});
