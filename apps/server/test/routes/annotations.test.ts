import { eq } from "drizzle-orm";
import { annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { moderationLog } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { TestClient, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";

const live = liveServer();

const listBodies = async (client: TestClient, articleId: string) =>
  ((await client.get(`/api/articles/${articleId}/annotations`)).body.annotations as { body: string }[]).map((a) => a.body);

describe("annotations over REST", () => {
  it("creates through the live document and answers 201 with a Location", async () => {
    const { article, members } = await articleWithMembers(live.t.app, ["annotator"]);
    const res = await members[0]!.post(`/api/articles/${article.id}/annotations`, {
      kind: "comment",
      body: "A REST comment",
      target: { revision: 1, exact: "Hamid", prefix: "", suffix: " Bahrami", start: 0, end: 5 },
      tags: ["byline"],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/annotations/${res.body.id}`);
    expect(res.body).toMatchObject({ visibility: "group", status: "published", body: "A REST comment" });
    const [row] = (await members[0]!.get(`/api/articles/${article.id}/annotations`)).body.annotations;
    expect(row).toMatchObject({ body: "A REST comment", target: { exact: "Hamid", start: 0 }, tags: ["byline"], status: "published" });
  });

  it("validates the body and the role", async () => {
    const { article, members, owner } = await articleWithMembers(live.t.app, ["viewer"]);
    const bad = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "rant" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("kind");
    const long = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "x".repeat(20_001) });
    expect(long.body.error.field).toBe("body");
    const viewer = await members[0]!.post(`/api/articles/${article.id}/annotations`, { kind: "comment" });
    expect(viewer.status).toBe(403);
    const stranger = await signUp(live.t.app);
    expect((await stranger.post(`/api/articles/${article.id}/annotations`, { kind: "comment" })).status).toBe(404);
    expect((await new TestClient(live.t.app).get(`/api/articles/${article.id}/annotations`)).status).toBe(401);
    expect(await listBodies(owner, article.id)).toEqual([]);
  });
});

describe("pre-moderation", () => {
  it("keeps a submission private until a moderator approves it into the group document", async () => {
    const { article, members, group } = await articleWithMembers(live.t.app, ["annotator", "annotator", "moderator"], "pre");
    const [author, peer, moderator] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    const watcher = live.open(article.sync.room, peer.token);
    await watcher.synced;

    const submitted = await author.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Needs review" });
    expect(submitted.status).toBe(201);
    expect(submitted.body.visibility).toBe("private");
    expect(await listBodies(peer, article.id)).toEqual([]);
    expect(await listBodies(author, article.id)).toEqual(["Needs review"]);

    // A peer cannot even see someone else's submission.
    expect((await peer.post(`/api/annotations/${submitted.body.id}/approve`)).status).toBe(404);
    const approved = await moderator.post(`/api/annotations/${submitted.body.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("published");

    await eventually(() => expect(readAnnotations(watcher.doc).map((a) => a.body)).toEqual(["Needs review"]), 1_000);
    expect(await listBodies(peer, article.id)).toEqual(["Needs review"]);
    const mine = live.open(article.sync.privateRoom.replace(/private:.*/, `private:${author.user.id}`), author.token);
    await mine.synced;
    expect(readAnnotations(mine.doc)).toEqual([]);
    const log = await live.t.database.db.select().from(moderationLog).where(eq(moderationLog.groupId, group.id));
    expect(log.map((l) => l.action)).toEqual(["approve"]);
    expect((await moderator.post(`/api/annotations/${submitted.body.id}/approve`)).status).toBe(409);
  });

  it("leaves a rejected submission private, marked rejected with the reason", async () => {
    const { article, members } = await articleWithMembers(live.t.app, ["annotator", "moderator"], "pre");
    const [author, moderator] = members as [(typeof members)[0], (typeof members)[0]];
    const own = live.open(`article:${article.id}:private:${author.user.id}`, author.token);
    await own.synced;
    const id = createAnnotation(own.doc, { kind: "comment", authorId: author.user.id, body: "Bold claim", status: "pending" });
    await eventually(async () => expect(await listBodies(author, article.id)).toEqual(["Bold claim"]), 1_000);

    const rejected = await moderator.post(`/api/annotations/${id}/reject`, { reason: "No source given" });
    expect(rejected.status).toBe(204);
    await eventually(() => {
      const map = annotationsOf(own.doc).get(id)!;
      expect(map.get("status")).toBe("rejected");
      expect(map.get("rejectionReason")).toBe("No source given");
    }, 1_000);
    expect(await listBodies(moderator, article.id)).toEqual([]);
    expect((await moderator.post(`/api/annotations/${id}/reject`, {})).status).toBe(400);
  });

  it("refuses an annotator's direct write to a pre-moderated group document", async () => {
    const { article, members } = await articleWithMembers(live.t.app, ["annotator"], "pre");
    const direct = live.open(article.sync.room, members[0]!.token);
    await direct.synced;
    createAnnotation(direct.doc, { kind: "comment", authorId: members[0]!.user.id, body: "skip the queue", status: "pending" });
    await eventually(() => expect(direct.closes[0]?.code).toBe(4403), 2_000);
    expect(direct.closes[0]!.reason).toMatch(/pre-moderated/);
  });
});
