import { createAnnotation, groupRoom } from "@marginalia/schema";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import type { CommitHook } from "../../src/sync/persist/commit-hooks.ts";
import { NO_HOOKS } from "../../src/sync/persist/commit-hooks.ts";

/**
 * Anonymity turned on while a group's first work is on its way to the
 * database (docs/architecture.md, "Member ids"). A second hub on the same
 * database stands for another process whose access events never arrive
 * (no relay), and its group commit waits until the test flushes it: the
 * switch is made exactly between a write reaching that hub's live document
 * and its commit, the window the "no annotations yet" check cannot see.
 */
const live = liveServer();
/** Longer than any test: the held hub commits only when flushed. */
const HELD_MS = 3_600_000;
let held: TestApp;
let heldUrl = "";
const sockets: SyncClient[] = [];

/** While set, the held hub's commits stop inside their transaction, log rows written, until `release` settles. */
let gate: { reached: () => void; release: Promise<void> } | null = null;
const gateHook: CommitHook = {
  name: "gate",
  wants: () => gate !== null,
  beforeProjection: async () => {
    const current = gate;
    if (!current) return;
    current.reached();
    await current.release;
  },
};

beforeAll(async () => {
  held = await createTestApp({ database: live.t.database, sync: { commitWindowMs: HELD_MS, hooks: { ...NO_HOOKS, commit: [gateHook] } } });
  heldUrl = await held.listen();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await held?.close();
});

type Person = Awaited<ReturnType<typeof signUp>>;

async function desk(anonymous: boolean) {
  const owner = await signUp(live.t.app, "Owner");
  const member = await signUp(live.t.app, "Member");
  const group = await createGroup(owner, "Seminar");
  await addMember(owner, group.id, member, "annotator");
  if (anonymous) expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).status).toBe(200);
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId = imported.body.id as string;
  const memberId = (await member.get(`/api/articles/${articleId}`)).body.memberId as string;
  return { owner, member, group, articleId, memberId };
}

function openHeld(articleId: string, who: Person, options: { acks?: boolean } = {}) {
  const socket = openSyncClient(heldUrl, groupRoom(articleId), tokenOf(who), options);
  sockets.push(socket);
  return socket;
}

/** What the database keeps that names `account` among the article's documents, and the group's rows. */
async function stored(groupId: string, articleId: string, account: string) {
  const { db } = live.t.database;
  const [log] = (await db.execute(sql`select count(*)::int as n from doc_updates
    where doc_name like ${`article:${articleId}%`} and position(convert_to(${account}, 'UTF8') in "update") > 0`)) as unknown as Array<{ n: number }>;
  const [rows] = (await db.execute(sql`select count(*)::int as n from annotations where group_id = ${groupId}`)) as unknown as Array<{ n: number }>;
  return { logRowsNamingAccount: log!.n, groupAnnotations: rows!.n };
}

/** Whether a switch waits for the group's member-id lock (behind a commit under way). */
async function waitingForAdvisoryLock(): Promise<boolean> {
  const rows = (await live.t.database.db.execute(
    sql`select 1 from pg_stat_activity where wait_event = 'advisory' and query like '%member-ids:%' and pid <> pg_backend_pid()`,
  )) as unknown as unknown[];
  return rows.length > 0;
}

/** Holds until the held hub has the write queued for its commit, not yet written. */
const queued = () => eventually(() => expect(held.hub.committer.pending).toBe(1), 5_000);

describe("anonymity switched while the group's first work waits for its commit", () => {
  it("does not store a socket's annotation under the account id once the group is anonymous", async () => {
    const { owner, member, group, articleId, memberId } = await desk(false);
    expect(memberId).toBe(member.user.id);
    const socket = openHeld(articleId, member);
    const reader = openHeld(articleId, owner);
    await Promise.all([socket.synced, reader.synced]);
    createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Written as the switch is made" });
    await queued();

    // Nothing is stored yet, so the switch is taken; the write that then reaches the database was made under the old id.
    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).status).toBe(200);
    await held.hub.committer.flush();

    expect(await stored(group.id, articleId, member.user.id)).toEqual({ logRowsNamingAccount: 0, groupAnnotations: 0 });
    // Its writer is told its member id changed, and writes under the new one.
    // Everyone on the document joined under the old ids: it is reloaded without the write, and they are told why.
    await eventually(() => expect([socket, reader].map((s) => s.closes.map((c) => c.code))).toEqual([[4409], [4409]]), 5_000);
    const renamed = (await member.get(`/api/articles/${articleId}`)).body.memberId as string;
    expect(renamed).not.toBe(member.user.id);
    const posted = await member.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "Under the new id" });
    expect(posted.status).toBe(201);
    expect(posted.body.author.id).toBe(renamed);
    expect(await stored(group.id, articleId, member.user.id)).toEqual({ logRowsNamingAccount: 0, groupAnnotations: 1 });
  });

  it("answers a REST creation made under the old id 409 members_renamed, and stores nothing of it", async () => {
    const { owner, member, group, articleId } = await desk(false);
    const onHeld = new TestClient(held.app);
    onHeld.cookie = member.cookie;
    const posting = onHeld.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "Posted as the switch is made" });
    await queued();
    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).status).toBe(200);
    await held.hub.committer.flush();

    const posted = await posting;
    expect([posted.status, posted.body.error?.code]).toEqual([409, "members_renamed"]);
    expect(await stored(group.id, articleId, member.user.id)).toEqual({ logRowsNamingAccount: 0, groupAnnotations: 0 });
  });

  it("makes the switch wait for a commit under way, then refuses it for the work that commit stored", async () => {
    const { owner, member, group, articleId, memberId } = await desk(false);
    const socket = openHeld(articleId, member, { acks: true });
    await socket.synced;
    createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Committed as the switch is made" });
    await queued();
    let reached = () => {};
    let release = () => {};
    const inside = new Promise<void>((resolve) => (reached = resolve));
    gate = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
    const flushed = held.hub.committer.flush();
    await inside;

    // The commit is in its transaction, its log row written and its projection not yet: the switch asks now.
    const switching = owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true });
    // On Postgres, until the switch has answered or waits for the commit; the embedded database's one
    // connection is the commit's until it ends, and the switch's statements wait their turn behind it.
    if (live.t.database.kind !== "pglite") await Promise.race([switching, eventually(async () => expect(await waitingForAdvisoryLock()).toBe(true), 5_000)]);
    gate = null;
    release();
    await flushed;

    const switched = await switching;
    expect([switched.status, switched.body.error?.message]).toEqual([409, expect.stringMatching(/before the group's first annotation/)]);
    expect(await stored(group.id, articleId, member.user.id)).toMatchObject({ groupAnnotations: 1 });
    expect((await owner.get(`/api/groups/${group.id}`)).body.anonymousToPeers).toBe(false);
    expect(socket.closes).toEqual([]);
  });

  it("keeps anonymous work written as anonymity is turned off, under the member id it was written with", async () => {
    const { owner, member, group, articleId, memberId } = await desk(true);
    expect(memberId).not.toBe(member.user.id);
    const socket = openHeld(articleId, member, { acks: true });
    await socket.synced;
    const id = createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body: "Written as names come back" });
    await queued();
    // Turning anonymity off draws no new ids: what is on its way stays valid.
    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: false })).status).toBe(200);
    await held.hub.committer.flush();

    await eventually(() => expect(socket.acks.length).toBeGreaterThan(0), 5_000);
    expect(socket.closes).toEqual([]);
    const shown = (await owner.get(`/api/annotations/${id}`)).body;
    expect(shown.author).toMatchObject({ id: memberId, name: member.user.name });
    expect(await stored(group.id, articleId, member.user.id)).toEqual({ logRowsNamingAccount: 0, groupAnnotations: 1 });
    // And the group, holding work now, cannot be made anonymous again.
    const again = await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true });
    expect(again.status).toBe(409);
  });
});
