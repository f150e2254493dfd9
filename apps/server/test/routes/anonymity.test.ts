import { buildTarget, createAnnotation, groupRoom, setVote } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { tokenOf } from "../support/article.ts";
import { seeded } from "../support/seed.ts";
import { eventually } from "../support/sync-client.ts";
import { checkedRequest } from "../support/openapi.ts";

const live = liveServer();
const FORMATS = ["csv", "markdown", "w3c", "claimreview"] as const;

/** Letters only, so that no export format escapes any part of it. */
const rng = seeded("anonymity");
const distinctive = (role: string) => `${role} ${rng.letters(10)}`;

type Person = Awaited<ReturnType<typeof signUp>>;

/**
 * An anonymous group with an owner, a moderator, an author, a peer annotator
 * and a viewer, each with a name no response could contain by chance, and
 * something of each kind that names a person: annotations, a reply and a
 * mention, a moderation step, a new revision by the owner.
 */
async function seminar() {
  const app = live.t.app;
  const [owner, moderator, author, peer, viewer] = await Promise.all(
    ["Owner", "Moderator", "Author", "Peer", "Viewer"].map((role) => signUp(app, distinctive(role))),
  ) as [Person, Person, Person, Person, Person];
  const group = await createGroup(owner, "Seminar");
  for (const [who, role] of [[moderator, "moderator"], [author, "annotator"], [peer, "annotator"], [viewer, "viewer"]] as const) {
    await addMember(owner, group.id, who, role);
  }
  expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).body).toMatchObject({ anonymousToPeers: true });
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId = imported.body.id as string;
  await owner.put(`/api/articles/${articleId}/text`, `${SEED_ARTICLE}\nA correction.`, { "content-type": "text/plain" });

  const target = buildTarget(`${SEED_ARTICLE}\nA correction.`, { start: 20, end: 60 }, 2);
  const post = (who: Person, body: object) => who.post(`/api/articles/${articleId}/annotations`, body);
  const mine = await post(peer, { kind: "comment", body: "The peer's own remark", target });
  const theirs = await post(author, {
    kind: "factcheck",
    body: "Checked against the ministry's figures",
    target,
    factcheck: { claim: "Trade doubled", verdict: "false", sources: [{ url: "https://example.org/figures" }] },
  });
  // The author is shown the peer's pseudonym, and mentions them by it.
  const peerId = (await peer.get(`/api/articles/${articleId}`)).body.memberId as string;
  const shown = (await author.get(`/api/groups/${group.id}/members`)).body.members as Array<{ id: string; name: string }>;
  await author.post(`/api/annotations/${mine.body.id}/replies`, { body: `Agreed, @${shown.find((m) => m.id === peerId)!.name}` });
  await moderator.post(`/api/annotations/${mine.body.id}/hide`, { reason: "Checking" });
  await moderator.post(`/api/annotations/${mine.body.id}/unhide`);
  return { owner, moderator, author, peer, viewer, group, articleId, mine: mine.body.id as string, theirs: theirs.body.id as string };
}

type Seminar = Awaited<ReturnType<typeof seminar>>;

/** `who`'s member id in the seminar's group, as the article tells them. */
const memberIdOf = async (s: Seminar, who: Person) => (await who.get(`/api/articles/${s.articleId}`)).body.memberId as string;

/** Every response through which one member could learn about another, as raw text. */
async function everything(s: Seminar, who: Person): Promise<Record<string, string>> {
  const paths = [
    "/api/groups",
    `/api/groups/${s.group.id}`,
    `/api/groups/${s.group.id}/members`,
    `/api/articles/${s.articleId}`,
    `/api/articles/${s.articleId}/revisions`,
    `/api/articles/${s.articleId}/annotations`,
    `/api/articles/${s.articleId}/annotations?q=ministry`,
    `/api/annotations/${s.theirs}`,
    `/api/annotations/${s.mine}`,
    "/api/me/notifications",
    `/w3c/articles/${s.articleId}/`,
    `/w3c/articles/${s.articleId}/${s.theirs}`,
    ...FORMATS.flatMap((f) => [`/api/articles/${s.articleId}/export?format=${f}`, `/api/groups/${s.group.id}/export?format=${f}`]),
  ];
  const bodies: Record<string, string> = {};
  for (const path of paths) {
    const res = await checkedRequest(live.t.app, path, { headers: { cookie: who.cookie!, "x-forwarded-for": who.ip } });
    expect(res.status, path).toBe(200);
    bodies[path] = await res.text();
  }
  return bodies;
}

/** Names, emails and account ids of `people` found in the bodies: the account id would link a member across groups. */
const leaksOf = (bodies: Record<string, string>, people: Person[], what: "names" | "ids" | "both" = "both") =>
  Object.entries(bodies).flatMap(([path, text]) =>
    people.flatMap((p) =>
      [...(what === "ids" ? [] : [p.user.name, p.email]), ...(what === "names" ? [] : [p.user.id])]
        .filter((secret) => text.includes(secret))
        .map((secret) => `${path}: ${secret}`),
    ),
  );

type Member = { id: string; self: boolean; name: string; email: string | null };

describe("anonymous to peers", () => {
  it("never sends a peer another member's name or email, from any endpoint, while they keep their own", async () => {
    const s = await seminar();
    for (const [self, others] of [
      [s.peer, [s.owner, s.moderator, s.author, s.viewer]],
      [s.viewer, [s.owner, s.moderator, s.author, s.peer]],
    ] as const) {
      const bodies = await everything(s, self);
      expect(leaksOf(bodies, [...others])).toEqual([]);
      const members = JSON.parse(bodies[`/api/groups/${s.group.id}/members`]!).members as Member[];
      expect(members).toHaveLength(5);
      expect(members.filter((m) => m.self)).toEqual([expect.objectContaining({ name: self.user.name, email: self.email })]);
      for (const m of members.filter((m) => !m.self)) expect(m).toMatchObject({ name: expect.stringMatching(/^Participant /), email: null });
      // Member ids are random in an anonymous group: none is an account's id.
      for (const m of members) expect([s.owner, s.moderator, s.author, s.peer, s.viewer].map((p) => p.user.id)).not.toContain(m.id);
    }
    // The names the peer does get are the pseudonyms the members list gives, so threads still tell people apart.
    const members = (await s.peer.get(`/api/groups/${s.group.id}/members`)).body.members as Member[];
    const authorId = await memberIdOf(s, s.author);
    const authorAlias = members.find((m) => m.id === authorId)!.name;
    expect((await s.peer.get(`/api/annotations/${s.theirs}`)).body.author).toEqual({ id: authorId, name: authorAlias });
    expect((await s.peer.get(`/api/annotations/${s.mine}`)).body.author.name).toBe(s.peer.user.name);
    const notes = (await s.peer.get("/api/me/notifications")).body.notifications as Array<{ kind: string; actor: { name: string } }>;
    // The author's reply also mentions the peer: told once, as the reply.
    expect(notes.map((n) => n.kind).sort()).toEqual(["moderation", "moderation", "reply"]);
    expect(notes.find((n) => n.kind === "reply")!.actor.name).toBe(authorAlias);
  });

  it("shows every name to moderators and owners, and no one's account id", async () => {
    const s = await seminar();
    const everyone = [s.owner, s.moderator, s.author, s.peer, s.viewer];
    for (const who of [s.moderator, s.owner]) {
      const bodies = await everything(s, who);
      expect(leaksOf(bodies, everyone.filter((p) => p !== who), "ids")).toEqual([]);
      const members = JSON.parse(bodies[`/api/groups/${s.group.id}/members`]!).members as Array<{ name: string; email: string }>;
      expect(members.map((m) => m.name).sort()).toEqual(everyone.map((p) => p.user.name).sort());
      expect(members.map((m) => m.email).sort()).toEqual(everyone.map((p) => p.email).sort());
      expect(JSON.parse(bodies[`/api/annotations/${s.theirs}`]!).author.name).toBe(s.author.user.name);
      expect(JSON.parse(bodies[`/api/articles/${s.articleId}/revisions`]!).revisions[0].author.name).toBe(s.owner.user.name);
      for (const format of ["csv", "markdown", "w3c"]) expect(bodies[`/api/articles/${s.articleId}/export?format=${format}`]).toContain(s.author.user.name);
      expect(bodies[`/w3c/articles/${s.articleId}/`]).toContain(s.author.user.name);
    }
  });

  it("lets a peer mention others only by the pseudonyms they are shown, never by a name or handle behind one", async () => {
    const s = await seminar();
    const mentions = async (who: Person) =>
      ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string }>).filter((n) => n.kind === "mention").map((n) => n.annotationId);
    const before = await mentions(s.peer);
    const handle = s.peer.email.split("@")[0]!;
    const [first] = s.peer.user.name.split(" ");
    const byName = await s.author.post(`/api/annotations/${s.theirs}/replies`, { body: `@${s.peer.user.name} @${first} @${handle} what do you think?` });
    expect(byName.status).toBe(201);
    expect(await mentions(s.peer)).toEqual(before);
    // A moderator, who is shown names, mentions by name; the peer hears of it under the moderator's pseudonym.
    const fromModerator = await s.moderator.post(`/api/annotations/${s.theirs}/replies`, { body: `@${s.peer.user.name} please look` });
    const notes = (await s.peer.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string; actor: { name: string } }>;
    const told = notes.find((n) => n.kind === "mention" && n.annotationId === fromModerator.body.id);
    expect(told?.actor.name).toMatch(/^Participant /);
  });

  it("cannot be probed through full-text search, which reads bodies, claims and quotes only", async () => {
    const s = await seminar();
    const search = (q: string) => s.peer.get(`/api/articles/${s.articleId}/annotations?q=${encodeURIComponent(q)}`);
    expect((await search("ministry")).body.annotations.map((a: { id: string }) => a.id)).toEqual([s.theirs]);
    expect((await search(s.author.user.name.split(" ")[1]!)).body.annotations).toEqual([]);
  });

  it("stamps presence with the pseudonym, so no socket frame carries a name", async () => {
    const s = await seminar();
    const room = groupRoom(s.articleId);
    const peer = live.open(room, tokenOf(s.peer));
    const frames: string[] = [];
    peer.provider.ws!.addEventListener("message", (event: { data: unknown }) => {
      frames.push(Buffer.from(event.data as ArrayBuffer).toString("latin1"));
    });
    const author = live.open(room, tokenOf(s.author));
    const moderator = live.open(room, tokenOf(s.moderator));
    await Promise.all([peer.synced, author.synced, moderator.synced]);
    author.provider.awareness.setLocalStateField("selection", { start: 20, end: 60 });
    const members = (await s.moderator.get(`/api/groups/${s.group.id}/members`)).body.members as Member[];
    const authorId = await memberIdOf(s, s.author);
    await eventually(() => {
      const seen = [...peer.provider.awareness.getStates().values()].map((st) => st.user as { id: string; name: string } | undefined);
      const theAuthor = seen.find((u) => u?.id === authorId);
      expect(theAuthor?.name).toMatch(/^Participant /);
      // A moderator's client gets the same stamp, and finds the name by member id in its members list.
      const forModerator = moderator.provider.awareness.getStates().get(author.doc.clientID)?.user as { id: string };
      expect(members.find((m) => m.id === forModerator.id)?.name).toBe(s.author.user.name);
    }, 3_000);
    // The document names its authors by member id too: no frame (sync, updates, presence) carries an account id.
    expect(peer.doc.getMap("annotations").size).toBeGreaterThan(0);
    expect(frames.length).toBeGreaterThan(0);
    const others = [s.owner, s.moderator, s.author, s.viewer];
    expect(frames.filter((f) => [s.author.user.name, s.moderator.user.name, ...others.map((p) => p.user.id)].some((n) => f.includes(n)))).toEqual([]);
  });

  it("draws new member ids when turned on before any annotation, closing open sockets with 4409, and refuses once work began", async () => {
    const owner = await signUp(live.t.app, distinctive("Owner"));
    const member = await signUp(live.t.app, distinctive("Member"));
    const group = await createGroup(owner, "Turned anonymous");
    await addMember(owner, group.id, member, "annotator");
    const article = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
    const articleId = article.body.id as string;
    const before = (await member.get(`/api/articles/${articleId}`)).body.memberId as string;
    expect(before).toBe(member.user.id);
    const socket = live.open(groupRoom(articleId), tokenOf(member));
    await socket.synced;

    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true })).status).toBe(200);
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(4409), 2_000);
    const after = (await member.get(`/api/articles/${articleId}`)).body.memberId as string;
    expect(after).not.toBe(member.user.id);
    expect((await owner.get(`/api/groups/${group.id}/members`)).body.members.map((m: Member) => m.id)).toContain(after);

    // Work under the new ids; turning anonymity off and on again would have to rename its authors: refused.
    const posted = await member.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "First remark" });
    expect(posted.body.author.id).toBe(after);
    expect((await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: false })).status).toBe(200);
    const again = await owner.patch(`/api/groups/${group.id}`, { anonymousToPeers: true });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/before the group's first annotation/);
    expect((await member.get(`/api/articles/${articleId}`)).body.memberId).toBe(after);
  });

  it("takes socket writes, votes and assignments by member id, and refuses an account id in their place", async () => {
    const s = await seminar();
    const [peerId, authorId] = [await memberIdOf(s, s.peer), await memberIdOf(s, s.author)];
    const room = groupRoom(s.articleId);
    const peer = live.open(room, tokenOf(s.peer), { acks: true });
    await peer.synced;
    const id = createAnnotation(peer.doc, { kind: "comment", authorId: peerId, body: "Written over the socket", assignees: [authorId] });
    setVote(peer.doc, s.theirs, peerId, "agree");
    await eventually(async () => {
      const stored = (await s.author.get(`/api/annotations/${id}`)).body;
      expect(stored).toMatchObject({ author: { id: peerId }, assignment: { assignees: [authorId] } });
      expect((await s.author.get(`/api/annotations/${s.theirs}`)).body.votes).toEqual({ agree: 1, disagree: 0 });
    }, 3_000);
    expect((await s.author.get(`/api/articles/${s.articleId}/annotations?author=${peerId}`)).body.annotations.map((a: { id: string }) => a.id)).toContain(id);
    expect((await s.peer.get("/api/me/notifications")).status).toBe(200);
    const assigned = (await s.author.get("/api/me/assignments")).body.assignments as Array<{ annotation: { id: string } }>;
    expect(assigned.map((a) => a.annotation.id)).toContain(id);

    // REST: assignees are member ids; an account id is no member's.
    expect((await s.author.put(`/api/annotations/${s.theirs}/assignment`, { assignees: [peerId], dueAt: null })).status).toBe(200);
    const byAccount = await s.author.put(`/api/annotations/${s.theirs}/assignment`, { assignees: [s.peer.user.id], dueAt: null });
    expect(byAccount.status).toBe(400);

    // A socket that writes under its account id writes as nobody the group knows: refused, nothing stored.
    const impostor = live.open(room, tokenOf(s.peer), { acks: true });
    await impostor.synced;
    const refused = createAnnotation(impostor.doc, { kind: "comment", authorId: s.peer.user.id, body: "Under my account id" });
    await eventually(() => expect(impostor.closes.map((c) => c.code)).toContain(4403), 3_000);
    expect((await s.author.get(`/api/annotations/${refused}`)).status).toBe(404);
  });

  it("restores names when the owner turns the setting off", async () => {
    const s = await seminar();
    expect((await s.owner.patch(`/api/groups/${s.group.id}`, { anonymousToPeers: false })).body.anonymousToPeers).toBe(false);
    const members = (await s.peer.get(`/api/groups/${s.group.id}/members`)).body.members as Array<{ name: string }>;
    expect(members.map((m) => m.name)).toContain(s.author.user.name);
    expect((await s.peer.get(`/api/annotations/${s.theirs}`)).body.author.name).toBe(s.author.user.name);
    expect((await s.peer.get(`/api/groups/${s.group.id}`)).body).toMatchObject({ anonymousToPeers: false, reviewQuorum: 1 });
  });
});
