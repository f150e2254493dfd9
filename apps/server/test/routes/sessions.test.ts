import { parse } from "csv-parse/sync";
import { and, eq } from "drizzle-orm";
import { CodePointIndex, VERDICTS, buildTarget, parseVoteKey, updateAnnotation, votesOf } from "@marginalia/schema";
import { annotations, groups } from "@marginalia/schema/tables";
import { beforeAll, describe, expect, it } from "vitest";
import { contextFor } from "../../src/documents/context.ts";
import { TestClient, addMember, signUp } from "../support/app.ts";
import { type Member, articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { type SyncClient, eventually } from "../support/sync-client.ts";

const live = liveServer();

type Row = typeof annotations.$inferSelect;
type Session = Awaited<ReturnType<typeof scriptSession>>;

/**
 * A seminar on the seed article, all through the API: fact-checks with
 * verdicts (one published by a moderator, one pending), comments on
 * overlapping text, a highlight, replies, votes (one on the voter's own
 * work), resolved threads, a hidden comment with a reply under it, an
 * assignment, and one member's live selection.
 */
async function scriptSession() {
  const { owner, group, article, members } = await articleWithMembers(live.t.app, ["moderator", "annotator", "annotator", "viewer"]);
  const [mod, ann, ben, viewer] = members as [Member, Member, Member, Member];
  const evil = await signUp(live.t.app, "=2+3 Evil");
  await addMember(owner, group.id, evil, "annotator");
  const { text } = (await owner.get(`/api/articles/${article.id}`)).body as { text: string };
  const index = new CodePointIndex(text);
  const at = (start: number, end: number) => buildTarget(index, { start, end }, 1);
  const factcheck = (verdict: string, start: number, end: number) => ({
    kind: "factcheck",
    target: at(start, end),
    factcheck: { claim: index.slice(start, end), verdict, sources: [] },
  });
  const create = async (who: TestClient, input: object) => {
    const res = await who.post(`/api/articles/${article.id}/annotations`, input);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const reply = async (who: TestClient, parent: string, body: string) => {
    const res = await who.post(`/api/annotations/${parent}/replies`, { body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const ok = async (request: Promise<{ status: number }>) => expect((await request).status).toBe(200);

  const a1 = await create(ann, factcheck("misleading", 100, 180));
  await ok(mod.post(`/api/annotations/${a1}/publish`));
  const a2 = await create(ann, { kind: "comment", body: "Which source?", target: at(150, 260) });
  await create(ben, { ...factcheck("mostly-true", 400, 450), status: "pending" });
  const b2 = await create(ben, { kind: "highlight", target: at(1000, 1100) });
  const m1 = await create(mod, factcheck("false", 2000, 2100));
  const o1 = await create(owner, { kind: "comment", body: "Off topic", target: at(3000, 3050) });
  await create(evil, { kind: "highlight", target: at(90, 120) });
  await reply(ben, a1, "Agreed, the dates do not match.");
  await reply(owner, a1, "See the 2023 report.");
  await reply(ann, m1, "Confirmed by the ministry.");
  await reply(ben, o1, "Still off topic.");
  for (const [who, id, value] of [[ben, a1, "agree"], [mod, a1, "disagree"], [ann, a1, "agree"], [owner, a2, "agree"], [ann, m1, "disagree"]] as const) {
    await ok(who.put(`/api/annotations/${id}/vote`, { value }));
  }
  await ok(mod.post(`/api/annotations/${a2}/resolve`));
  await ok(ben.post(`/api/annotations/${b2}/resolve`));
  await ok(mod.post(`/api/annotations/${o1}/hide`));
  // Assigning has its own route elsewhere; here it is the server-side write such a route makes.
  const context = contextFor({ kind: "group", articleId: article.id }, group.id, 1);
  await live.t.hub.change(context, { userId: mod.user.id }, (doc) => updateAnnotation(doc, m1, { assignees: [ben.user.id] }));

  const watcher = live.open(article.sync.room, ann.token);
  await watcher.synced;
  watcher.provider.awareness.setLocalStateField("selection", { start: 120, end: 130 });

  const rows = await live.t.database.db
    .select()
    .from(annotations)
    .where(and(eq(annotations.articleId, article.id), eq(annotations.visibility, "group")));
  return { owner, mod, ann, ben, viewer, evil, group, article, text, index, ids: { a1, m1 }, rows, watcher };
}

/** What the views should count, worked out from the projection rows rather than the document. */
function expectedFrom(rows: Row[], watcher: SyncClient) {
  const withdrawn = new Set(rows.filter((r) => r.status === "hidden" || r.status === "rejected").map((r) => r.id));
  const counted = rows.filter((r) => !withdrawn.has(r.id) && !(r.parentId && withdrawn.has(r.parentId)));
  const roots = counted.filter((r) => r.parentId === null);
  const replies = counted.filter((r) => r.parentId !== null);
  const claims = roots.filter((r) => r.kind === "factcheck");
  const selfVotes = new Map<string, { agree: number; disagree: number }>();
  for (const [key, value] of votesOf(watcher.doc).entries()) {
    const vote = parseVoteKey(key)!;
    if (rows.find((r) => r.id === vote.annotationId)?.authorId !== vote.userId) continue;
    const tally = selfVotes.get(vote.annotationId) ?? { agree: 0, disagree: 0 };
    tally[value]++;
    selfVotes.set(vote.annotationId, tally);
  }
  return { counted, roots, replies, claims, selfVotes };
}

let s: Session;
beforeAll(async () => {
  s = await scriptSession();
}, 30_000);

describe("GET /api/articles/:id/summary", () => {
  it("counts claims, verdicts, threads and replies as the annotation rows do", async () => {
    const { roots, replies, claims } = expectedFrom(s.rows, s.watcher);
    const res = await s.viewer.get(`/api/articles/${s.article.id}/summary`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.claims).toEqual({
      total: claims.length,
      published: claims.filter((r) => r.status === "published").length,
      inReview: claims.filter((r) => r.status === "pending" || r.status === "draft").length,
    });
    expect(body.claims).toEqual({ total: 3, published: 2, inReview: 1 });
    for (const verdict of VERDICTS) expect(body.verdicts[verdict]).toBe(claims.filter((r) => r.verdict === verdict).length);
    expect(body.threads).toEqual({ resolved: roots.filter((r) => r.resolved).length, open: roots.filter((r) => !r.resolved).length });
    expect(body.threads).toEqual({ resolved: 2, open: 4 });
    expect(body.annotations).toEqual({
      highlight: roots.filter((r) => r.kind === "highlight").length,
      comment: roots.filter((r) => r.kind === "comment").length,
      factcheck: claims.length,
      replies: replies.length,
    });
    const sum = (key: string) => body.timeline.buckets.reduce((n: number, b: Record<string, number>) => n + b[key]!, 0);
    expect(sum("annotations")).toBe(roots.length);
    expect(sum("replies")).toBe(replies.length);
    expect(sum("verdicts")).toBe([...roots, ...replies].filter((r) => r.kind === "factcheck").length);
    expect(body.timeline.latest).toHaveLength(Math.min(10, roots.length + replies.length));
    const newest = Math.max(...[...roots, ...replies].map((r) => r.createdAt.getTime()));
    expect(body.timeline.latest[0].at).toBe(newest);
  });

  it("shows who is here with what they selected, and who is assigned what", async () => {
    const people = await eventually(async () => {
      const { body } = await s.owner.get(`/api/articles/${s.article.id}/summary`);
      expect(body.people.some((p: { present: boolean }) => p.present)).toBe(true);
      return body.people as Array<{ user: { id: string; name: string }; present: boolean; selections: unknown[]; reading: string[]; assigned: Array<{ annotationId: string }> }>;
    }, 2_000);
    const ann = people.find((p) => p.user.id === s.ann.user.id)!;
    expect(ann).toMatchObject({ present: true, user: { name: "annotator member" }, reading: [s.ids.a1] });
    expect(ann.selections).toEqual([{ start: 120, end: 130, quote: s.index.slice(120, 130) }]);
    const ben = people.find((p) => p.user.id === s.ben.user.id)!;
    expect(ben).toMatchObject({ present: false, assigned: [{ annotationId: s.ids.m1, resolved: false, dueAt: null }] });
    expect(people).toHaveLength(2);
  });
});

describe("GET /api/articles/:id/participation", () => {
  it("gives every member their annotations, replies, votes received, coverage and activity, as the rows do", async () => {
    const { counted, roots, replies, selfVotes } = expectedFrom(s.rows, s.watcher);
    const res = await s.mod.get(`/api/articles/${s.article.id}/participation`);
    expect(res.status).toBe(200);
    const length = Array.from(s.text).length;
    expect(res.body.textLength).toBe(length);
    const everyone = [s.owner, s.mod, s.ann, s.ben, s.viewer, s.evil];
    expect(res.body.members.map((m: { user: { id: string } }) => m.user.id).sort()).toEqual(everyone.map((u) => u.user.id).sort());
    for (const member of res.body.members) {
      const id = member.user.id as string;
      const mine = roots.filter((r) => r.authorId === id);
      const written = counted.filter((r) => r.authorId === id);
      const covered = new Set<number>();
      for (const r of mine) for (let i = r.target!.start; i < r.target!.end; i++) covered.add(i);
      const received = { agree: 0, disagree: 0 };
      for (const r of written) {
        received.agree += r.votesAgree - (selfVotes.get(r.id)?.agree ?? 0);
        received.disagree += r.votesDisagree - (selfVotes.get(r.id)?.disagree ?? 0);
      }
      const times = written.map((r) => r.createdAt.getTime());
      expect(member).toMatchObject({
        member: true,
        annotations: {
          highlight: mine.filter((r) => r.kind === "highlight").length,
          comment: mine.filter((r) => r.kind === "comment").length,
          factcheck: mine.filter((r) => r.kind === "factcheck").length,
          total: mine.length,
        },
        replies: replies.filter((r) => r.authorId === id).length,
        votesReceived: received,
        covered: covered.size,
        firstActiveAt: times.length ? Math.min(...times) : null,
        lastActiveAt: times.length ? Math.max(...times) : null,
      });
      expect(member.coverage).toBeCloseTo(covered.size / length, 10);
    }
    const ann = res.body.members.find((m: { user: { id: string } }) => m.user.id === s.ann.user.id);
    // 100–180 and 150–260 overlap: 160 code points, not 190; her own vote on a1 is not received.
    expect(ann).toMatchObject({ covered: 160, votesReceived: { agree: 2, disagree: 1 }, replies: 1 });
    const idle = res.body.members.find((m: { user: { id: string } }) => m.user.id === s.viewer.user.id);
    expect(idle).toMatchObject({ role: "viewer", annotations: { total: 0 }, replies: 0, covered: 0, firstActiveAt: null, activeDays: [] });
  });

  it("downloads the same numbers as CSV, with names kept from running as formulas", async () => {
    const json = (await s.owner.get(`/api/articles/${s.article.id}/participation`)).body;
    const res = await s.owner.get(`/api/articles/${s.article.id}/participation?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="participation-${s.article.id}.csv"`);
    const rows = parse(res.body as string, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(json.members.length);
    for (const [i, m] of json.members.entries()) {
      expect(rows[i]).toMatchObject({
        member_id: m.user.id,
        annotations: String(m.annotations.total),
        factchecks: String(m.annotations.factcheck),
        replies: String(m.replies),
        votes_agree_received: String(m.votesReceived.agree),
        votes_disagree_received: String(m.votesReceived.disagree),
        covered_code_points: String(m.covered),
        active_hours: String(m.activeHours),
        first_active: m.firstActiveAt === null ? "" : new Date(m.firstActiveAt).toISOString(),
      });
    }
    expect(rows.find((r) => r.member_id === s.evil.user.id)!.name).toBe("'=2+3 Evil");
  });

  it("is for owners and moderators: 403 for annotators and viewers, 404 for outsiders, 400 for an unknown format", async () => {
    const path = `/api/articles/${s.article.id}/participation`;
    expect((await s.ann.get(path)).status).toBe(403);
    expect((await s.viewer.get(`${path}?format=csv`)).status).toBe(403);
    const stranger = await signUp(live.t.app, "Stranger");
    expect((await stranger.get(path)).status).toBe(404);
    expect((await stranger.get(`/api/articles/${s.article.id}/summary`)).status).toBe(404);
    expect((await new TestClient(live.t.app).get(`/api/articles/${s.article.id}/summary`)).status).toBe(401);
    const bad = await s.mod.get(`${path}?format=xml`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

describe("anonymous to peers", () => {
  it("shows a peer pseudonyms, even for people present, and a moderator names", async () => {
    const { owner, group, article, members } = await articleWithMembers(live.t.app, ["annotator", "moderator"]);
    const [peer, mod] = members as [Member, Member];
    await live.t.database.db.update(groups).set({ anonymousToPeers: true }).where(eq(groups.id, group.id));
    const comment = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Owner's note" });
    await mod.post(`/api/annotations/${comment.body.id}/replies`, { body: "Moderator's reply" });
    await peer.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Peer's note" });
    const present = live.open(article.sync.room, mod.token);
    await present.synced;
    // A state's first version has clock 0, which y-protocols peers ignore; the reader sets a field at once, as here.
    present.provider.awareness.setLocalStateField("selection", null);

    const seen = await eventually(async () => {
      const { body } = await peer.get(`/api/articles/${article.id}/summary`);
      expect(body.people).toHaveLength(1);
      return body;
    }, 2_000);
    expect(seen.namesMasked).toBe(true);
    const text = JSON.stringify(seen);
    expect(text).not.toContain("Owner");
    expect(text).not.toContain("moderator member");
    expect(seen.people[0].user.name).toMatch(/^Participant [A-Z2-7]{4}$/);
    const authors = seen.timeline.latest.map((e: { author: { id: string; name: string } }) => [e.author.id, e.author.name]);
    expect(authors).toContainEqual([peer.user.id, "annotator member"]);

    const named = (await mod.get(`/api/articles/${article.id}/summary`)).body;
    expect(named.namesMasked).toBe(false);
    expect(named.people[0].user.name).toBe("moderator member");
    expect(named.timeline.latest.map((e: { author: { name: string } }) => e.author.name).sort()).toEqual(["Owner", "annotator member", "moderator member"]);
  });
});
