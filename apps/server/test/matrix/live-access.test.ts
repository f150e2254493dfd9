import { eq } from "drizzle-orm";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { apiTokens, memberships } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { TestClient, addMember, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { resetTokenFor } from "../support/mail.ts";
import { updateSettings } from "../../src/services/groups.ts";
import { type SyncClient, eventually } from "../support/sync-client.ts";
import { sleep } from "../support/sleep.ts";

/**
 * Access that follows membership (docs/sync.md, "Close codes"): sockets
 * are opened first, then membership, role, session,
 * token or article change, and then each socket is checked for what it may
 * still read and write. Within one process the change reaches the socket
 * before the route answers; the two-process case is in relay.test.ts.
 */
const live = liveServer({ sync: { accessCheckMs: 250 } });
// Same-process changes close sockets before the route answers; the wait only covers delivery on a loaded machine.
const closedWith = (client: SyncClient, code: number) => eventually(() => expect(client.closes.map((c) => c.code)).toContain(code), 5_000);

async function desk(roles: string[]) {
  const setup = await articleWithMembers(live.t.app, roles);
  const owner = live.open(setup.article.sync.room, setup.owner.token);
  await owner.synced;
  return { ...setup, ownerClient: owner };
}

describe("open sockets follow access changes", () => {
  it("closes a removed member's sockets with 4403, group and private, and sends them nothing written after", async () => {
    const { owner, group, article, members, ownerClient } = await desk(["annotator"]);
    const member = members[0]!;
    const groupSocket = live.open(article.sync.room, member.token);
    const privateSocket = live.open(article.sync.privateRoom.replace(owner.user.id, member.user.id), member.token);
    await Promise.all([groupSocket.synced, privateSocket.synced]);

    expect((await owner.delete(`/api/groups/${group.id}/members/${member.user.id}`)).status).toBe(204);
    const after = createAnnotation(ownerClient.doc, { kind: "comment", authorId: owner.user.id, body: "after the removal" });
    await closedWith(groupSocket, SYNC_CLOSE_CODES.forbidden);
    await closedWith(privateSocket, SYNC_CLOSE_CODES.forbidden);
    // Once the server holds it, it was either sent before the close, and so arrived before it, or never.
    const reader = live.open(article.sync.room, owner.token);
    await reader.synced;
    await eventually(() => expect(annotationsOf(reader.doc).has(after)).toBe(true), 5_000);
    expect(annotationsOf(groupSocket.doc).has(after)).toBe(false);
    // What they write now goes nowhere: the socket is closed, and the server stored nothing of it.
    const theirs = createAnnotation(groupSocket.doc, { kind: "comment", authorId: member.user.id, body: "written after removal" });
    expect(annotationsOf(ownerClient.doc).has(theirs)).toBe(false);
    expect((await owner.get(`/api/annotations/${theirs}`)).status).toBe(404);
  });

  it("keeps a demoted member's socket open as a viewer: reads go on, the next write is refused with 4403", async () => {
    const { owner, group, article, members, ownerClient } = await desk(["annotator"]);
    const member = members[0]!;
    const socket = live.open(article.sync.room, member.token);
    await socket.synced;
    const before = createAnnotation(socket.doc, { kind: "comment", authorId: member.user.id, body: "as an annotator" });
    await eventually(() => expect(annotationsOf(ownerClient.doc).has(before)).toBe(true), 2_000);
    // Stored before the demotion: a write still on its way to the database when the role changes is judged at its
    // commit under the role then (docs/architecture.md, "Roles at the commit"), which is not what this test is about.
    await eventually(async () => expect((await owner.get(`/api/annotations/${before}`)).status).toBe(200), 5_000);

    expect((await owner.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role: "viewer" })).status).toBe(200);
    const fromOwner = createAnnotation(ownerClient.doc, { kind: "comment", authorId: owner.user.id, body: "still readable" });
    await eventually(() => expect(annotationsOf(socket.doc).has(fromOwner)).toBe(true), 2_000);
    expect(socket.closes).toEqual([]);

    const refused = createAnnotation(socket.doc, { kind: "comment", authorId: member.user.id, body: "as a viewer" });
    await closedWith(socket, SYNC_CLOSE_CODES.forbidden);
    // Refused before the close: a client that joins now reads what the server holds.
    const reader = live.open(article.sync.room, owner.token);
    await reader.synced;
    expect(annotationsOf(reader.doc).has(refused)).toBe(false);
    expect(annotationsOf(reader.doc).has(fromOwner)).toBe(true);
  });

  it("lets a promoted viewer write on the socket they already had open", async () => {
    const { owner, group, article, members, ownerClient } = await desk(["viewer"]);
    const member = members[0]!;
    const socket = live.open(article.sync.room, member.token);
    await socket.synced;
    expect((await owner.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role: "annotator" })).status).toBe(200);
    const id = createAnnotation(socket.doc, { kind: "comment", authorId: member.user.id, body: "promoted" });
    await eventually(() => expect(annotationsOf(ownerClient.doc).has(id)).toBe(true), 2_000);
    expect(socket.closes).toEqual([]);
  });

  it("closes the sockets of a session that logs out with 4401, and leaves the same user's other sessions open", async () => {
    const { article, members } = await desk(["annotator"]);
    const member = members[0]!;
    const other = await member.post("/api/auth/login", { email: member.email, password: member.password });
    expect(other.status).toBe(200);
    const secondToken = member.cookie!.split("=")[1]!; // the client now holds the second session
    const first = live.open(article.sync.room, member.token, { acks: true });
    const second = live.open(article.sync.room, secondToken);
    await Promise.all([first.synced, second.synced]);
    expect((await member.post("/api/auth/logout")).status).toBe(204); // ends the second session
    await closedWith(second, SYNC_CLOSE_CODES.unauthorized);
    // A write sent after the logout is acknowledged (its sync step 2, then the write): a close sent by then
    // would have come first.
    createAnnotation(first.doc, { kind: "comment", authorId: member.user.id, body: "still signed in" });
    await eventually(() => expect(first.acks.at(-1)).toBe(2), 5_000);
    expect(first.closes).toEqual([]);
  });

  it("closes a revoked API token's sockets with 4401", async () => {
    const { article, members } = await desk(["annotator"]);
    const member = members[0]!;
    const created = await member.post("/api/tokens", { name: "script" });
    expect(created.status).toBe(201);
    const socket = live.open(article.sync.room, created.body.token);
    await socket.synced;
    expect((await member.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    await closedWith(socket, SYNC_CLOSE_CODES.unauthorized);
  });

  it("closes every socket of an account whose password is reset from its mail, with 4401", async () => {
    const { article, members } = await desk(["annotator"]);
    const member = members[0]!;
    const socket = live.open(article.sync.room, member.token);
    await socket.synced;
    expect((await new TestClient(live.t.app).post("/api/auth/password-reset", { email: member.email })).status).toBe(202);
    const reset = await new TestClient(live.t.app).post("/api/auth/password-reset/confirm", { token: await resetTokenFor(member.email), newPassword: "a fresh passphrase" });
    expect(reset.status).toBe(200);
    await closedWith(socket, SYNC_CLOSE_CODES.unauthorized);
  });

  it("closes every socket on a deleted article with 4410", async () => {
    const { owner, article, members, ownerClient } = await desk(["annotator"]);
    const socket = live.open(article.sync.room, members[0]!.token);
    await socket.synced;
    expect((await owner.delete(`/api/articles/${article.id}`)).status).toBe(204);
    await closedWith(socket, SYNC_CLOSE_CODES.gone);
    await closedWith(ownerClient, SYNC_CLOSE_CODES.gone);
  });

  it("finds what no event announced (a token revoked in the database directly, as the CLI does) at the next check", async () => {
    const { article, members } = await desk(["annotator"]);
    const member = members[0]!;
    const created = await member.post("/api/tokens", { name: "cli-revoked" });
    const socket = live.open(article.sync.room, created.body.token);
    await socket.synced;
    await live.t.database.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, created.body.id));
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.unauthorized), 5_000);
  });

  it("still finds it while events about other people keep arriving during every check (anyone can make them)", async () => {
    const { article, members } = await desk(["annotator"]);
    const member = members[0]!;
    const created = await member.post("/api/tokens", { name: "cli-revoked-under-noise" });
    const socket = live.open(article.sync.room, created.body.token);
    await socket.synced;
    // What another account's minting and revoking its own tokens sends, faster than a check reads the database.
    const noise = setInterval(() => live.t.hub.access({ kind: "tokens-revoked", tokenIds: [crypto.randomUUID()] }), 1);
    try {
      await live.t.database.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, created.body.id));
      await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.unauthorized), 5_000);
    } finally {
      clearInterval(noise);
    }
  });
});

describe("group settings changed where no event reaches the socket (another process, the relay down)", () => {
  // The database check stands in for the event: same code, same reason, or a socket writes on under what changed.
  const staysOpen = async (client: SyncClient) => {
    await sleep(750); // a few of the 250 ms checks
    await live.t.hub.checkAccess();
    expect(client.closes).toEqual([]);
  };

  it("closes with 4409 once the group is anonymous: its sockets would write and show presence under the account's id", async () => {
    const { owner, group, article, members, ownerClient } = await desk(["annotator"]);
    const member = members[0]!;
    const groupSocket = live.open(article.sync.room, member.token);
    const privateSocket = live.open(article.sync.privateRoom.replace(owner.user.id, member.user.id), member.token);
    await Promise.all([groupSocket.synced, privateSocket.synced]);
    await updateSettings(live.t.database.db, group.id, { anonymousToPeers: true }, owner.user.id);
    const renamed = { code: SYNC_CLOSE_CODES.membersRenamed, reason: "the group's member ids changed" };
    for (const client of [groupSocket, privateSocket, ownerClient]) await eventually(() => expect(client.closes).toEqual([renamed]), 5_000);
    // Rejoined under the new member id, it is left open.
    const again = live.open(article.sync.room, member.token);
    await again.synced;
    await staysOpen(again);
  });

  it("closes with 4511 once the review quorum changed: its client would place work by the old one", async () => {
    const { owner, group, article, members } = await articleWithMembers(live.t.app, ["moderator"], "pre");
    const sockets = [live.open(article.sync.room, owner.token), live.open(article.sync.room, members[0]!.token)];
    await Promise.all(sockets.map((s) => s.synced));
    await updateSettings(live.t.database.db, group.id, { reviewQuorum: 2 }, owner.user.id);
    const changed = { code: SYNC_CLOSE_CODES.settingsChanged, reason: "the group's review quorum changed" };
    for (const client of sockets) await eventually(() => expect(client.closes).toEqual([changed]), 5_000);
    const again = live.open(article.sync.room, members[0]!.token);
    await again.synced;
    await staysOpen(again);
  });
});

describe("assignees over the socket follow membership too", () => {
  it("refuses a non-member or a viewer as assignee, and takes a member added or promoted while the document is open", async () => {
    const { owner, group, article, members, ownerClient } = await desk(["annotator", "viewer"]);
    const [annotator, viewer] = members as [(typeof members)[0], (typeof members)[0]];
    const outsider = await signUp(live.t.app, "Outsider");
    const assign = (client: SyncClient, assignees: string[]) =>
      createAnnotation(client.doc, { kind: "comment", authorId: owner.user.id, body: `for ${assignees.length}`, assignees });

    const ok = assign(ownerClient, [annotator.user.id]);
    await eventually(async () => expect((await owner.get(`/api/annotations/${ok}`)).status).toBe(200), 2_000);

    for (const refused of [outsider.user.id, viewer.user.id]) {
      const socket = live.open(article.sync.room, owner.token);
      await socket.synced;
      const id = assign(socket, [refused]);
      await closedWith(socket, SYNC_CLOSE_CODES.forbidden);
      expect((await owner.get(`/api/annotations/${id}`)).status).toBe(404);
    }

    // Added after the document was loaded, and a viewer promoted: both may be assigned at once.
    await addMember(owner, group.id, outsider, "annotator");
    expect((await owner.patch(`/api/groups/${group.id}/members/${viewer.user.id}`, { role: "annotator" })).status).toBe(200);
    const socket = live.open(article.sync.room, owner.token);
    await socket.synced;
    const later = assign(socket, [outsider.user.id, viewer.user.id]);
    await eventually(async () => expect((await owner.get(`/api/annotations/${later}`)).status).toBe(200), 2_000);
    expect(socket.closes).toEqual([]);
  });

  it("learns of a member added in the database directly (as the CLI would) at the next check", async () => {
    const { group, article, owner, ownerClient } = await desk([]);
    const ctx = { docName: article.sync.room, articleId: article.id, groupId: group.id, visibility: "group" as const, revision: 1 };
    const newcomer = await signUp(live.t.app, "Newcomer");
    await live.t.database.db.insert(memberships).values({ groupId: group.id, userId: newcomer.user.id, role: "annotator" });
    // The check runs every 250 ms here; wait for it, however long a loaded machine makes it take.
    await eventually(async () => expect(await live.t.hub.read(ctx, (l) => l.answerers.has(newcomer.user.id))).toBe(true), 10_000);
    const id = createAnnotation(ownerClient.doc, { kind: "comment", authorId: owner.user.id, body: "for the newcomer", assignees: [newcomer.user.id] });
    await eventually(async () => expect((await owner.get(`/api/annotations/${id}`)).status).toBe(200), 2_000);
    expect(ownerClient.closes).toEqual([]);
  });
});
