import { buildTarget, groupRoom } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { tokenOf } from "../support/article.ts";
import { seeded } from "../support/seed.ts";
import { eventually } from "../support/sync-client.ts";

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
  await author.post(`/api/annotations/${mine.body.id}/replies`, { body: `Agreed, @${peer.email.split("@")[0]}` });
  await moderator.post(`/api/annotations/${mine.body.id}/hide`, { reason: "Checking" });
  await moderator.post(`/api/annotations/${mine.body.id}/unhide`);
  return { owner, moderator, author, peer, viewer, group, articleId, mine: mine.body.id as string, theirs: theirs.body.id as string };
}

type Seminar = Awaited<ReturnType<typeof seminar>>;

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
    const res = await live.t.app.request(path, { headers: { cookie: who.cookie!, "x-forwarded-for": who.ip } });
    expect(res.status, path).toBe(200);
    bodies[path] = await res.text();
  }
  return bodies;
}

const leaksOf = (bodies: Record<string, string>, people: Person[]) =>
  Object.entries(bodies).flatMap(([path, text]) =>
    people.flatMap((p) => [p.user.name, p.email].filter((secret) => text.includes(secret)).map((secret) => `${path}: ${secret}`)),
  );

describe("anonymous to peers", () => {
  it("never sends a peer another member's name or email, from any endpoint, while they keep their own", async () => {
    const s = await seminar();
    for (const [self, others] of [
      [s.peer, [s.owner, s.moderator, s.author, s.viewer]],
      [s.viewer, [s.owner, s.moderator, s.author, s.peer]],
    ] as const) {
      const bodies = await everything(s, self);
      expect(leaksOf(bodies, [...others])).toEqual([]);
      const members = JSON.parse(bodies[`/api/groups/${s.group.id}/members`]!).members as Array<{ userId: string; name: string; email: string | null }>;
      expect(members).toHaveLength(5);
      expect(members.find((m) => m.userId === self.user.id)).toMatchObject({ name: self.user.name, email: self.email });
      for (const m of members.filter((m) => m.userId !== self.user.id)) expect(m).toMatchObject({ name: expect.stringMatching(/^Participant /), email: null });
    }
    // The names the peer does get are the pseudonyms the members list gives, so threads still tell people apart.
    const members = (await s.peer.get(`/api/groups/${s.group.id}/members`)).body.members as Array<{ userId: string; name: string }>;
    const authorAlias = members.find((m) => m.userId === s.author.user.id)!.name;
    expect((await s.peer.get(`/api/annotations/${s.theirs}`)).body.author).toEqual({ id: s.author.user.id, name: authorAlias });
    expect((await s.peer.get(`/api/annotations/${s.mine}`)).body.author.name).toBe(s.peer.user.name);
    const notes = (await s.peer.get("/api/me/notifications")).body.notifications as Array<{ kind: string; actor: { name: string } }>;
    expect(notes.map((n) => n.kind).sort()).toEqual(["mention", "moderation", "moderation", "reply"]);
    expect(notes.find((n) => n.kind === "reply")!.actor.name).toBe(authorAlias);
  });

  it("shows every name to moderators and owners", async () => {
    const s = await seminar();
    const everyone = [s.owner, s.moderator, s.author, s.peer, s.viewer];
    for (const who of [s.moderator, s.owner]) {
      const bodies = await everything(s, who);
      const members = JSON.parse(bodies[`/api/groups/${s.group.id}/members`]!).members as Array<{ name: string; email: string }>;
      expect(members.map((m) => m.name).sort()).toEqual(everyone.map((p) => p.user.name).sort());
      expect(members.map((m) => m.email).sort()).toEqual(everyone.map((p) => p.email).sort());
      expect(JSON.parse(bodies[`/api/annotations/${s.theirs}`]!).author.name).toBe(s.author.user.name);
      expect(JSON.parse(bodies[`/api/articles/${s.articleId}/revisions`]!).revisions[0].author.name).toBe(s.owner.user.name);
      for (const format of ["csv", "markdown", "w3c"]) expect(bodies[`/api/articles/${s.articleId}/export?format=${format}`]).toContain(s.author.user.name);
      expect(bodies[`/w3c/articles/${s.articleId}/`]).toContain(s.author.user.name);
    }
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
    const members = (await s.moderator.get(`/api/groups/${s.group.id}/members`)).body.members as Array<{ userId: string; name: string }>;
    await eventually(() => {
      const seen = [...peer.provider.awareness.getStates().values()].map((st) => st.user as { id: string; name: string } | undefined);
      const theAuthor = seen.find((u) => u?.id === s.author.user.id);
      expect(theAuthor?.name).toMatch(/^Participant /);
      // A moderator's client gets the same stamp, and finds the name by id in its members list.
      const forModerator = moderator.provider.awareness.getStates().get(author.doc.clientID)?.user as { id: string };
      expect(members.find((m) => m.userId === forModerator.id)?.name).toBe(s.author.user.name);
    }, 3_000);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((f) => [s.author.user.name, s.moderator.user.name].some((n) => f.includes(n)))).toEqual([]);
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
