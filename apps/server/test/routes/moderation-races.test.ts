import { updateAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { contextFor } from "../../src/documents/context.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ROUNDS = 4;

type Entry = { annotationId: string; action: string; oldStatus: string; newStatus: string };

async function desk(moderation: "open" | "pre" = "open") {
  const d = await articleWithMembers(t.app, ["annotator", "moderator", "moderator"], moderation);
  const [author, mod, second] = d.members as unknown as [TestClient, TestClient, TestClient];
  const post = async (body: object) => {
    const res = await author.post(`/api/articles/${d.article.id}/annotations`, body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const logOf = async (id: string) =>
    ((await d.owner.get(`/api/groups/${d.group.id}/moderation/log`)).body.entries as Entry[]).filter((e) => e.annotationId === id).reverse();
  return { ...d, author, mod, second, moderators: [d.owner, mod, second], post, logOf };
}

describe("moderation decisions made at once", () => {
  it("takes one of three hides sent at once, answers the others 409 and logs one hide", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "comment", body: `Hide me once (${round})` });
      const answers = await Promise.all(d.moderators.map((m) => m.post(`/api/annotations/${id}/hide`)));
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409, 409]);
      expect(await d.logOf(id)).toEqual([expect.objectContaining({ action: "hide", oldStatus: "published", newStatus: "hidden" })]);
      expect((await d.owner.get(`/api/annotations/${id}`)).body.status).toBe("hidden");
    }
  }, 60_000);

  it("takes one of a publish and a hide sent at once, and the log ends at the status the annotation has", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "factcheck", body: "", status: "pending", factcheck: { claim: `c${round}`, verdict: "false", sources: [] } });
      const answers = await Promise.all([d.mod.post(`/api/annotations/${id}/publish`), d.second.post(`/api/annotations/${id}/hide`)]);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409]);
      const log = await d.logOf(id);
      expect(log).toHaveLength(1);
      expect(log[0]!.oldStatus).toBe("pending");
      expect((await d.owner.get(`/api/annotations/${id}`)).body.status).toBe(log[0]!.newStatus);
    }
  }, 60_000);

  it("logs a hide only if it was made before its author deleted the annotation", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "comment", body: `Gone soon (${round})` });
      const [deleted, ...hides] = await Promise.all([
        d.author.delete(`/api/annotations/${id}`),
        d.mod.post(`/api/annotations/${id}/hide`),
        d.second.post(`/api/annotations/${id}/hide`),
      ]);
      const hidden = hides.filter((h) => h.status === 200).length;
      // A hide that came first is logged; the author may still delete their hidden annotation, or not.
      expect(hides.every((h) => [200, 404, 409, 410].includes(h.status)), `round ${round}: ${hides.map((h) => h.status)}`).toBe(true);
      expect(hidden).toBeLessThanOrEqual(1);
      // A hide logged without a 200 was made, and its author then deleted the hidden annotation before it was answered.
      const logged = (await d.logOf(id)).filter((e) => e.action === "hide").length;
      expect(logged === hidden || (logged === 1 && deleted!.status === 204), `round ${round}: ${logged} logged, ${hides.map((h) => h.status)}`).toBe(true);
      if (deleted!.status === 204) expect((await d.owner.get(`/api/annotations/${id}`)).status).toBeGreaterThanOrEqual(404);
    }
  }, 60_000);

  it("hides on many articles at once, more than the pool has connections", async () => {
    const d = await desk();
    const articles = [d.article.id];
    for (let i = 0; i < 5; i++) articles.push((await d.owner.post(`/api/groups/${d.group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" })).body.id);
    const ids: string[] = [];
    for (const articleId of articles) ids.push((await d.author.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "One each" })).body.id);
    const answers = await Promise.all(ids.map((id, i) => d.moderators[i % 3]!.post(`/api/annotations/${id}/hide`)));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
  }, 60_000);

  it("keeps a submission listed when its author's live edit makes the approval take its published copy back", async () => {
    const d = await desk("pre");
    const id = await d.post({ kind: "comment", body: "first words" });
    const author = (d.members[0] as unknown as { user: { id: string } }).user.id;
    const own = contextFor({ kind: "private", articleId: d.article.id, userId: author }, d.group.id, 1);
    // The approval has written the group copy; a live edit (a socket's) lands on the private copy before
    // the approval deletes it, which takes the group copy back.
    const change = t.hub.change.bind(t.hub);
    let edited = false;
    const spy = vi.spyOn(t.hub, "change").mockImplementation(async (context, ...rest) => {
      await change(context, ...rest);
      if (edited || context.visibility !== "group") return;
      edited = true;
      await change(own, { userId: null }, (doc) => updateAnnotation(doc, id, { body: "second words" }));
    });
    const approved = await d.mod.post(`/api/annotations/${id}/approve`);
    spy.mockRestore();
    expect([edited, approved.status]).toEqual([true, 409]);
    const read = await d.author.get(`/api/annotations/${id}`);
    expect([read.status, read.body.visibility, read.body.status, read.body.body]).toEqual([200, "private", "pending", "second words"]);
    expect((await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items.map((i: { annotation: { id: string } }) => i.annotation.id)).toContain(id);
  }, 30_000);
});
