import { eq } from "drizzle-orm";
import { annotations, apiTokens, flags, groups, memberships, moderationLog, signupRequests } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, type TestApp, TestClient, TEST_ORIGIN, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";

/**
 * Text Postgres cannot store as sent (a NUL, an unpaired surrogate) is refused at the edge with a 400
 * naming the field, and nothing is stored; a NUL in a path names nothing (404). Before, a NUL reached
 * the database and failed the statement with a 500, sometimes after part of the work was done.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const NUL = "a\u0000b";
const LONE = "a\uD800b";

function expectRefused(reply: Reply, field: string, what: "NUL" | "surrogate" = "NUL") {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body.error).toMatchObject({ code: "validation_failed", field });
  expect(reply.body.error.message).toContain(what === "NUL" ? "NUL character" : "unpaired UTF-16 surrogate");
}

/** A published comment on the seed article, and the people around it. */
async function commented() {
  const d = await articleWithMembers(t.app, ["annotator", "moderator"]);
  const [author, mod] = d.members;
  const created = await author!.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "A fair point", target: seedTarget(0, "a") });
  expect(created.status).toBe(201);
  return { ...d, author: author!, mod: mod!, id: created.body.id as string };
}

const annotationCount = async (articleId: string) => (await t.database.db.select().from(annotations).where(eq(annotations.articleId, articleId))).length;

describe("free text with a NUL or an unpaired surrogate is refused, naming the field", () => {
  it("group and token names", async () => {
    const owner = await signUp(t.app);
    expectRefused(await owner.post("/api/groups", { name: NUL }), "name");
    expectRefused(await owner.post("/api/groups", { name: LONE }), "name", "surrogate");
    // Escapes as a client writes them by hand, not only as JSON.stringify does.
    expectRefused(await owner.post("/api/groups", '{"name":"x\\u0000"}', { "content-type": "application/json" }), "name");
    expectRefused(await owner.post("/api/groups", '{"name":"x\\udc00y"}', { "content-type": "application/json" }), "name", "surrogate");
    expect(await t.database.db.select().from(memberships).where(eq(memberships.userId, owner.user.id))).toEqual([]);

    expectRefused(await owner.post("/api/tokens", { name: NUL }), "name");
    expectRefused(await owner.post("/api/tokens", { name: LONE }), "name", "surrogate");
    expect(await t.database.db.select().from(apiTokens).where(eq(apiTokens.userId, owner.user.id))).toEqual([]);
  });

  it("a well-formed pair of surrogates (an emoji) is text like any other", async () => {
    const owner = await signUp(t.app);
    const res = await owner.post("/api/groups", { name: "Desk 🙂" });
    expect(res.status).toBe(201);
    const [row] = await t.database.db.select().from(groups).where(eq(groups.id, res.body.id));
    expect(row!.name).toBe("Desk 🙂");
  });

  it("an article's title, byline and content, as JSON, a raw body with its query, or a form", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    const imports = `/api/groups/${group.id}/articles`;
    const text = { format: "text", content: "A short article.\n\nIt has two paragraphs." };
    expectRefused(await owner.post(imports, { ...text, title: NUL }), "title");
    expectRefused(await owner.post(imports, { ...text, byline: NUL }), "byline");
    expectRefused(await owner.post(imports, { ...text, byline: LONE }), "byline", "surrogate");
    expectRefused(await owner.post(imports, { format: "text", content: `Some ${NUL} text.` }), "content");
    expectRefused(await owner.post(imports, { format: "html", content: `<p>Some ${NUL} text.</p>` }), "content");
    expectRefused(await owner.post(imports, { format: "html", content: `<p>Some ${LONE} text.</p>` }), "content", "surrogate");
    expectRefused(await owner.post(imports, `Some ${NUL} text.`, { "content-type": "text/plain" }), "content");
    expectRefused(await owner.post(imports, `<p>Some ${NUL} text.</p>`, { "content-type": "text/html" }), "content");
    expectRefused(await owner.post(`${imports}?title=a%00b`, "Some text.", { "content-type": "text/plain" }), "title");
    expectRefused(await owner.post(`${imports}?byline=%00`, "Some text.", { "content-type": "text/plain" }), "byline");
    const form = new FormData();
    form.set("file", new File([`Some ${NUL} text.`], "a.txt", { type: "text/plain" }));
    expectRefused(await owner.post(imports, form), "content");
    const titled = new FormData();
    titled.set("file", new File(["Some text."], "a.txt", { type: "text/plain" }));
    titled.set("title", NUL);
    expectRefused(await owner.post(imports, titled), "title");
    // Only the seed article the group started with.
    expect((await owner.get(imports)).body.articles).toHaveLength(1);
  });

  it("a corrected text", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    expectRefused(await owner.put(`/api/articles/${article.id}/text`, `Corrected ${NUL}.`, { "content-type": "text/plain" }), "content");
    expectRefused(await owner.put(`/api/articles/${article.id}/text`, { format: "text", content: `Corrected ${NUL}.` }), "content");
    expect((await owner.get(`/api/articles/${article.id}/revisions`)).body.revisions).toHaveLength(1);
  });

  it("a sign-up's name, with no pending sign-up kept", async () => {
    const email = freshEmail();
    const reply = await new TestClient(t.app).post("/api/auth/signup", { email, password: "long enough password", name: NUL });
    expectRefused(reply, "name");
    expect(await t.database.db.select().from(signupRequests).where(eq(signupRequests.email, email))).toEqual([]);
  });

  it("an annotation's body, tags and claim, on create, patch and reply", async () => {
    const d = await commented();
    const create = (body: object) => d.author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", target: seedTarget(0, "a"), ...body });
    expectRefused(await create({ body: NUL }), "body");
    expectRefused(await create({ body: LONE }), "body", "surrogate");
    expectRefused(await create({ body: "fine", tags: ["ok", NUL] }), "tags");
    expectRefused(await d.author.post(`/api/articles/${d.article.id}/annotations`, { kind: "factcheck", target: seedTarget(0, "a"), factcheck: { claim: NUL, verdict: "false", sources: [] } }), "factcheck.claim");
    expect(await annotationCount(d.article.id)).toBe(1);

    expectRefused(await d.author.patch(`/api/annotations/${d.id}`, { body: NUL }), "body");
    expect((await d.author.get(`/api/annotations/${d.id}`)).body.body).toBe("A fair point");
    expectRefused(await d.author.post(`/api/annotations/${d.id}/replies`, { body: NUL }), "body");
    expect(await annotationCount(d.article.id)).toBe(1);
  });

  it("a flag's reason, and a hide or unhide reason, with the status and the log unchanged", async () => {
    const d = await commented();
    expectRefused(await d.author.post(`/api/annotations/${d.id}/flag`, { reason: NUL }), "reason");
    expect(await t.database.db.select().from(flags).where(eq(flags.annotationId, d.id))).toEqual([]);

    expectRefused(await d.mod.post(`/api/annotations/${d.id}/hide`, { reason: NUL }), "reason");
    expect((await d.mod.get(`/api/annotations/${d.id}`)).body.status).toBe("published");
    expect((await d.mod.post(`/api/annotations/${d.id}/hide`, { reason: "Spam" })).status).toBe(200);
    expectRefused(await d.mod.post(`/api/annotations/${d.id}/unhide`, { reason: LONE }), "reason", "surrogate");
    expect((await d.mod.get(`/api/annotations/${d.id}`)).body.status).toBe("hidden");
    const log = await t.database.db.select().from(moderationLog).where(eq(moderationLog.annotationId, d.id));
    expect(log.map((entry) => entry.action)).toEqual(["hide"]);
  });

  it("a W3C annotation's text", async () => {
    const d = await commented();
    const annotation = { "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", bodyValue: NUL, target: `${TEST_ORIGIN}/articles/${d.article.id}` };
    expectRefused(await d.author.post(`/w3c/articles/${d.article.id}/`, JSON.stringify(annotation), { "content-type": "application/ld+json" }), "bodyValue");
    expect(await annotationCount(d.article.id)).toBe(1);
  });
});

describe("a NUL in a path names nothing: 404, as a malformed id", () => {
  it("annotations, their actions, W3C annotations and tokens", async () => {
    const d = await commented();
    const paths: [string, string, unknown?][] = [
      ["GET", "/api/annotations/%00"],
      ["PATCH", "/api/annotations/%00", { body: "x" }],
      ["DELETE", "/api/annotations/%00"],
      ["GET", "/api/annotations/x%00y"],
      ["POST", "/api/annotations/%00/replies", { body: "x" }],
      ["POST", "/api/annotations/%00/resolve"],
      ["PUT", "/api/annotations/%00/vote", { value: "agree" }],
      ["POST", "/api/annotations/%00/flag", { reason: "x" }],
      ["POST", "/api/annotations/%00/hide"],
      ["POST", "/api/annotations/%00/approve"],
      ["POST", "/api/annotations/%00/reject", { reason: "x" }],
      ["GET", `/w3c/articles/${d.article.id}/%00`],
      ["DELETE", `/w3c/articles/${d.article.id}/%00`],
      ["DELETE", "/api/tokens/%00"],
    ];
    for (const [method, path, body] of paths) {
      const reply = await d.mod.request(method, path, body);
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(404);
      expect(reply.body.error.code).toBe("not_found");
    }
    expect((await d.mod.get(`/api/annotations/${d.id}`)).body.status).toBe("published");
  });
});

describe("a NUL in a query string is refused, naming the parameter", () => {
  it("an article's and a group's annotation filters", async () => {
    const d = await commented();
    for (const base of [`/api/articles/${d.article.id}/annotations`, `/api/groups/${d.group.id}/annotations`]) {
      expectRefused(await d.author.get(`${base}?tag=%00`), "tag");
      expectRefused(await d.author.get(`${base}?parent=%00`), "parent");
      expectRefused(await d.author.get(`${base}?q=a%00b`), "q");
      const ok = await d.author.get(`${base}?q=fair`);
      expect(ok.status).toBe(200);
    }
    expectRefused(await d.author.get(`/api/groups/${d.group.id}/claims/similar?q=abc%00`), "q");
  });

  it("a cursor that carries a NUL or a date Postgres cannot read", async () => {
    const d = await commented();
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const base = `/api/articles/${d.article.id}/annotations`;
    for (const forged of [["position", 0, "a\u0000"], ["created", "0000-01-01T00:00:00.000Z", d.id], ["position", 2 ** 40, d.id], ["position", "2024-01-01T00:00:00.000Z", d.id]]) {
      const sort = forged[0] === "position" ? "position" : "created";
      const reply = await d.author.get(`${base}?sort=${sort}&cursor=${cursor(forged)}`);
      expect(reply.status, JSON.stringify(forged)).toBe(400);
      expect(reply.body.error.field).toBe("cursor");
    }
    expect((await d.author.get(`${base}?sort=created&cursor=${cursor(["created", "2024-01-01T00:00:00.000Z", d.id])}`)).status).toBe(200);
  });
});
