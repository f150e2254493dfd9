import { annotationsOf, createAnnotation, groupRoom, updateAnnotation } from "@marginalia/schema";
import { sql } from "drizzle-orm";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";

/**
 * A member demoted or removed while their socket's work is on its way to the database (docs/architecture.md,
 * "Roles at the commit"). A second hub on the same database stands for another process whose access events
 * never arrive (no relay, or a relay that hangs), and its group commit waits until the test flushes it: the
 * change of role is made between a write reaching that hub's live document and its commit. Its sockets keep
 * the role they joined with, as a socket does until it hears.
 */
const live = liveServer();
/** Longer than any test: the held hub commits only when flushed. */
const HELD_MS = 3_600_000;
let held: TestApp;
let heldUrl = "";
const sockets: SyncClient[] = [];

beforeAll(async () => {
  held = await createTestApp({ database: live.t.database, sync: { commitWindowMs: HELD_MS } });
  heldUrl = await held.listen();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await held?.close();
});

type Person = Awaited<ReturnType<typeof signUp>>;

async function desk(role: "annotator" | "moderator") {
  const owner = await signUp(live.t.app, "Owner");
  const member = await signUp(live.t.app, "Member");
  const other = await signUp(live.t.app, "Other");
  const group = await createGroup(owner, "Desk");
  await addMember(owner, group.id, member, role);
  await addMember(owner, group.id, other, "annotator");
  const importArticle = async () => (await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" })).body.id as string;
  const articleId = await importArticle();
  const memberId = (await member.get(`/api/articles/${articleId}`)).body.memberId as string;
  const otherId = (await other.get(`/api/articles/${articleId}`)).body.memberId as string;
  return { owner, member, other, group, articleId, memberId, otherId, importArticle };
}

async function openHeld(articleId: string, who: Person) {
  const socket = openSyncClient(heldUrl, groupRoom(articleId), tokenOf(who), { acks: true });
  sockets.push(socket);
  await socket.synced;
  // What earlier tests left queued is written first, so that the updates counted next are this socket's.
  await held.hub.committer.flush();
  return socket;
}

/** Holds until the held hub has at least `n` updates queued for its commit, not yet written (opened after a flush: `openHeld`). */
const queued = (n: number) => eventually(() => expect(held.hub.committer.pending).toBeGreaterThanOrEqual(n), 5_000);

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await live.t.database.db.execute(query)) as unknown as T[];
}

async function annotationsBy(groupId: string, account: string) {
  return rows<{ id: string; status: string; resolved: boolean }>(sql`select id, status, resolved from annotations where group_id = ${groupId} and author_id = ${account} order by created_at`);
}

describe("a writer's role is checked as their socket's update commits", () => {
  it("stores nothing a removed member's socket wrote after the removal, closes it 4403, and keeps another member's write of the same batch", async () => {
    const { owner, member, other, group, articleId, memberId, otherId, importArticle } = await desk("annotator");
    const elsewhere = await importArticle();
    const socket = await openHeld(articleId, member);
    const bystander = await openHeld(elsewhere, other);
    createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Written after the removal" });
    createAnnotation(bystander.doc, { kind: "comment", authorId: otherId, body: "Written beside it" });
    await queued(2);

    // The held hub never hears of the removal: only the commit can tell.
    expect((await owner.delete(`/api/groups/${group.id}/members/${memberId}`)).status).toBe(204);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    expect(await annotationsBy(group.id, member.user.id)).toEqual([]);
    // Its bytes are logged (later updates may build on them), with the server's deletion after them: a load lacks it.
    await held.hub.committer.flush();
    const reader = live.open(groupRoom(articleId), tokenOf(owner));
    await reader.synced;
    expect([...annotationsOf(reader.doc).keys()]).toEqual([]);
    // The other writer of the batch, on another document, is neither refused nor closed.
    expect(await annotationsBy(group.id, other.user.id)).toHaveLength(1);
    expect(bystander.closes).toEqual([]);
  });

  it("refuses a demoted annotator's new comment alone: only their sockets close, and everyone else's writes queued with it are stored", async () => {
    const { owner, member, other, group, articleId, memberId, otherId } = await desk("annotator");
    const socket = await openHeld(articleId, member);
    const second = await openHeld(articleId, member);
    const bystander = await openHeld(articleId, other);
    const before = Y.encodeStateVector(socket.doc);
    createAnnotation(bystander.doc, { kind: "comment", authorId: otherId, body: "Before it" });
    const refused = createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Written as a viewer" });
    const sent = Y.encodeStateAsUpdate(socket.doc, before);
    createAnnotation(bystander.doc, { kind: "comment", authorId: otherId, body: "After it" });
    createAnnotation(bystander.doc, { kind: "comment", authorId: otherId, body: "And after that" });
    await queued(4);
    expect((await owner.patch(`/api/groups/${group.id}/members/${memberId}`, { role: "viewer" })).status).toBe(200);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    // The same account's other socket on the document goes too; the other member's stays, and is acknowledged.
    await eventually(() => expect(second.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    await eventually(() => expect(bystander.acks.at(-1)).toBeGreaterThanOrEqual(3), 5_000);
    expect(bystander.closes).toEqual([]);
    await held.hub.committer.flush();
    expect(await annotationsBy(group.id, member.user.id)).toEqual([]);
    expect(await annotationsBy(group.id, other.user.id)).toHaveLength(3);
    await eventually(() => expect(annotationsOf(bystander.doc).has(refused)).toBe(false), 5_000);
    expect(annotationsOf(bystander.doc).size).toBe(3);

    // Promoted again, the writer's client sends the refused content once more: refused before it is applied.
    expect((await owner.patch(`/api/groups/${group.id}/members/${memberId}`, { role: "annotator" })).status).toBe(200);
    const again = await openHeld(articleId, member);
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, 0);
    syncProtocol.writeUpdate(message, sent);
    again.provider.ws!.send(encoding.toUint8Array(message));
    await eventually(() => expect(again.closes.map((c) => c.code)).toEqual([4422]), 5_000);
    expect(bystander.closes).toEqual([]);
  });

  it("refuses a demoted moderator's resolve and hide of someone else's comment, and logs no step", async () => {
    const { owner, member, other, group, articleId, memberId, otherId } = await desk("moderator");
    const author = await openHeld(articleId, other);
    const id = createAnnotation(author.doc, { kind: "comment", authorId: otherId, body: "Someone else's" });
    await held.hub.committer.flush();
    await eventually(() => expect(author.acks.length).toBeGreaterThan(0), 5_000);

    const socket = await openHeld(articleId, member);
    await eventually(() => expect(socket.doc.getMap("annotations").has(id)).toBe(true), 5_000);
    updateAnnotation(socket.doc, id, { resolved: true });
    updateAnnotation(socket.doc, id, { status: "hidden" });
    await queued(2);
    expect((await owner.patch(`/api/groups/${group.id}/members/${memberId}`, { role: "annotator" })).status).toBe(200);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    expect(await annotationsBy(group.id, other.user.id)).toEqual([{ id, status: "published", resolved: false }]);
    const steps = await rows<{ n: number }>(sql`select count(*)::int as n from moderation_log where annotation_id = ${id}`);
    expect(steps[0]!.n).toBe(0);
    // The author's own copy is reloaded from what is stored: the hide never happened.
    const reread = (await other.get(`/api/annotations/${id}`)).body;
    expect([reread.status, reread.resolved]).toEqual(["published", false]);
  });

  it("keeps a demoted moderator's own comment, which an annotator may write too", async () => {
    const { owner, member, group, articleId, memberId } = await desk("moderator");
    const socket = await openHeld(articleId, member);
    createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Mine, as anyone's" });
    await queued(1);
    expect((await owner.patch(`/api/groups/${group.id}/members/${memberId}`, { role: "annotator" })).status).toBe(200);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.acks.length).toBeGreaterThan(0), 5_000);
    expect(socket.closes).toEqual([]);
    expect(await annotationsBy(group.id, member.user.id)).toHaveLength(1);
  });

  it("refuses a write by a member demoted to viewer", async () => {
    const { owner, member, group, articleId, memberId } = await desk("annotator");
    const socket = await openHeld(articleId, member);
    createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Written as a viewer" });
    await queued(1);
    expect((await owner.patch(`/api/groups/${group.id}/members/${memberId}`, { role: "viewer" })).status).toBe(200);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    expect(await annotationsBy(group.id, member.user.id)).toEqual([]);
  });
});
