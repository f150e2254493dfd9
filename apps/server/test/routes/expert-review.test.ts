import { SYNC_CLOSE_CODES, buildTarget, createAnnotation, groupRoom, privateRoom, readAnnotations, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";
import { checkedRequest } from "../support/openapi.ts";

const live = liveServer();
type Person = Awaited<ReturnType<typeof signUp>>;

/** A pre-moderated desk that needs two independent fact-checks per passage. */
async function desk() {
  const app = live.t.app;
  const [owner, moderator, first, second, third] = (await Promise.all(
    ["Owner", "Moderator", "First reviewer", "Second reviewer", "Third reviewer"].map((n) => signUp(app, n)),
  )) as [Person, Person, Person, Person, Person];
  const group = await createGroup(owner, "Review desk", "pre");
  for (const [who, role] of [[moderator, "moderator"], [first, "annotator"], [second, "annotator"], [third, "annotator"]] as const) {
    await addMember(owner, group.id, who, role);
  }
  expect((await owner.patch(`/api/groups/${group.id}`, { reviewQuorum: 2 })).body).toMatchObject({ reviewQuorum: 2, moderation: "pre" });
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId = imported.body.id as string;
  const check = async (who: Person, range: { start: number; end: number }, verdict: string, claim: string) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, {
      kind: "factcheck",
      body: `Notes on ${claim}`,
      target: buildTarget(SEED_ARTICLE, range, 1),
      factcheck: { claim, verdict, sources: [{ url: "https://example.org/source" }] },
    });
    expect(res.body).toMatchObject({ visibility: "private", status: "pending" });
    return res.body.id as string;
  };
  return { owner, moderator, first, second, third, group, articleId, check };
}

type Desk = Awaited<ReturnType<typeof desk>>;

/** What `who` can learn about an annotation through REST, search, W3C and every export, as raw text. */
async function everythingSeenBy(d: Desk, who: Person, id: string, claimWord: string) {
  const get = async (path: string) => {
    const res = await checkedRequest(live.t.app, path, { headers: { cookie: who.cookie!, "x-forwarded-for": who.ip } });
    return { status: res.status, text: await res.text() };
  };
  const listed = [
    `/api/articles/${d.articleId}/annotations`,
    `/api/articles/${d.articleId}/annotations?q=${claimWord}`,
    `/w3c/articles/${d.articleId}/`,
    ...["csv", "markdown", "w3c", "claimreview"].flatMap((f) => [
      `/api/articles/${d.articleId}/export?format=${f}`,
      `/api/groups/${d.group.id}/export?format=${f}`,
    ]),
    "/api/me/notifications",
  ];
  const bodies = await Promise.all(listed.map(get));
  const direct = await Promise.all([get(`/api/annotations/${id}`), get(`/w3c/articles/${d.articleId}/${id}`)]);
  return { listed: bodies.map((b) => b.text).join("\n"), direct: direct.map((b) => b.status) };
}

describe("expert review: a quorum of blind fact-checks per passage", () => {
  it("refuses to publish before the quorum, keeps reviews blind, then reveals the whole passage at once", async () => {
    const d = await desk();
    const passage = { start: 120, end: 180 };
    const a = await d.check(d.first, passage, "false", "Zanzibarian tariffs tripled");
    const elsewhere = await d.check(d.third, { start: 600, end: 660 }, "true", "Elsewhere");

    const early = await d.moderator.post(`/api/annotations/${a}/approve`);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: "quorum_not_reached", message: expect.stringContaining("1 of 2") });

    // The second reviewer, before and after submitting, learns nothing of the first one's verdict.
    const groupDoc = live.open(groupRoom(d.articleId), tokenOf(d.second));
    const snoop = live.open(privateRoom(d.articleId, d.first.user.id), tokenOf(d.second));
    await groupDoc.synced;
    await eventually(() => expect(snoop.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 2_000);
    expect(readAnnotations(snoop.doc)).toEqual([]);
    const blind = async () => {
      const seen = await everythingSeenBy(d, d.second, a, "Zanzibarian");
      expect(seen.listed).not.toContain(a);
      expect(seen.listed).not.toContain("Zanzibarian");
      expect(seen.direct).toEqual([404, 404]);
      expect(readAnnotations(groupDoc.doc)).toEqual([]);
    };
    await blind();
    const b = await d.check(d.second, { start: 124, end: 176 }, "mostly-true", "Tariffs rose");
    await blind();

    const queue = (await d.moderator.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items as Array<{
      annotation: { id: string };
      passage: { id: string; reviews: number; quorum: number; ready: boolean } | null;
    }>;
    expect(queue.map((i) => [i.annotation.id, i.passage])).toEqual([
      [a, { id: a, reviews: 2, quorum: 2, ready: true }],
      [b, { id: a, reviews: 2, quorum: 2, ready: true }],
      [elsewhere, { id: elsewhere, reviews: 1, quorum: 2, ready: false }],
    ]);

    await d.second.patch(`/api/annotations/${b}`, { body: "Revised notes" });
    for (const moderator of [d.moderator, d.owner]) {
      const notes = (await moderator.get("/api/me/notifications")).body.notifications;
      expect(notes).toEqual([expect.objectContaining({ kind: "review", annotationId: a, articleId: d.articleId, data: expect.objectContaining({ reviews: 2, quorum: 2 }) })]);
    }
    expect((await d.second.get("/api/me/notifications")).body.notifications).toEqual([]);

    const published = await d.moderator.post(`/api/annotations/${b}/approve`);
    expect(published.status).toBe(200);
    await eventually(() => {
      const verdicts = readAnnotations(groupDoc.doc).map((x) => [x.id, x.status, x.factcheck?.verdict]);
      expect(verdicts.sort()).toEqual([[a, "published", "false"], [b, "published", "mostly-true"]].sort());
    }, 2_000);
    const seen = await everythingSeenBy(d, d.second, a, "Zanzibarian");
    expect(seen.direct).toEqual([200, 200]);
    expect(seen.listed).toContain("Zanzibarian");
    const log = (await d.moderator.get(`/api/groups/${d.group.id}/moderation/log`)).body.entries;
    expect(log.filter((e: { action: string }) => e.action === "approve").map((e: { annotationId: string }) => e.annotationId).sort()).toEqual([a, b].sort());
    const left = (await d.moderator.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items;
    expect(left.map((i: { annotation: { id: string } }) => i.annotation.id)).toEqual([elsewhere]);
    expect((await d.moderator.post(`/api/annotations/${elsewhere}/approve`)).body.error.code).toBe("quorum_not_reached");
  });

  it("binds moderators too: their fact-check is one more review, and no path publishes a verdict before the quorum", async () => {
    const d = await desk();
    const passage = { start: 120, end: 180 };
    const own = await d.check(d.moderator, passage, "false", "A moderator's own verdict");
    const target = buildTarget(SEED_ARTICLE, passage, 1);
    const factcheck = { claim: "Straight to the group", verdict: "true" as const, sources: [] };
    // Over REST a verdict asked for the group's document, or published, is refused: in a review board it is a
    // submission, and stored where placement puts it, it was a private note in its author's private document.
    const direct = await d.moderator.post(`/api/articles/${d.articleId}/annotations`, { kind: "factcheck", visibility: "group", status: "published", target, factcheck });
    expect([direct.status, direct.body.error.field]).toEqual([403, "visibility"]);
    const published = await d.moderator.post(`/api/articles/${d.articleId}/annotations`, { kind: "factcheck", status: "published", target, factcheck });
    expect([published.status, published.body.error.field]).toEqual([403, "status"]);

    // On the socket no verdict enters the group's document by hand, in any status: published, pending (which a
    // later step would publish, and everyone would read meanwhile), or added to a comment that had none.
    const socket = live.open(groupRoom(d.articleId), tokenOf(d.moderator));
    await socket.synced;
    createAnnotation(socket.doc, { kind: "factcheck", authorId: d.moderator.user.id, status: "published", target, factcheck });
    await eventually(() => expect(socket.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    const pending = live.open(groupRoom(d.articleId), tokenOf(d.owner));
    await pending.synced;
    createAnnotation(pending.doc, { kind: "factcheck", authorId: d.owner.user.id, status: "pending", target, factcheck });
    await eventually(() => expect(pending.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);

    const question = await d.owner.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", target, body: "Is this right?" });
    const reply = await d.owner.post(`/api/annotations/${question.body.id}/replies`, { body: "Looking into it" });
    expect([reply.status, reply.body.visibility]).toEqual([201, "group"]);
    const patched = await d.owner.patch(`/api/annotations/${reply.body.id}`, { factcheck, status: "published" });
    expect(patched.status).toBe(403);
    const later = live.open(groupRoom(d.articleId), tokenOf(d.owner));
    await later.synced;
    updateAnnotation(later.doc, reply.body.id, { factcheck });
    await eventually(() => expect(later.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    expect((await d.first.get(`/api/annotations/${reply.body.id}`)).body.factcheck ?? null).toBeNull();

    // A moderator's verdict reply is a submission, as their fact-check is.
    const answer = await d.moderator.post(`/api/annotations/${question.body.id}/replies`, { body: "My answer", factcheck });
    expect([answer.status, answer.body.visibility, answer.body.status]).toEqual([201, "private", "pending"]);

    // The reveal still works once another member has reviewed the passage, and publishes the moderator's review with it.
    await d.check(d.first, passage, "mostly-false", "Another reviewer's verdict");
    expect((await d.owner.post(`/api/annotations/${own}/approve`)).status).toBe(200);
    expect((await d.owner.get(`/api/annotations/${own}`)).body).toMatchObject({ status: "published", visibility: "group" });
  });

  it("tells open sockets of a quorum raised while they are open, at once, and holds the next one to it", async () => {
    const d = await desk();
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 1 })).status).toBe(200);
    const socket = live.open(groupRoom(d.articleId), tokenOf(d.moderator));
    await socket.synced;
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 2 })).status).toBe(200);
    // Closed so that its client reads the settings again before it places more work.
    await eventually(() => expect(socket.closes[0]?.code).toBe(SYNC_CLOSE_CODES.settingsChanged), 5_000);
    const again = live.open(groupRoom(d.articleId), tokenOf(d.moderator));
    await again.synced;
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    createAnnotation(again.doc, { kind: "factcheck", authorId: d.moderator.user.id, status: "published", target, factcheck: { claim: "c", verdict: "true", sources: [] } });
    await eventually(() => expect(again.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
  });

  it("does not publish a verdict left pending in the group's document from before the quorum, by hiding and unhiding it", async () => {
    const d = await desk();
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 1 })).status).toBe(200);
    const socket = live.open(groupRoom(d.articleId), tokenOf(d.moderator));
    await socket.synced;
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    const left = createAnnotation(socket.doc, { kind: "factcheck", authorId: d.moderator.user.id, status: "pending", target, factcheck: { claim: "c", verdict: "true", sources: [] } });
    await eventually(async () => expect((await d.owner.get(`/api/annotations/${left}`)).status).toBe(200), 5_000);
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 2 })).status).toBe(200);

    const hide = await d.owner.post(`/api/annotations/${left}/hide`);
    expect([hide.status, hide.body.error?.code]).toEqual([409, "quorum_not_reached"]);
    const again = live.open(groupRoom(d.articleId), tokenOf(d.moderator));
    await again.synced;
    updateAnnotation(again.doc, left, { status: "hidden" });
    await eventually(() => expect(again.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    expect((await d.owner.get(`/api/annotations/${left}`)).body.status).toBe("pending");
  });

  it("counts no review of someone removed from the group, and reveals none", async () => {
    const d = await desk();
    const gone = await d.check(d.second, { start: 120, end: 180 }, "mixed", "Departed");
    expect((await d.owner.delete(`/api/groups/${d.group.id}/members/${d.second.user.id}`)).status).toBe(204);
    const a = await d.check(d.first, { start: 120, end: 180 }, "false", "Stays");
    const res = await d.moderator.post(`/api/annotations/${a}/approve`);
    expect(res.body.error).toMatchObject({ code: "quorum_not_reached", message: expect.stringContaining("1 of 2") });
    const queue = await d.moderator.get(`/api/groups/${d.group.id}/moderation/queue`);
    expect(queue.body.items.map((i: { annotation: { id: string } }) => i.annotation.id)).toEqual([a]);
    expect((await d.owner.get(`/api/annotations/${gone}`)).status).toBe(404);
  });

  it("counts one reviewer once, however many fact-checks they submit on the passage", async () => {
    const d = await desk();
    const a = await d.check(d.first, { start: 120, end: 180 }, "false", "Once");
    await d.check(d.first, { start: 122, end: 178 }, "mixed", "Twice");
    const res = await d.moderator.post(`/api/annotations/${a}/approve`);
    expect(res.body.error).toMatchObject({ code: "quorum_not_reached" });
    expect((await d.moderator.get("/api/me/notifications")).body.notifications).toEqual([]);
  });

  it("validates the settings: owners only, a quorum of 1 to 10, and only in pre-moderated groups", async () => {
    const d = await desk();
    const settings = (who: Person, body: object, groupId = d.group.id) => who.patch(`/api/groups/${groupId}`, body);
    expect((await settings(d.moderator, { reviewQuorum: 3 })).status).toBe(403);
    for (const bad of [{ reviewQuorum: 0 }, { reviewQuorum: 11 }, { reviewQuorum: 2.5 }, { moderation: "open" }, {}]) {
      const res = await settings(d.owner, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.message.length).toBeGreaterThan(5);
    }
    const open = await createGroup(d.owner, "Open desk");
    const refused = await settings(d.owner, { reviewQuorum: 2 }, open.id);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ field: "reviewQuorum", message: expect.stringContaining("pre-moderated") });
    expect((await settings(d.owner, { anonymousToPeers: true }, open.id)).body).toMatchObject({ anonymousToPeers: true, reviewQuorum: 1 });
    const listed = (await d.owner.get("/api/groups")).body.groups.find((g: { id: string }) => g.id === d.group.id);
    expect(listed).toMatchObject({ reviewQuorum: 2, anonymousToPeers: false });
  });
});
