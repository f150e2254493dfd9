import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";

let t: TestApp;
let url: string;
const clients: SyncClient[] = [];
beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t.close();
});

const target = seedTarget;
const fc = (claim: string, verdict: string) => ({ claim, verdict, confidence: 0.8, sources: [{ url: "https://example.org/s", title: "Source" }] });

async function seeded() {
  const desk = await articleWithMembers(t.app, ["annotator", "moderator", "viewer"]);
  const [ann, mod] = desk.members as [(typeof desk.members)[0], (typeof desk.members)[0]];
  const post = (who: TestClient, body: object) => who.post(`/api/articles/${desk.article.id}/annotations`, body);
  const ids = {
    early: (await post(ann, { kind: "comment", body: "Sanctions on banking are the key lever", target: target(10, "Russia"), tags: ["sanctions"] })).body.id,
    late: (await post(desk.owner, { kind: "highlight", body: "", target: target(500, "Iran"), tags: ["iran", "sanctions"] })).body.id,
    check: (await post(ann, { kind: "factcheck", body: "Compared with trade data", target: target(200, "West"), factcheck: fc("The JCPOA revival is ineffective", "misleading") })).body.id,
    middle: (await post(mod, { kind: "comment", body: "Military cooperation deepened in 2022", target: target(300, "military") })).body.id,
  };
  return { ...desk, ann, mod, ids };
}

const ids = (res: { body: { annotations: { id: string }[] } }) => res.body.annotations.map((a) => a.id);

describe("listing: filters, search and sort", () => {
  it("sorts by position by default and by creation on request", async () => {
    const s = await seeded();
    const base = `/api/articles/${s.article.id}/annotations`;
    expect(ids(await s.owner.get(base))).toEqual([s.ids.early, s.ids.check, s.ids.middle, s.ids.late]);
    expect(ids(await s.owner.get(`${base}?sort=created&order=asc`))).toEqual([s.ids.early, s.ids.late, s.ids.check, s.ids.middle]);
    expect(ids(await s.owner.get(`${base}?sort=created`))).toEqual([s.ids.middle, s.ids.check, s.ids.late, s.ids.early]);
  });

  it("filters by kind, author, tag, status, verdict, resolved and anchor state", async () => {
    const s = await seeded();
    const q = (query: string) => s.owner.get(`/api/articles/${s.article.id}/annotations?${query}`);
    expect(ids(await q("kind=factcheck"))).toEqual([s.ids.check]);
    expect(ids(await q("kind=comment,highlight&tag=sanctions"))).toEqual([s.ids.early, s.ids.late]);
    expect(ids(await q(`author=${s.mod.user.id}`))).toEqual([s.ids.middle]);
    expect(ids(await q("verdict=misleading"))).toEqual([s.ids.check]);
    expect(ids(await q("status=pending"))).toEqual([s.ids.check]);
    expect(ids(await q("resolved=true"))).toEqual([]);
    expect(ids(await q("anchor=anchored"))).toHaveLength(4);
    expect(ids(await q("anchor=orphaned"))).toEqual([]);
  });

  it("searches body, claim and quote with Postgres full text", async () => {
    const s = await seeded();
    const q = (text: string) => s.owner.get(`/api/articles/${s.article.id}/annotations?q=${encodeURIComponent(text)}`);
    expect(ids(await q("sanction"))).toEqual([s.ids.early]);
    expect(ids(await q("ineffective revival"))).toEqual([s.ids.check]);
    expect(ids(await q("military"))).toEqual([s.ids.middle]);
    expect(ids(await q("Iran"))).toEqual([s.ids.late]);
    expect(ids(await q("'; drop table annotations; --"))).toEqual([]);
  });

  it("rejects bad filters naming the field", async () => {
    const s = await seeded();
    for (const [query, field] of [["kind=rant", "kind"], ["limit=201", "limit"], ["sort=random", "sort"], ["cursor=abc", "cursor"], ["author=x", "author"]]) {
      const res = await s.owner.get(`/api/articles/${s.article.id}/annotations?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });
});

describe("cursor paging", () => {
  it("pages with a cursor and stays stable while annotations are inserted concurrently", async () => {
    const s = await seeded();
    const base = `/api/articles/${s.article.id}/annotations?sort=position&limit=2`;
    const first = await s.owner.get(base);
    expect(ids(first)).toEqual([s.ids.early, s.ids.check]);
    // Inserted before the page boundary and after it, while the reader is between pages.
    const before = (await s.owner.post(`/api/articles/${s.article.id}/annotations`, { kind: "highlight", target: target(0, "Hamid") })).body.id;
    const after = (await s.owner.post(`/api/articles/${s.article.id}/annotations`, { kind: "highlight", target: target(900, "West") })).body.id;
    const second = await s.owner.get(`${base}&cursor=${first.body.nextCursor}`);
    expect(ids(second)).toEqual([s.ids.middle, s.ids.late]);
    const third = await s.owner.get(`${base}&cursor=${second.body.nextCursor}`);
    expect(ids(third)).toEqual([after]);
    expect(third.body.nextCursor).toBeNull();
    const all = [...ids(first), ...ids(second), ...ids(third)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain(before);
  });
});

describe("editing through the document", () => {
  it("PATCHes the author's own annotation and shows it live on a socket", async () => {
    const s = await seeded();
    const live = openSyncClient(url, s.article.sync.room, s.owner.token);
    clients.push(live);
    await live.synced;
    const res = await s.ann.patch(`/api/annotations/${s.ids.early}`, { body: "Edited over REST", tags: ["edited"] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ body: "Edited over REST", tags: ["edited"] });
    await eventually(() => expect(annotationsOf(live.doc).get(s.ids.early)?.get("body")?.toString()).toBe("Edited over REST"));
  });

  it("gives editedAt for a changed body, not for tags, a resolve or a moderator's hide and unhide", async () => {
    const s = await seeded();
    const at = `/api/annotations/${s.ids.early}`;
    expect((await s.ann.get(at)).body.editedAt).toBeNull();
    expect((await s.ann.patch(at, { tags: ["energy"] })).body.editedAt).toBeNull();
    expect((await s.mod.post(`${at}/resolve`)).body.editedAt).toBeNull();
    expect((await s.mod.post(`${at}/hide`)).body.editedAt).toBeNull();
    expect((await s.mod.post(`${at}/unhide`)).body.editedAt).toBeNull();
    const same = await s.ann.patch(at, { body: (await s.ann.get(at)).body.body });
    expect(same.body.editedAt).toBeNull();

    const edited = await s.ann.patch(at, { body: "Second thoughts" });
    expect(edited.body.editedAt).toEqual(expect.any(String));
    // Stamped by the server right after the edit, in the same request.
    expect(Date.parse(edited.body.editedAt)).toBeGreaterThanOrEqual(Date.parse(edited.body.updatedAt));
    const listed = await s.owner.get(`/api/articles/${s.article.id}/annotations`);
    expect(listed.body.annotations.find((a: { id: string }) => a.id === s.ids.early).editedAt).toBe(edited.body.editedAt);
    // Resolving afterwards moves updatedAt on, and leaves the edit's time as it was.
    const resolved = await s.mod.post(`${at}/reopen`);
    expect(resolved.body.editedAt).toBe(edited.body.editedAt);
  });

  it("keeps a body's language, canonical, through create, reply, patch and the live document; changing it is no edit", async () => {
    const s = await seeded();
    const post = (body: object) => s.ann.post(`/api/articles/${s.article.id}/annotations`, { kind: "comment", body: "قیمت نان سه برابر شد", target: target(10, "Russia"), ...body });
    const made = await post({ language: "FA-ir" });
    expect(made.status).toBe(201);
    expect(made.body.language).toBe("fa-IR");
    const at = `/api/annotations/${made.body.id}`;
    expect((await s.owner.get(at)).body.language).toBe("fa-IR");
    const live = openSyncClient(url, s.article.sync.room, s.owner.token);
    clients.push(live);
    await live.synced;
    expect(annotationsOf(live.doc).get(made.body.id)?.get("language")).toBe("fa-IR");

    const changed = await s.ann.patch(at, { language: "ar" });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ language: "ar", editedAt: null });
    await eventually(() => expect(annotationsOf(live.doc).get(made.body.id)?.get("language")).toBe("ar"));
    expect((await s.ann.patch(at, { language: null })).body.language).toBeNull();
    expect((await s.owner.get(`/api/annotations/${s.ids.early}`)).body.language).toBeNull();

    const reply = await s.mod.post(`${at}/replies`, { body: "Source?", language: "en-gb" });
    expect(reply.body).toMatchObject({ parentId: made.body.id, language: "en-GB" });

    for (const bad of ["en_US", "", "x-klingon", "a".repeat(40), 7]) {
      const refused = await post({ language: bad });
      expect(refused.status).toBe(400);
      expect(refused.body.error.field).toBe("language");
      expect((await s.ann.patch(at, { language: bad })).body.error.field).toBe("language");
    }
    // Only the author changes what language their text is in.
    expect((await s.mod.patch(at, { language: "de" })).status).toBe(403);
  });

  it("refuses edits to others' annotations, immutable fields and bad values", async () => {
    const s = await seeded();
    expect((await s.ann.patch(`/api/annotations/${s.ids.middle}`, { body: "mine now" })).status).toBe(403);
    expect((await s.members[2]!.patch(`/api/annotations/${s.ids.early}`, { body: "viewer" })).status).toBe(403);
    const kind = await s.ann.patch(`/api/annotations/${s.ids.early}`, { kind: "factcheck" });
    expect(kind.status).toBe(400);
    const empty = await s.ann.patch(`/api/annotations/${s.ids.early}`, {});
    expect(empty.status).toBe(400);
    const tags = await s.ann.patch(`/api/annotations/${s.ids.early}`, { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) });
    expect(tags.body.error.field).toBe("tags");
    expect((await s.owner.get(`/api/annotations/${s.ids.middle}`)).body.body).toBe("Military cooperation deepened in 2022");
  });

  it("deletes the author's own annotation; afterwards it is gone (410)", async () => {
    const s = await seeded();
    expect((await s.owner.delete(`/api/annotations/${s.ids.early}`)).status).toBe(403);
    expect((await s.ann.delete(`/api/annotations/${s.ids.early}`)).status).toBe(204);
    expect((await s.ann.get(`/api/annotations/${s.ids.early}`)).status).toBe(410);
    const stranger = await signUp(t.app);
    expect((await stranger.get(`/api/annotations/${s.ids.early}`)).status).toBe(404);
    expect((await s.owner.get(`/api/annotations/nope`)).status).toBe(404);
  });

  it("answers every action on a deleted annotation with 410 to members and 404 to outsiders, before reading the body", async () => {
    const s = await seeded();
    expect((await s.ann.delete(`/api/annotations/${s.ids.early}`)).status).toBe(204);
    const stranger = await signUp(t.app);
    const at = `/api/annotations/${s.ids.early}`;
    const actions = [
      (who: TestClient) => who.patch(at, { body: "late edit" }),
      (who: TestClient) => who.delete(at),
      (who: TestClient) => who.post(`${at}/replies`, { body: "too late" }),
      (who: TestClient) => who.put(`${at}/vote`, { value: "agree" }),
      (who: TestClient) => who.post(`${at}/resolve`, {}),
      (who: TestClient) => who.post(`${at}/reattach`, { nonsense: true }),
      (who: TestClient) => who.post(`${at}/hide`, {}),
      (who: TestClient) => who.post(`${at}/flag`, { reason: "spam" }),
    ];
    for (const act of actions) {
      expect((await act(s.owner)).status).toBe(410);
      expect((await act(stranger)).status).toBe(404);
    }
  });

  it("replies, resolves and reopens a thread", async () => {
    const s = await seeded();
    const reply = await s.members[0]!.post(`/api/annotations/${s.ids.middle}/replies`, { body: "Source?" });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ parentId: s.ids.middle, kind: "comment", target: { exact: "military" } });
    expect((await s.mod.post(`/api/annotations/${s.ids.middle}/resolve`)).body.resolved).toBe(true);
    expect((await s.mod.post(`/api/annotations/${s.ids.middle}/reopen`)).body.resolved).toBe(false);
    expect((await s.members[2]!.post(`/api/annotations/${s.ids.middle}/replies`, { body: "viewer" })).status).toBe(403);
    const thread = await s.owner.get(`/api/articles/${s.article.id}/annotations?parent=${s.ids.middle}`);
    expect(ids(thread)).toEqual([reply.body.id]);
    // Top-level annotations only, or replies only, for a client that builds threads page by page.
    const all = ids(await s.owner.get(`/api/articles/${s.article.id}/annotations?limit=200`));
    const roots = ids(await s.owner.get(`/api/articles/${s.article.id}/annotations?root=true&limit=200`));
    expect(roots).not.toContain(reply.body.id);
    expect(roots.length).toBe(all.length - 1);
    expect(ids(await s.owner.get(`/api/articles/${s.article.id}/annotations?root=false`))).toEqual([reply.body.id]);
    expect(ids(await s.owner.get(`/api/groups/${s.group.id}/annotations?root=false`))).toEqual([reply.body.id]);
    const wrong = await s.owner.get(`/api/articles/${s.article.id}/annotations?root=null`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe("root");
  });
});

describe("client-chosen ids", () => {
  it("refuses an id that is taken, over REST and through a private document", async () => {
    const s = await seeded();
    const taken = await s.ann.post(`/api/articles/${s.article.id}/annotations`, { id: s.ids.middle, kind: "comment", body: "Bob was here" });
    expect(taken.status).toBe(409);
    expect(taken.body.error.field).toBe("id");

    const mine = openSyncClient(url, `article:${s.article.id}:private:${s.ann.user.id}`, s.ann.token);
    clients.push(mine);
    await mine.synced;
    createAnnotation(mine.doc, { id: s.ids.middle, kind: "comment", authorId: s.ann.user.id, body: "Bob was here" });
    // The commit finds the id taken, removes it from the private document and closes its writer's socket.
    await eventually(() => expect(mine.closes.map((c) => c.code)).toContain(SYNC_CLOSE_CODES.forbidden), 5_000);
    const row = await s.owner.get(`/api/annotations/${s.ids.middle}`);
    expect(row.body).toMatchObject({ body: "Military cooperation deepened in 2022", visibility: "group" });
  });
});

describe("the fact-check workflow", () => {
  it("moves draft → in review → published, with only moderators publishing, then locks it", async () => {
    const s = await seeded();
    const review = await s.ann.patch(`/api/annotations/${s.ids.check}`, { status: "pending" });
    expect(review.body.status).toBe("pending");
    expect((await s.ann.patch(`/api/annotations/${s.ids.check}`, { status: "published" })).status).toBe(403);
    expect((await s.ann.post(`/api/annotations/${s.ids.check}/publish`)).status).toBe(403);
    const published = await s.mod.post(`/api/annotations/${s.ids.check}/publish`);
    expect(published.status).toBe(200);
    expect(published.body.status).toBe("published");
    const locked = await s.ann.patch(`/api/annotations/${s.ids.check}`, { factcheck: fc("Changed later", "true") });
    expect(locked.status).toBe(403);
    expect(locked.body.error.message).toMatch(/locked/);
    expect((await s.mod.post(`/api/annotations/${s.ids.check}/publish`)).status).toBe(409);
  });

  it("counts agree and disagree votes, one per member", async () => {
    const s = await seeded();
    const vote = (who: TestClient, value: string | null) => who.put(`/api/annotations/${s.ids.check}/vote`, { value });
    expect((await vote(s.owner, "agree")).body.votes).toEqual({ agree: 1, disagree: 0 });
    await vote(s.mod, "disagree");
    await vote(s.owner, "agree");
    expect((await vote(s.ann, "agree")).body.votes).toEqual({ agree: 2, disagree: 1 });
    expect((await vote(s.owner, null)).body.votes).toEqual({ agree: 1, disagree: 1 });
    expect((await vote(s.members[2]!, "agree")).status).toBe(403);
    expect((await vote(s.owner, "maybe")).body.error.field).toBe("value");
    const listed = await s.owner.get(`/api/articles/${s.article.id}/annotations?kind=factcheck`);
    expect(listed.body.annotations[0].votes).toEqual({ agree: 1, disagree: 1 });
  });
});
