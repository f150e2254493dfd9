import { type Factcheck, SYNC_CLOSE_CODES, annotationsOf, buildTarget, createAnnotation, groupRoom, hiddenRoom, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";

/**
 * A verdict reaches readers only through review (docs/sync.md, "What you may write"): not on a highlight,
 * and not by hiding a draft or pending one and unhiding it.
 */
const live = liveServer();
type Person = Awaited<ReturnType<typeof signUp>>;
const factcheck: Factcheck = { claim: "Water boils at 100 degrees", verdict: "false", sources: [] };

async function desk(moderation: "open" | "pre") {
  const app = live.t.app;
  const [owner, annotator, viewer] = (await Promise.all(["Owner", "Annotator", "Viewer"].map((n) => signUp(app, n)))) as [Person, Person, Person];
  const group = await createGroup(owner, "Desk", moderation);
  await addMember(owner, group.id, annotator, "annotator");
  await addMember(owner, group.id, viewer, "viewer");
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  return { owner, annotator, viewer, group, articleId: imported.body.id as string };
}

describe("a verdict on a highlight", () => {
  it("is refused over the socket, created or added later, and over REST", async () => {
    const d = await desk("open");
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    const first = live.open(groupRoom(d.articleId), tokenOf(d.annotator));
    await first.synced;
    const made = createAnnotation(first.doc, { kind: "highlight", authorId: d.annotator.user.id, status: "published", target, factcheck });
    await eventually(() => expect(first.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    expect((await d.viewer.get(`/api/annotations/${made}`)).status).toBe(404);

    const plain = await d.annotator.post(`/api/articles/${d.articleId}/annotations`, { kind: "highlight", target });
    expect(plain.status).toBe(201);
    const second = live.open(groupRoom(d.articleId), tokenOf(d.annotator));
    await second.synced;
    updateAnnotation(second.doc, plain.body.id, { factcheck });
    await eventually(() => expect(second.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    expect((await d.viewer.get(`/api/annotations/${plain.body.id}`)).body).toMatchObject({ kind: "highlight", factcheck: null });

    const rest = await d.annotator.post(`/api/articles/${d.articleId}/annotations`, { kind: "highlight", target, factcheck });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ field: "factcheck", message: expect.stringContaining("fact-check") });
  });
});

describe("unhiding brings back the status from before the hide", () => {
  it("does not publish a board's draft verdict hidden before the quorum was raised, over REST or the socket", async () => {
    const d = await desk("pre");
    const make = async () => {
      const res = await d.owner.post(`/api/articles/${d.articleId}/annotations`, { kind: "factcheck", body: "draft verdict", factcheck, status: "draft", visibility: "group" });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect((await d.owner.post(`/api/annotations/${id}/hide`)).body.status).toBe("hidden");
      return id;
    };
    const byRest = await make();
    const bySocket = await make();
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 3 })).status).toBe(200);

    const unhidden = await d.owner.post(`/api/annotations/${byRest}/unhide`);
    expect([unhidden.status, unhidden.body.status]).toEqual([200, "draft"]);

    const socket = live.open(hiddenRoom(d.articleId), tokenOf(d.owner));
    await socket.synced;
    expect(annotationsOf(socket.doc).get(bySocket)?.get("hiddenFrom")).toBe("draft");
    updateAnnotation(socket.doc, bySocket, { status: "published" });
    await eventually(() => expect(socket.closes[0]?.code).toBe(SYNC_CLOSE_CODES.forbidden), 5_000);
    expect((await d.owner.get(`/api/annotations/${bySocket}`)).body.status).toBe("hidden");
    for (const id of [byRest, bySocket]) expect((await d.viewer.get(`/api/annotations/${id}`)).body.status).not.toBe("published");
  });

  it("brings an open group's pending fact-check back pending, not published", async () => {
    const d = await desk("open");
    const target = buildTarget(SEED_ARTICLE, { start: 120, end: 180 }, 1);
    const submitted = await d.annotator.post(`/api/articles/${d.articleId}/annotations`, { kind: "factcheck", body: "please check", target, factcheck });
    expect(submitted.body.status).toBe("pending");
    const id = submitted.body.id as string;
    expect((await d.owner.post(`/api/annotations/${id}/hide`)).body.status).toBe("hidden");
    const unhidden = await d.owner.post(`/api/annotations/${id}/unhide`);
    expect([unhidden.status, unhidden.body.status]).toEqual([200, "pending"]);
    await eventually(async () => expect((await d.viewer.get(`/api/annotations/${id}`)).body).toMatchObject({ status: "pending", visibility: "group" }), 5_000);
    // Back in the group's document, it remembers nothing of the hide.
    const socket = live.open(groupRoom(d.articleId), tokenOf(d.owner));
    await socket.synced;
    await eventually(() => expect(annotationsOf(socket.doc).get(id)?.get("status")).toBe("pending"), 5_000);
    expect(annotationsOf(socket.doc).get(id)?.has("hiddenFrom")).toBe(false);
  });
});
