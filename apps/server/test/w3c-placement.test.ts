import { describe, expect, it } from "vitest";
import type { TestClient } from "./support/app.ts";
import { type Member, articleWithMembers, seedTarget } from "./support/article.ts";
import { ANNO, LD, comment, container, listeningW3CServer, quote } from "./support/w3c.ts";

/**
 * A new annotation is stored where and as its request asks, or refused naming the field (docs/w3c.md, "Where a
 * new annotation goes"): an annotator in a group that reviews work first gets a submission only when they leave
 * the placement to the group's rules, never a private note in place of the shared annotation they asked for.
 * The REST API follows the same rule, through the same service.
 */
const server = listeningW3CServer();
const { postW3C, putW3C } = server;
const PASSAGE = "Russian President visited Iran July 2022";
const factcheck = (extra: Record<string, unknown> = {}) => ({
  "@context": ANNO,
  type: "Annotation",
  motivation: "assessing",
  body: [{ type: "TextualBody", value: "Checked" }, { type: "TextualBody", value: "false", purpose: "classifying" }],
  target: { source: "urn:test:the-container-article", selector: quote(PASSAGE) },
  ...extra,
});
const restComment = (extra: Record<string, unknown> = {}) => ({ kind: "comment", body: "x", target: seedTarget(0, "Russia"), ...extra });

/** Every annotation the author can list on the article, in any document: what a refusal must have left unstored. */
const stored = async (who: TestClient, articleId: string) => (await who.get(`/api/articles/${articleId}/annotations`)).body.annotations.length;
const refusal = (res: { status: number; body: { error?: { code: string; field?: string } } }) => [res.status, res.body.error?.code, res.body.error?.field];

describe("an annotator in a pre-moderated group", () => {
  it("who asks to publish is told that a moderator publishes, over W3C and REST, and nothing is stored", async () => {
    const { article, members } = await articleWithMembers(server.t.app, ["annotator"], "pre");
    const [author] = members as [Member];
    const w3c = await postW3C(author, article.id, comment("Published, please", quote(PASSAGE), { "mg:status": "published" }));
    expect(refusal(w3c)).toEqual([403, "forbidden", "mg:status"]);
    expect(w3c.body.error.message).toMatch(/pre-moderated/);
    const asGroup = await postW3C(author, article.id, comment("Published, please", quote(PASSAGE), { "mg:visibility": "group", "mg:status": "published" }));
    expect(refusal(asGroup)[0]).toBe(403);
    const rest = await author.post(`/api/articles/${article.id}/annotations`, restComment({ status: "published" }));
    expect(refusal(rest)).toEqual([403, "forbidden", "status"]);
    expect(await stored(author, article.id)).toBe(0);
  });

  it("who asks for the group's document is refused, naming mg:visibility; left out, the annotation is a submission", async () => {
    const { article, group, owner, members } = await articleWithMembers(server.t.app, ["annotator"], "pre");
    const [author] = members as [Member];
    const w3c = await postW3C(author, article.id, comment("For everyone", quote(PASSAGE), { "mg:visibility": "group" }));
    expect(refusal(w3c)).toEqual([403, "forbidden", "mg:visibility"]);
    expect(w3c.body.error.message).toMatch(/review/);
    const rest = await author.post(`/api/articles/${article.id}/annotations`, restComment({ visibility: "group" }));
    expect(refusal(rest)).toEqual([403, "forbidden", "visibility"]);
    expect(await stored(author, article.id)).toBe(0);

    // What the group's rules do with work left to them, as documented: a submission waiting in the queue.
    const submitted = await postW3C(author, article.id, comment("For everyone", quote(PASSAGE)));
    expect([submitted.status, submitted.body["mg:visibility"], submitted.body["mg:status"]]).toEqual([201, "private", "pending"]);
    const restSubmitted = await author.post(`/api/articles/${article.id}/annotations`, restComment());
    expect([restSubmitted.status, restSubmitted.body.visibility, restSubmitted.body.status]).toEqual([201, "private", "pending"]);
    const draft = await postW3C(author, article.id, comment("Not yet", quote(PASSAGE), { "mg:status": "draft" }));
    expect([draft.status, draft.body["mg:visibility"], draft.body["mg:status"]]).toEqual([201, "private", "draft"]);
    const queue = (await owner.get(`/api/groups/${group.id}/moderation/queue`)).body.items.map((i: { annotation: { id: string } }) => i.annotation.id);
    expect(queue.sort()).toEqual([submitted.body.id.split("/").at(-1), restSubmitted.body.id].sort());

    // Asked for by name, a private note is one.
    const note = await postW3C(author, article.id, comment("Mine", quote(PASSAGE), { "mg:visibility": "private", "mg:status": "published" }));
    expect([note.status, note.body["mg:visibility"], note.body["mg:status"]]).toEqual([201, "private", "published"]);
  });
});

describe("in a review board, a moderator's verdict is a submission too", () => {
  it("so a verdict sent to the group's document, or published, is refused", async () => {
    const { article, group, owner, members } = await articleWithMembers(server.t.app, ["moderator"], "pre");
    const [mod] = members as [Member];
    expect((await owner.patch(`/api/groups/${group.id}`, { reviewQuorum: 2 })).status).toBe(200);
    expect(refusal(await postW3C(mod, article.id, factcheck({ "mg:visibility": "group" })))).toEqual([403, "forbidden", "mg:visibility"]);
    expect(refusal(await postW3C(mod, article.id, factcheck({ "mg:status": "published" })))).toEqual([403, "forbidden", "mg:status"]);
    expect(await stored(mod, article.id)).toBe(0);
    const review = await postW3C(mod, article.id, factcheck());
    expect([review.status, review.body["mg:visibility"], review.body["mg:status"]]).toEqual([201, "private", "pending"]);
    // A comment is not reviewed: the moderator's goes to the group's document as asked.
    const remark = await postW3C(mod, article.id, comment("A remark", quote(PASSAGE), { "mg:visibility": "group" }));
    expect([remark.status, remark.body["mg:visibility"], remark.body["mg:status"]]).toEqual([201, "group", "published"]);
  });
});

describe("a reply", () => {
  it("to a private note stays private: asked for the group's document, it is refused", async () => {
    const { article, members } = await articleWithMembers(server.t.app, ["annotator"]);
    const [author] = members as [Member];
    const note = await postW3C(author, article.id, comment("Mine", quote(PASSAGE), { "mg:visibility": "private" }));
    expect(note.status).toBe(201);
    const reply = { "@context": ANNO, type: "Annotation", motivation: "replying", bodyValue: "To myself", target: note.body.id };
    expect(refusal(await postW3C(author, article.id, { ...reply, "mg:visibility": "group" }))).toEqual([400, "validation_failed", "mg:visibility"]);
    const kept = await postW3C(author, article.id, reply);
    expect([kept.status, kept.body["mg:visibility"]]).toEqual([201, "private"]);
  });
});

describe("a status change its sender may not make", () => {
  it("is refused naming the field, by W3C PUT (mg:status) and REST PATCH (status)", async () => {
    const { article, members } = await articleWithMembers(server.t.app, ["annotator"]);
    const [author] = members as [Member];
    const check = await postW3C(author, article.id, factcheck());
    expect(check.body["mg:status"]).toBe("pending");
    const put = await putW3C(author, check.body.id, { ...check.body, "mg:status": "published" }, { "if-match": check.headers.get("etag")! });
    expect(refusal(put)).toEqual([403, "forbidden", "mg:status"]);
    const patch = await author.patch(`/api/annotations/${check.body.id.split("/").at(-1)}`, { status: "published" });
    expect(refusal(patch)).toEqual([403, "forbidden", "status"]);
    expect((await author.get(check.body.id.slice(server.url.length))).body["mg:status"]).toBe("pending");
  });
});

describe("the container's IRI ends in a slash", () => {
  it("and the path without it redirects there (308), for reads and for posts, storing nothing", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const bare = `/w3c/articles/${article.id}`;
    const canonical = `${server.url}${container(article.id)}`;
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const res = await owner.request(method, bare);
      expect([method, res.status, res.headers.get("location")]).toEqual([method, 308, canonical]);
    }
    const page = await owner.get(`${bare}?page=0&limit=5`);
    expect([page.status, page.headers.get("location")]).toEqual([308, `${canonical}?page=0&limit=5`]);
    const posted = await owner.request("POST", bare, JSON.stringify(comment("Here", quote(PASSAGE))), { "content-type": LD });
    expect([posted.status, posted.headers.get("location")]).toEqual([308, canonical]);
    expect(await stored(owner, article.id)).toBe(0);
    // A client that follows the redirect, as fetch does, creates the annotation in the container.
    const followed = await fetch(`${server.url}${bare}`, {
      method: "POST",
      headers: { cookie: owner.cookie!, "content-type": LD, origin: server.url },
      body: JSON.stringify({ ...comment("Here", quote(PASSAGE)), target: { source: `${server.url}/articles/${article.id}`, selector: quote(PASSAGE) } }),
    });
    expect(followed.status).toBe(201);
    expect(followed.url).toBe(canonical);
    expect(await stored(owner, article.id)).toBe(1);
  });
});

describe("in an open group", () => {
  it("an annotator's published fact-check is refused naming the status, over W3C and REST", async () => {
    const { article, members } = await articleWithMembers(server.t.app, ["annotator"]);
    const [author] = members as [Member];
    expect(refusal(await postW3C(author, article.id, factcheck({ "mg:status": "published" })))).toEqual([403, "forbidden", "mg:status"]);
    const rest = await author.post(`/api/articles/${article.id}/annotations`, {
      kind: "factcheck",
      status: "published",
      target: seedTarget(0, "Russia"),
      factcheck: { claim: "A claim", verdict: "false", sources: [] },
    });
    expect(refusal(rest)).toEqual([403, "forbidden", "status"]);
    expect(await stored(author, article.id)).toBe(0);
  });
});
