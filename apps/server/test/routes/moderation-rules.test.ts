import { SYNC_CLOSE_CODES, annotationsOf, buildTarget, createAnnotation, readAnnotation, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";

/**
 * Moderation as a state machine that holds on every path (docs/sync.md,
 * "What you may write"): what a moderator decided stays decided, whether the
 * author tries REST or the socket.
 */
const live = liveServer();
type Person = Awaited<ReturnType<typeof signUp>>;

async function group(moderation: "open" | "pre", quorum = 1) {
  const app = live.t.app;
  const [owner, author, other] = (await Promise.all(["Owner", "Author", "Other"].map((n) => signUp(app, n)))) as [Person, Person, Person];
  const g = await createGroup(owner, "Desk", moderation);
  for (const who of [author, other]) await addMember(owner, g.id, who, "annotator");
  if (quorum > 1) expect((await owner.patch(`/api/groups/${g.id}`, { reviewQuorum: quorum })).status).toBe(200);
  const imported = await owner.post(`/api/groups/${g.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId = imported.body.id as string;
  const article = (await owner.get(`/api/articles/${articleId}`)).body as { sync: { room: string } };
  return { owner, author, other, group: g, articleId, room: article.sync.room };
}

const statusOf = (doc: import("yjs").Doc, id: string) => {
  const map = annotationsOf(doc).get(id);
  return map ? readAnnotation(map).status : null;
};

describe("moderation holds on every path", () => {
  it("refuses an author who un-hides, over the socket or REST, and logs nothing", async () => {
    const d = await group("open");
    const created = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "to be hidden" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await d.owner.post(`/api/annotations/${id}/hide`)).status).toBe(200);
    const logBefore = (await d.owner.get(`/api/groups/${d.group.id}/moderation/log`)).body;

    // Hidden threads are out of the author's REST view: 404, as for an id that never existed.
    expect((await d.author.patch(`/api/annotations/${id}`, { status: "published" })).status).toBe(404);
    // Hidden work is out of the members' document, the author's socket included: there is nothing to
    // edit, and writing it back under its id is refused.
    const socket = live.open(d.room, tokenOf(d.author));
    await socket.synced;
    expect(annotationsOf(socket.doc).has(id)).toBe(false);
    createAnnotation(socket.doc, { id, kind: "comment", authorId: d.author.user.id, body: "to be hidden", status: "published" });
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 2_000);
    expect((await d.owner.get(`/api/annotations/${id}`)).body).toMatchObject({ status: "hidden" });
    expect((await d.owner.get(`/api/groups/${d.group.id}/moderation/log`)).body).toEqual(logBefore);
  });

  it("refuses an author's edit of what a moderator approved in a pre-moderated group, over REST and the socket", async () => {
    const d = await group("pre");
    const submitted = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "approved words" });
    expect(submitted.body).toMatchObject({ status: "pending", visibility: "private" });
    const id = submitted.body.id as string;
    expect((await d.owner.post(`/api/annotations/${id}/approve`)).status).toBe(200);
    expect((await d.author.get(`/api/annotations/${id}`)).body).toMatchObject({ status: "published", visibility: "group" });

    const rest = await d.author.patch(`/api/annotations/${id}`, { body: "rewritten after approval" });
    expect(rest.status).toBe(403);
    expect(rest.body.error.message).toMatch(/pre-moderated/);
    const socket = live.open(d.room, tokenOf(d.author));
    await socket.synced;
    updateAnnotation(socket.doc, id, { body: "rewritten over the socket" });
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 2_000);
    expect((await d.other.get(`/api/annotations/${id}`)).body).toMatchObject({ body: "approved words" });
    // Withdrawing stays possible.
    expect((await d.author.delete(`/api/annotations/${id}`)).status).toBe(204);
  });

  it("keeps a published fact-check's row when its author writes the same id into their private document", async () => {
    const d = await group("open");
    const created = await d.owner.post(`/api/articles/${d.articleId}/annotations`, {
      kind: "factcheck",
      body: "checked",
      target: buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1),
      factcheck: { claim: "a claim", verdict: "false", sources: [{ url: "https://example.org/s" }] },
      status: "published",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const article = (await d.owner.get(`/api/articles/${d.articleId}`)).body as { sync: { privateRoom: string } };
    const mine = live.open(article.sync.privateRoom, tokenOf(d.owner), { acks: true });
    await mine.synced;
    createAnnotation(mine.doc, { id, kind: "comment", authorId: d.owner.user.id, body: "shadow", status: "draft" });
    // Acknowledged once committed: its sync step 2, then the shadow.
    await eventually(() => expect(mine.acks.at(-1)).toBe(2), 5_000);
    const seen = await d.other.get(`/api/annotations/${id}`);
    expect(seen.body).toMatchObject({ kind: "factcheck", visibility: "group", factcheck: { verdict: "false" } });
    const claimReview = await d.other.get(`/api/articles/${d.articleId}/export?format=claimreview`);
    expect(JSON.stringify(claimReview.body)).toContain("a claim");
  });

  it("applies a review quorum to a verdict reply, and refuses a verdict on a comment that starts a thread", async () => {
    const d = await group("pre", 2);
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    // At the top of a thread a verdict would be published without review: only a fact-check carries one there.
    const sneaky = await d.author.post(`/api/articles/${d.articleId}/annotations`, {
      kind: "comment",
      body: "a verdict in a comment",
      target,
      factcheck: { claim: "sneaky", verdict: "true", sources: [] },
    });
    expect(sneaky.status).toBe(403);
    expect(sneaky.body.error.message).toContain("only as a reply");
    expect((await d.owner.get(`/api/articles/${d.articleId}/annotations`)).body.annotations).toEqual([]);

    // A question in the group's document; an owner's own fact-check would be a submission of its own here.
    const check = await d.owner.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", target, body: "Is this claim right?" });
    expect([check.status, check.body.visibility]).toEqual([201, "group"]);
    const answer = await d.author.post(`/api/annotations/${check.body.id}/replies`, { body: "my answer", factcheck: { claim: "a claim", verdict: "true", sources: [] } });
    expect(answer.status).toBe(201);
    const early = await d.owner.post(`/api/annotations/${answer.body.id}/approve`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("quorum_not_reached");
  });

  it("refuses a verdict added later to a comment that starts a thread, over REST and the socket", async () => {
    const d = await group("open");
    const comment = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "plain" });
    expect(comment.status).toBe(201);
    const patched = await d.author.patch(`/api/annotations/${comment.body.id}`, { factcheck: { claim: "x", verdict: "false", sources: [] } });
    expect(patched.status).toBe(403);
    const socket = live.open(d.room, tokenOf(d.author));
    await socket.synced;
    updateAnnotation(socket.doc, comment.body.id, { factcheck: { claim: "x", verdict: "false", sources: [] } });
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 2_000);
    expect((await d.other.get(`/api/annotations/${comment.body.id}`)).body.factcheck ?? null).toBeNull();
  });

  it("keeps threads one level deep, so that hiding a thread's first annotation withholds every reply", async () => {
    const d = await group("open");
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    const root = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "root", target });
    const reply = await d.other.post(`/api/annotations/${root.body.id}/replies`, { body: "reply" });
    // Over REST (either route), a reply to a reply joins the thread: it answers the first annotation.
    const nested = await d.author.post(`/api/annotations/${reply.body.id}/replies`, { body: "GRANDCHILD words" });
    expect(nested.status).toBe(201);
    expect(nested.body.parentId).toBe(root.body.id);
    const named = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "GRANDCHILD too", parentId: reply.body.id });
    expect(named.body.parentId).toBe(root.body.id);
    // Over the socket, where nothing can be rewritten, it is refused.
    const socket = live.open(d.room, tokenOf(d.author));
    await socket.synced;
    createAnnotation(socket.doc, { kind: "comment", authorId: d.author.user.id, body: "GRANDCHILD live", parentId: reply.body.id, target });
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 2_000);

    expect((await d.owner.post(`/api/annotations/${root.body.id}/hide`, { reason: "off topic" })).status).toBe(200);
    for (const id of [reply.body.id, nested.body.id, named.body.id]) expect((await d.other.get(`/api/annotations/${id}`)).status).toBe(404);
    const listed = await d.other.get(`/api/articles/${d.articleId}/annotations?q=GRANDCHILD`);
    expect(listed.body.annotations).toEqual([]);
  });

  it("tells nobody of what they could not see: a hidden parent, another group's deleted annotation, someone's deleted note", async () => {
    const d = await group("open");
    const hidden = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "to be hidden" });
    expect((await d.owner.post(`/api/annotations/${hidden.body.id}/hide`)).status).toBe(200);
    const reply = await d.other.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "x", parentId: hidden.body.id });
    expect(reply.status).toBe(400);
    expect(reply.body.error.field).toBe("parentId");

    const deleted = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "deleted" });
    expect((await d.author.delete(`/api/annotations/${deleted.body.id}`)).status).toBe(204);
    const outsider = (await group("open")).author;
    const unknown = await outsider.get(`/api/annotations/${crypto.randomUUID()}`);
    const gone = await outsider.get(`/api/annotations/${deleted.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(unknown.body.error.message);
    expect((await d.other.get(`/api/annotations/${deleted.body.id}`)).status).toBe(410);

    const note = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "my note", visibility: "private" });
    expect((await d.author.delete(`/api/annotations/${note.body.id}`)).status).toBe(204);
    expect((await d.other.get(`/api/annotations/${note.body.id}`)).status).toBe(404);
    expect((await d.author.get(`/api/annotations/${note.body.id}`)).status).toBe(410);
  });

  it("still refuses an author who hides their own work", async () => {
    const d = await group("open");
    const created = await d.author.post(`/api/articles/${d.articleId}/annotations`, { kind: "comment", body: "mine" });
    const res = await d.author.patch(`/api/annotations/${created.body.id}`, { status: "hidden" });
    expect(res.status).toBe(403);
    const socket = live.open(d.room, tokenOf(d.other));
    await socket.synced;
    expect(statusOf(socket.doc, created.body.id)).toBe("published");
  });
});

describe("references stay within their article", () => {
  it("notifies no one when a reply names a parent in another group's article", async () => {
    const mine = await group("open");
    const theirs = await group("open");
    const victim = await theirs.author.post(`/api/articles/${theirs.articleId}/annotations`, { kind: "comment", body: "elsewhere" });
    const socket = live.open(mine.room, tokenOf(mine.author));
    await socket.synced;
    createAnnotation(socket.doc, { kind: "comment", authorId: mine.author.user.id, body: "a reply across groups", parentId: victim.body.id });
    // The reply is stored (a reply may outlive its thread), and notifications are written in its commit.
    await eventually(async () => {
      const listed = await mine.owner.get(`/api/articles/${mine.articleId}/annotations`);
      expect(listed.body.annotations.map((a: { body: string }) => a.body)).toContain("a reply across groups");
    }, 5_000);
    const notes = (await theirs.author.get("/api/me/notifications")).body;
    expect(JSON.stringify(notes)).not.toContain("a reply across groups");
    expect(notes.notifications).toEqual([]);
  });
});
