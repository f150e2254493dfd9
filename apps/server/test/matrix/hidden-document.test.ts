import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation, hiddenRoom, setVote, updateAnnotation, votesOf, withheldOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { type SyncClient, eventually } from "../support/sync-client.ts";

/**
 * Hidden work leaves the members' document (docs/architecture.md, "Documents follow audiences"): a
 * hidden annotation, its replies and votes move into the article's hidden
 * document, which only moderators join, and an unhide brings the thread back
 * under the same ids. Members' sockets, open before and after, never carry it.
 */
const live = liveServer({ sync: { accessCheckMs: 250 } });
const closedWith = (client: SyncClient, code: number) => eventually(() => expect(client.closes.map((c) => c.code)).toContain(code), 5_000);
/** Everything a socket holds, as bytes: hidden text must not be anywhere in it, deleted items included. */
const holds = (client: SyncClient, text: string) => Buffer.from(Y.encodeStateAsUpdate(client.doc)).includes(Buffer.from(text));

async function thread() {
  const setup = await articleWithMembers(live.t.app, ["moderator", "annotator", "viewer"]);
  const [moderator, annotator, viewer] = setup.members as [(typeof setup.members)[0], (typeof setup.members)[0], (typeof setup.members)[0]];
  const secret = `offending text ${crypto.randomUUID()}`;
  const root = await annotator.post(`/api/articles/${setup.article.id}/annotations`, { kind: "comment", body: secret });
  expect(root.status).toBe(201);
  const reply = await viewer.post(`/api/annotations/${root.body.id}/replies`, { body: "a viewer cannot reply" });
  expect(reply.status).toBe(403);
  const answer = await moderator.post(`/api/annotations/${root.body.id}/replies`, { body: `reply ${secret}` });
  expect(answer.status).toBe(201);
  expect((await moderator.put(`/api/annotations/${root.body.id}/vote`, { value: "agree" })).status).toBe(200);
  return { ...setup, moderator, annotator, viewer, secret, rootId: root.body.id as string, replyId: answer.body.id as string };
}

describe("hidden work leaves the members' document", () => {
  it("moves a hidden thread out of every member's socket, into the moderators' hidden document, and back on unhide", async () => {
    const t = await thread();
    const members = [t.annotator, t.viewer].map((m) => live.open(t.article.sync.room, m.token));
    const hiddenDoc = live.open(hiddenRoom(t.article.id), t.moderator.token);
    await Promise.all([...members, hiddenDoc].map((c) => c.synced));
    for (const m of members) expect(annotationsOf(m.doc).has(t.rootId)).toBe(true);
    expect(holds(members[0]!, t.secret)).toBe(true);

    expect((await t.moderator.post(`/api/annotations/${t.rootId}/hide`)).status).toBe(200);
    for (const m of members) {
      await eventually(() => expect([annotationsOf(m.doc).has(t.rootId), annotationsOf(m.doc).has(t.replyId)]).toEqual([false, false]), 3_000);
      expect([...votesOf(m.doc).keys()].some((k) => k.startsWith(t.rootId))).toBe(false);
    }
    await eventually(() => expect(annotationsOf(hiddenDoc.doc).get(t.rootId)?.get("status")).toBe("hidden"), 3_000);
    expect(annotationsOf(hiddenDoc.doc).has(t.replyId)).toBe(true);
    expect(votesOf(hiddenDoc.doc).size).toBe(1);

    // A member who joins now receives none of it, not even as deleted content.
    const late = live.open(t.article.sync.room, t.viewer.token);
    await late.synced;
    expect(holds(late, t.secret)).toBe(false);
    expect(withheldOf(late.doc).has(t.rootId)).toBe(true);
    // Listings agree: moderators see it hidden, members not at all.
    expect((await t.moderator.get(`/api/annotations/${t.rootId}`)).body.status).toBe("hidden");
    expect((await t.annotator.get(`/api/annotations/${t.rootId}`)).status).toBe(404);

    expect((await t.moderator.post(`/api/annotations/${t.rootId}/unhide`)).status).toBe(200);
    for (const m of [...members, late]) {
      await eventually(() => expect(annotationsOf(m.doc).get(t.rootId)?.get("status")).toBe("published"), 3_000);
      expect(annotationsOf(m.doc).has(t.replyId)).toBe(true);
      expect(votesOf(m.doc).size).toBe(1);
      expect(withheldOf(m.doc).has(t.rootId)).toBe(false);
    }
    await eventually(() => expect(annotationsOf(hiddenDoc.doc).size).toBe(0), 3_000);
    const back = await t.annotator.get(`/api/annotations/${t.rootId}`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ body: t.secret, status: "published" });
  });

  it("tells nobody of a reply written to a thread after it was hidden, nor whom it mentions", async () => {
    const t = await thread();
    // A client that has not heard of the hide yet: its copy still holds the thread.
    const stale = live.open(t.article.sync.room, t.moderator.token);
    await stale.synced;
    stale.provider.disconnect();
    expect((await t.moderator.post(`/api/annotations/${t.rootId}/hide`)).status).toBe(200);
    const moderatorId = (await t.moderator.get(`/api/articles/${t.article.id}`)).body.memberId as string;
    const handle = t.viewer.email.split("@")[0];
    const late = createAnnotation(stale.doc, { kind: "comment", authorId: moderatorId, body: `late word for @${handle}`, parentId: t.rootId });
    stale.provider.connect();
    // Taken, then moved after its thread into the hidden document.
    const hiddenDoc = live.open(hiddenRoom(t.article.id), t.moderator.token);
    await eventually(() => expect(annotationsOf(hiddenDoc.doc).has(late)).toBe(true), 5_000);
    for (const member of [t.annotator, t.viewer]) {
      const told = (await member.get("/api/me/notifications")).body.notifications as Array<{ annotationId: string }>;
      expect(told.filter((n) => n.annotationId === late)).toEqual([]);
    }
  });

  it("moves what a moderator hides over a socket, and refuses a member re-creating its id", async () => {
    const t = await thread();
    const moderatorSocket = live.open(t.article.sync.room, t.moderator.token);
    const member = live.open(t.article.sync.room, t.annotator.token);
    await Promise.all([moderatorSocket.synced, member.synced]);
    updateAnnotation(moderatorSocket.doc, t.rootId, { status: "hidden" });
    await eventually(() => expect(annotationsOf(member.doc).has(t.rootId)).toBe(false), 3_000);
    expect((await t.moderator.get(`/api/annotations/${t.rootId}`)).body).toMatchObject({ status: "hidden", body: t.secret });

    // Logged as the REST step is, and the author told.
    const logged = async () => (await t.moderator.get(`/api/groups/${t.group.id}/moderation/log`)).body.entries as Array<Record<string, unknown>>;
    const moderatorId = (await t.moderator.get(`/api/articles/${t.article.id}`)).body.memberId as string;
    await eventually(async () => {
      expect(await logged()).toContainEqual(
        expect.objectContaining({ annotationId: t.rootId, action: "hide", oldStatus: "published", newStatus: "hidden", actor: expect.objectContaining({ id: moderatorId }) }),
      );
    }, 3_000);
    const told = (await t.annotator.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string }>;
    expect(told).toContainEqual(expect.objectContaining({ kind: "moderation", annotationId: t.rootId }));

    // Re-creating the id would shadow the hidden one (and could take its place on unhide).
    createAnnotation(member.doc, { id: t.rootId, kind: "comment", authorId: t.annotator.user.id, body: "shadow" });
    await closedWith(member, SYNC_CLOSE_CODES.forbidden);
    expect((await t.moderator.get(`/api/annotations/${t.rootId}`)).body.body).toBe(t.secret);

    // The unhide, made in the hidden document, is logged too.
    const hidden = live.open(hiddenRoom(t.article.id), t.moderator.token);
    await hidden.synced;
    await eventually(() => expect(annotationsOf(hidden.doc).has(t.rootId)).toBe(true), 3_000);
    updateAnnotation(hidden.doc, t.rootId, { status: "published" });
    await eventually(async () => {
      expect((await logged()).map((e) => e.action)).toContain("unhide");
      expect((await t.annotator.get(`/api/annotations/${t.rootId}`)).status).toBe(200);
    }, 3_000);
  });

  it("leaves the hidden document unloaded while members' changes stay visible", async () => {
    const setup = await articleWithMembers(live.t.app, ["annotator"]);
    const socket = live.open(setup.article.sync.room, setup.members[0]!.token);
    await socket.synced;
    createAnnotation(socket.doc, { kind: "comment", body: "an ordinary comment", authorId: setup.members[0]!.user.id });
    await eventually(async () => expect((await setup.members[0]!.get(`/api/articles/${setup.article.id}/annotations`)).body.annotations).toHaveLength(1), 5_000);
    // Checking where each change belongs costs nothing more: nothing moved, so nothing else was loaded.
    expect(live.t.hub.isLoaded(setup.article.sync.room)).toBe(true);
    expect(live.t.hub.isLoaded(hiddenRoom(setup.article.id))).toBe(false);
  });

  it("admits only moderators to the hidden document, and closes it for a moderator who is demoted", async () => {
    const t = await thread();
    const annotator = live.open(hiddenRoom(t.article.id), t.annotator.token);
    await closedWith(annotator, SYNC_CLOSE_CODES.forbidden);
    const moderator = live.open(hiddenRoom(t.article.id), t.moderator.token);
    await moderator.synced;
    expect((await t.owner.patch(`/api/groups/${t.group.id}/members/${t.moderator.user.id}`, { role: "annotator" })).status).toBe(200);
    await closedWith(moderator, SYNC_CLOSE_CODES.forbidden);
  });

  it("keeps members from writing into the hidden document even when they reach it as moderators", async () => {
    const t = await thread();
    expect((await t.moderator.post(`/api/annotations/${t.rootId}/hide`)).status).toBe(200);
    const socket = live.open(hiddenRoom(t.article.id), t.moderator.token);
    await socket.synced;
    await eventually(() => expect(annotationsOf(socket.doc).has(t.rootId)).toBe(true), 3_000);
    // Votes and new annotations have no place there: a moderator can only move things back.
    setVote(socket.doc, t.rootId, t.moderator.user.id, "disagree");
    await closedWith(socket, SYNC_CLOSE_CODES.forbidden);
  });
});
