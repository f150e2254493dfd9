import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { and, eq } from "drizzle-orm";
import { groupInvitations, memberships } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, freshEmail, signUp } from "../support/app.ts";
import { articleWithMembers, tokenOf } from "../support/article.ts";
import { readMailbox } from "../../src/mail/mailbox.ts";
import { liveServer } from "../support/live.ts";
import { TEST_MAIL_DIR } from "../support/mail.ts";
import { eventually } from "../support/sync-client.ts";

const live = liveServer();
type Person = Awaited<ReturnType<typeof signUp>>;

async function desk() {
  const owner = await signUp(live.t.app, "Owner Olive");
  const group = await createGroup(owner, "Invitation desk");
  const invitee = await signUp(live.t.app, "Invitee Ivo");
  return { owner, group, invitee };
}

const invite = (owner: Person, groupId: string, email: string, role = "annotator") =>
  owner.post(`/api/groups/${groupId}/invitations`, { email, role });

/** The keys of a value and of every object inside it, as sorted paths: the shape, without the values. */
function shape(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [`${prefix}:${value === null ? "null" : typeof value}`];
  return Object.entries(value as Record<string, unknown>)
    .flatMap(([k, v]) => shape(v, `${prefix}.${k}`))
    .sort();
}

describe("inviting", () => {
  it("mails the invited address, naming the group and the role but not who invited", async () => {
    const { owner, group } = await desk();
    const email = freshEmail("mailed");
    expect((await invite(owner, group.id, email, "viewer")).status).toBe(202);
    const [mail] = await eventually(async () => {
      const box = await readMailbox(TEST_MAIL_DIR, email);
      expect(box).toHaveLength(1);
      return box;
    });
    expect(mail!.subject).toContain("Invitation desk");
    expect(mail!.text).toContain("as viewer");
    expect(mail!.text).not.toContain(owner.user.name);
  });

  it("answers an address with an account exactly as one without: 202, one shape, nobody named", async () => {
    const { owner, group, invitee } = await desk();
    const known = await invite(owner, group.id, invitee.email);
    const unknown = await invite(owner, group.id, freshEmail("nobody"));
    for (const res of [known, unknown]) {
      expect(res.status).toBe(202);
      expect(res.body.invitation).toMatchObject({ role: "annotator", status: "pending" });
      expect(Date.parse(res.body.invitation.expiresAt)).toBeGreaterThan(Date.now() + 13 * 24 * 3600_000);
    }
    expect(shape(known.body)).toEqual(shape(unknown.body));
    expect(Object.keys(known.body.invitation).sort()).toEqual(["email", "expiresAt", "id", "role", "status"]);
    expect([...known.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    const text = JSON.stringify(known.body);
    expect(text).not.toContain(invitee.user.id);
    expect(text).not.toContain(invitee.user.name);
    expect(known.body.invitation.email).toBe(invitee.email);

    // The group's list names addresses only, whether or not anyone signed up with them.
    const listed = await owner.get(`/api/groups/${group.id}/invitations`);
    expect(listed.status).toBe(200);
    expect(listed.body.invitations).toHaveLength(2);
    for (const row of listed.body.invitations) {
      expect(Object.keys(row).sort()).toEqual(["createdAt", "email", "expiresAt", "id", "role", "status"]);
      expect(row.status).toBe("pending");
    }
    expect(JSON.stringify(listed.body)).not.toContain(invitee.user.id);
    expect(JSON.stringify(listed.body)).not.toContain(invitee.user.name);
  });

  it("stores the address lower-cased, as accounts are, so a differently typed email still reaches its owner", async () => {
    const { owner, group, invitee } = await desk();
    const res = await invite(owner, group.id, `  ${invitee.email.toUpperCase()} `);
    expect(res.status).toBe(202);
    expect(res.body.invitation.email).toBe(invitee.email);
    expect((await invitee.get("/api/me/invitations")).body.invitations.map((i: { id: string }) => i.id)).toEqual([res.body.invitation.id]);
  });

  it("refreshes the open invitation when the same address is invited again", async () => {
    const { owner, group, invitee } = await desk();
    const first = await invite(owner, group.id, invitee.email, "viewer");
    await live.t.database.db.update(groupInvitations).set({ expiresAt: new Date(Date.now() + 60_000) }).where(eq(groupInvitations.id, first.body.invitation.id));
    const again = await invite(owner, group.id, invitee.email, "moderator");
    expect(again.status).toBe(202);
    expect(again.body.invitation.id).toBe(first.body.invitation.id);
    expect(Date.parse(again.body.invitation.expiresAt)).toBeGreaterThan(Date.now() + 13 * 24 * 3600_000);
    const listed = (await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations;
    expect(listed).toEqual([expect.objectContaining({ id: first.body.invitation.id, role: "moderator", status: "pending" })]);
    const accepted = await invitee.post(`/api/invitations/${first.body.invitation.id}/accept`);
    expect(accepted.body.membership.role).toBe("moderator");
  });

  it("answers 202 and changes nothing for an address that is already a member's", async () => {
    const { owner, group, invitee } = await desk();
    await addMember(owner, group.id, invitee, "viewer");
    const res = await invite(owner, group.id, invitee.email, "owner");
    expect(res.status).toBe(202);
    // Key for key, in order, what a fresh address gets: nothing in the answer's shape says it is a member's.
    const fresh = await invite(owner, group.id, freshEmail(), "owner");
    expect(Object.keys(res.body.invitation)).toEqual(Object.keys(fresh.body.invitation));
    expect(Object.keys(res.body.invitation).sort()).toEqual(["email", "expiresAt", "id", "role", "status"]);
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations.map((i: { email: string }) => i.email)).toEqual([fresh.body.invitation.email]);
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    expect((await invitee.get(`/api/groups/${group.id}`)).body.role).toBe("viewer");
  });

  it("is for owners: others get 403, outsiders 404, and bad input a 400 naming the field", async () => {
    const { owner, group, members } = await articleWithMembers(live.t.app, ["moderator", "annotator", "viewer"]);
    const outsider = await signUp(live.t.app);
    for (const member of members) {
      expect((await invite(member, group.id, freshEmail())).status).toBe(403);
      expect((await member.get(`/api/groups/${group.id}/invitations`)).status).toBe(403);
    }
    expect((await invite(outsider, group.id, outsider.email, "owner")).status).toBe(404);
    expect((await outsider.get(`/api/groups/${group.id}/invitations`)).status).toBe(404);
    expect((await outsider.get("/api/me/invitations")).body.invitations).toEqual([]);

    const bad = [
      [{ email: "not an email", role: "viewer" }, "email"],
      [{ email: freshEmail(), role: "admin" }, "role"],
      [{ email: freshEmail() }, "role"],
      [{ role: "viewer" }, "email"],
    ] as const;
    for (const [body, field] of bad) {
      const res = await owner.post(`/api/groups/${group.id}/invitations`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    const extra = await owner.post(`/api/groups/${group.id}/invitations`, { email: freshEmail(), role: "viewer", userId: owner.user.id });
    expect(extra.status).toBe(400);
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations).toEqual([]);
  });
});

describe("answering an invitation", () => {
  it("is for the invitee alone: only they see it, and anyone else who tries to answer it gets 404", async () => {
    const { owner, group, invitee } = await desk();
    const id = (await invite(owner, group.id, invitee.email, "annotator")).body.invitation.id as string;
    const mine = await invitee.get("/api/me/invitations");
    expect(mine.status).toBe(200);
    expect(mine.body.invitations).toEqual([
      {
        id,
        groupId: group.id,
        groupName: "Invitation desk",
        role: "annotator",
        invitedBy: "Owner Olive",
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);

    const stranger = await signUp(live.t.app);
    expect((await stranger.get("/api/me/invitations")).body.invitations).toEqual([]);
    for (const who of [stranger, owner]) {
      const accept = await who.post(`/api/invitations/${id}/accept`);
      expect(accept.status).toBe(404);
      expect(accept.body.error.code).toBe("not_found");
      expect((await who.post(`/api/invitations/${id}/decline`)).status).toBe(404);
    }
    expect((await stranger.get(`/api/groups/${group.id}`)).status).toBe(404);
    expect((await invitee.post("/api/invitations/not-a-uuid/accept")).status).toBe(404);
    expect((await invitee.post(`/api/invitations/${crypto.randomUUID()}/accept`)).status).toBe(404);
  });

  it("accepting makes a member in the invited role, listed as such, at once on REST and on the socket", async () => {
    const { owner, group, article } = await articleWithMembers(live.t.app, []);
    const invitee = await signUp(live.t.app, "Newcomer Nia");
    const ownerSocket = live.open(article.sync.room, owner.token);
    await ownerSocket.synced;
    expect((await invitee.get(`/api/articles/${article.id}`)).status).toBe(404);
    const early = live.open(article.sync.room, tokenOf(invitee));
    await eventually(() => expect(early.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 5_000);

    const id = (await invite(owner, group.id, invitee.email, "annotator")).body.invitation.id as string;
    const accepted = await invitee.post(`/api/invitations/${id}/accept`);
    expect(accepted.status).toBe(201);
    expect(accepted.body.membership).toEqual({ groupId: group.id, userId: invitee.user.id, memberId: invitee.user.id, role: "annotator", since: expect.any(String) });

    expect((await invitee.get(`/api/articles/${article.id}`)).status).toBe(200);
    expect((await invitee.get("/api/me")).body.groups).toEqual([expect.objectContaining({ id: group.id, role: "annotator" })]);
    const members = (await owner.get(`/api/groups/${group.id}/members`)).body.members as Array<{ id: string; role: string }>;
    expect(members).toContainEqual(expect.objectContaining({ id: invitee.user.id, role: "annotator", name: "Newcomer Nia" }));
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations).toEqual([]);

    // The socket takes them now, and the live document already counts them among those who may be assigned.
    const socket = live.open(article.sync.room, tokenOf(invitee));
    await socket.synced;
    const theirs = createAnnotation(socket.doc, { kind: "comment", authorId: invitee.user.id, body: "my first note" });
    await eventually(() => expect(annotationsOf(ownerSocket.doc).has(theirs)).toBe(true), 5_000);
    const assigned = createAnnotation(ownerSocket.doc, { kind: "comment", authorId: owner.user.id, body: "for the newcomer", assignees: [invitee.user.id] });
    await eventually(async () => expect((await owner.get(`/api/annotations/${assigned}`)).status).toBe(200), 5_000);
    expect(ownerSocket.closes).toEqual([]);

    const twice = await invitee.post(`/api/invitations/${id}/accept`);
    expect(twice.status).toBe(409);
  });

  it("declining leaves them out and closes the invitation", async () => {
    const { owner, group, invitee } = await desk();
    const id = (await invite(owner, group.id, invitee.email)).body.invitation.id as string;
    expect((await invitee.post(`/api/invitations/${id}/decline`)).status).toBe(204);
    expect((await invitee.get(`/api/groups/${group.id}`)).status).toBe(404);
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations).toEqual([]);
    expect((await invitee.post(`/api/invitations/${id}/accept`)).status).toBe(409);
    // The owner may ask again; that is a new invitation.
    const again = await invite(owner, group.id, invitee.email);
    expect(again.body.invitation.id).not.toBe(id);
    expect((await invitee.post(`/api/invitations/${again.body.invitation.id}/accept`)).status).toBe(201);
  });

  it("a revoked invitation is gone: 404 to its invitee, and only an owner revokes", async () => {
    const { owner, group, invitee } = await desk();
    const moderator = await signUp(live.t.app);
    await addMember(owner, group.id, moderator, "moderator");
    const id = (await invite(owner, group.id, invitee.email)).body.invitation.id as string;
    expect((await moderator.delete(`/api/groups/${group.id}/invitations/${id}`)).status).toBe(403);
    expect((await invitee.delete(`/api/groups/${group.id}/invitations/${id}`)).status).toBe(404);
    expect((await owner.delete(`/api/groups/${group.id}/invitations/${id}`)).status).toBe(204);
    expect((await owner.delete(`/api/groups/${group.id}/invitations/${id}`)).status).toBe(404);
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations).toEqual([]);
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    const accept = await invitee.post(`/api/invitations/${id}/accept`);
    expect(accept.status).toBe(404);
    expect(accept.body.error.code).toBe("not_found");
    expect((await invitee.get(`/api/groups/${group.id}`)).status).toBe(404);
  });

  it("an expired invitation cannot be answered (410 invitation_expired) until the owner invites again", async () => {
    const { owner, group, invitee } = await desk();
    const id = (await invite(owner, group.id, invitee.email)).body.invitation.id as string;
    await live.t.database.db.update(groupInvitations).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(groupInvitations.id, id));
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    for (const action of ["accept", "decline"]) {
      const res = await invitee.post(`/api/invitations/${id}/${action}`);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe("invitation_expired");
    }
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations).toEqual([expect.objectContaining({ id, status: "expired" })]);
    expect((await invitee.get(`/api/groups/${group.id}`)).status).toBe(404);

    const renewed = await invite(owner, group.id, invitee.email);
    expect(renewed.body.invitation.id).toBe(id);
    expect((await invitee.post(`/api/invitations/${id}/accept`)).status).toBe(201);
  });

  it("a removed member can be invited back", async () => {
    const { owner, group, invitee } = await desk();
    const first = await addMember(owner, group.id, invitee, "annotator");
    expect(first.role).toBe("annotator");
    expect((await owner.delete(`/api/groups/${group.id}/members/${invitee.user.id}`)).status).toBe(204);
    expect((await invitee.get(`/api/groups/${group.id}`)).status).toBe(404);
    const back = await addMember(owner, group.id, invitee, "viewer");
    expect(back.role).toBe("viewer");
    expect((await invitee.get(`/api/groups/${group.id}`)).body.role).toBe("viewer");
  });

  it("an owner's open invitations go with their ownership: removed or stepped down, what they sent is withdrawn", async () => {
    const { owner, group } = await desk();
    const [leaving, demoted] = [await signUp(live.t.app), await signUp(live.t.app)];
    await addMember(owner, group.id, leaving, "owner");
    await addMember(owner, group.id, demoted, "owner");
    const [accomplice, helper, welcome] = [await signUp(live.t.app), await signUp(live.t.app), await signUp(live.t.app)];
    const takeover = (await invite(leaving, group.id, accomplice.email, "owner")).body.invitation.id as string;
    const fromDemoted = (await invite(demoted, group.id, helper.email, "moderator")).body.invitation.id as string;
    const kept = (await invite(owner, group.id, welcome.email, "annotator")).body.invitation.id as string;

    expect((await owner.delete(`/api/groups/${group.id}/members/${leaving.user.id}`)).status).toBe(204);
    expect((await owner.patch(`/api/groups/${group.id}/members/${demoted.user.id}`, { role: "viewer" })).status).toBe(200);

    for (const [who, id] of [[accomplice, takeover], [helper, fromDemoted]] as const) {
      expect((await who.get("/api/me/invitations")).body.invitations).toEqual([]);
      const accept = await who.post(`/api/invitations/${id}/accept`);
      expect(accept.status).toBe(404);
      expect((await who.get(`/api/groups/${group.id}`)).status).toBe(404);
    }
    expect((await owner.get(`/api/groups/${group.id}/invitations`)).body.invitations.map((i: { id: string }) => i.id)).toEqual([kept]);
    expect((await welcome.post(`/api/invitations/${kept}/accept`)).status).toBe(201);
    expect((await owner.get(`/api/groups/${group.id}`)).body.role).toBe("owner");
  });

  it("checks the inviter is still an owner when the invitation is answered, whatever changed the role", async () => {
    const { owner, group, invitee } = await desk();
    const other = await signUp(live.t.app);
    await addMember(owner, group.id, other, "owner");
    const id = (await invite(other, group.id, invitee.email, "owner")).body.invitation.id as string;
    // Changed in the database directly, as an operator might: no service withdrew the invitation.
    await live.t.database.db
      .update(memberships)
      .set({ role: "annotator" })
      .where(and(eq(memberships.groupId, group.id), eq(memberships.userId, other.user.id)));
    expect((await invitee.get("/api/me/invitations")).body.invitations).toEqual([]);
    expect((await invitee.post(`/api/invitations/${id}/accept`)).status).toBe(404);
    expect((await invitee.get(`/api/groups/${group.id}`)).status).toBe(404);
  });

  it("names the inviter as the group names people: by pseudonym in a group anonymous to peers", async () => {
    const { owner, group, invitee } = await desk();
    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).status).toBe(200);
    await invite(owner, group.id, invitee.email, "moderator");
    const [row] = (await invitee.get("/api/me/invitations")).body.invitations;
    expect(row.invitedBy).toMatch(/^Participant /);
    expect(JSON.stringify(row)).not.toContain("Owner Olive");
    expect(JSON.stringify(row)).not.toContain(owner.user.id);
  });
});
