import { and, eq } from "drizzle-orm";
import { createAnnotation, notesOf } from "@marginalia/schema";
import { memberIds } from "@marginalia/schema/tables";
import { expect } from "vitest";
import type { Database } from "../../src/db.ts";
import { type TestApp, type TestClient, freshEmail } from "./app.ts";
import { articleWithMembers, seedTarget as target } from "./article.ts";
import { SEED_ARTICLE } from "./fixtures.ts";
import { eventually, openSyncClient } from "./sync-client.ts";

/*
 * The groups backup.test.ts backs up and restores, built through the real app, so that a backup meets
 * every kind of row and document a group in use has.
 */

const fc = (claim: string, verdict: string) => ({ claim, verdict, confidence: 0.7, sources: [{ url: "https://example.org/trade", title: "Trade data" }] });

/**
 * A desk at work, through the real app: fact-checks with verdicts and sources, a thread with a mention,
 * votes, an assignment, a flag and a hide (so a hidden document), a flag dismissed, a private note and notes typed over a
 * socket, an annotation written live, a deletion, a compaction halfway, a revised text, a second article,
 * a pending invitation, and anonymity to peers (so random member ids).
 */
export async function buildBusyGroup(app: TestApp, source: Database, base: string) {
  const desk = await articleWithMembers(app.app, ["annotator", "moderator", "viewer"]);
  const [ann, mod, viewer] = desk.members as [(typeof desk.members)[0], (typeof desk.members)[0], (typeof desk.members)[0]];
  const articleId = desk.article.id;
  const post = async (who: TestClient, body: object) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, body);
    if (res.status !== 201) throw new Error(`annotation: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const ok = (res: { status: number; body: any }, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  // A seminar's setting, which may change only before the first annotation.
  ok(await desk.owner.patch(`/api/groups/${desk.group.id}`, { anonymousToPeers: true }), "settings");
  // Documents, and what clients send, name members by member id: random ones now.
  const [member] = await source.db.select().from(memberIds).where(and(eq(memberIds.groupId, desk.group.id), eq(memberIds.userId, ann.user.id)));
  const annMemberId = member!.memberId;
  const claim = await post(desk.owner, { kind: "factcheck", body: "Compared with trade data", target: target(200, "West"), tags: ["iran"], factcheck: fc("The revival is ineffective", "misleading") });
  const comment = await post(ann, { kind: "comment", body: "Sanctions on banking are the key lever", target: target(10, "Russia"), tags: ["sanctions"], color: "#ffcc00" });
  await post(ann, { kind: "comment", body: "Only for me", target: target(300, "military"), visibility: "private" });
  // A peer is shown pseudonyms, and mentions by the one it is shown.
  const [modMember] = await source.db.select().from(memberIds).where(and(eq(memberIds.groupId, desk.group.id), eq(memberIds.userId, mod.user.id)));
  const shown = (await ann.get(`/api/groups/${desk.group.id}/members`)).body.members as Array<{ id: string; name: string }>;
  const modShownAs = shown.find((m) => m.id === modMember!.memberId)!.name;
  const reply = ok(await ann.post(`/api/annotations/${claim}/replies`, { body: `Agreed, @${modShownAs} should look` }), "reply").body.id as string;
  ok(await mod.post(`/api/annotations/${reply}/replies`, { body: "Looking", factcheck: fc("Trade fell in 2023", "true") }), "nested reply");
  ok(await mod.put(`/api/annotations/${claim}/vote`, { value: "agree" }), "vote");
  ok(await ann.put(`/api/annotations/${claim}/vote`, { value: "disagree" }), "vote");
  ok(await desk.owner.put(`/api/annotations/${claim}/assignment`, { assignees: [annMemberId], dueAt: "2031-01-01T12:00:00.000Z" }), "assignment");
  ok(await mod.post(`/api/annotations/${comment}/resolve`), "resolve");
  const spam = await post(ann, { kind: "comment", body: "Buy now", target: target(500, "Iran") });
  ok(await viewer.post(`/api/annotations/${spam}/flag`, { reason: "Spam" }), "flag");
  ok(await mod.post(`/api/annotations/${spam}/hide`, { reason: "Spam" }), "hide");
  ok(await viewer.post(`/api/annotations/${comment}/flag`, { reason: "Too strong" }), "flag");
  ok(await mod.post(`/api/annotations/${comment}/flags/dismiss`, { reason: "Fair" }), "dismiss");
  const gone = await post(ann, { kind: "highlight", target: target(10, "Russia") });
  ok(await ann.delete(`/api/annotations/${gone}`), "delete");
  await app.hub.compact(desk.article.sync.room);

  // Live: an annotation in the group's document, notes in the annotator's private one, each acknowledged as durable.
  const own = (await ann.get(`/api/articles/${articleId}`)).body.sync as { room: string; privateRoom: string };
  const live = openSyncClient(base, own.room, ann.token, { acks: true });
  const notes = openSyncClient(base, own.privateRoom, ann.token, { acks: true });
  await Promise.all([live.synced, notes.synced]);
  const liveId = createAnnotation(live.doc, { kind: "comment", authorId: annMemberId, body: "Written over the socket", target: target(10, "Russia"), tags: ["live"] });
  notesOf(notes.doc).insert(0, "Notes typed live: check the 2022 figures.");
  await eventually(() => {
    expect(live.acks.at(-1)).toBeGreaterThanOrEqual(2);
    expect(notes.acks.at(-1)).toBeGreaterThanOrEqual(2);
  }, 5_000);

  ok(await desk.owner.put(`/api/articles/${articleId}/text`, `${SEED_ARTICLE}\nA correction was added.`, { "content-type": "text/plain" }), "revision");
  const second = ok(await desk.owner.post(`/api/groups/${desk.group.id}/articles`, { format: "markdown", title: "Notes", content: "# Notes\n\nA second article." }), "article").body.id as string;
  ok(await desk.owner.post(`/api/groups/${desk.group.id}/invitations`, { email: freshEmail("invitee"), role: "annotator" }), "invitation");
  const listing = (await desk.owner.get(`/api/articles/${articleId}/annotations?sort=created&order=asc`)).body;
  return { desk, ann, articleId, second, liveId, hiddenId: spam, goneId: gone, listing, sockets: [live, notes] };
}

/** A small group whose annotator will already have an account (under another id) where it is restored. */
export async function buildSmallGroup(app: TestApp) {
  const desk = await articleWithMembers(app.app, ["annotator"]);
  const ann = desk.members[0]!;
  const body = { kind: "comment", body: "Mine", target: target(10, "Russia") };
  const shared = (await ann.post(`/api/articles/${desk.article.id}/annotations`, body)).body.id as string;
  await ann.post(`/api/articles/${desk.article.id}/annotations`, { ...body, visibility: "private" });
  return { desk, ann, shared };
}
