import { eq } from "drizzle-orm";
import { annotations } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AUTH_JSON_BYTES } from "../../src/app.ts";
import { MAX_JSON_DEPTH } from "../../src/http/well-formed.ts";
import { type Reply, type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";

/**
 * Input the database cannot hold (an int past a 32-bit column, a year Postgres does not read), a
 * multipart body that is not one, and JSON nested past any use are refused with a 400 before any
 * work is done, rather than failing with a 500 or holding the event loop.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function expectField(reply: Reply, field: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body.error).toMatchObject({ code: "validation_failed", field });
}

describe("numbers past a 32-bit column", () => {
  it("a revision in the query string", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    expectField(await owner.get(`/api/articles/${article.id}?revision=2147483648`), "revision");
    expectField(await owner.get(`/api/articles/${article.id}?revision=1e300`), "revision");
    expect((await owner.get(`/api/articles/${article.id}?revision=2147483647`)).status).toBe(404);
  });

  it("a target's revision and positions", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const create = (target: object) => owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "x", target: { ...seedTarget(0, "a"), ...target } });
    expectField(await create({ revision: 2 ** 31 }), "target.revision");
    expectField(await create({ start: 2 ** 31, end: 2 ** 31 + 1 }), "target.start");
    expect(await t.database.db.select().from(annotations).where(eq(annotations.articleId, article.id))).toEqual([]);
  });
});

describe("numbers in the query string", () => {
  // Each of these read as a number through Number(): a scientific, hex, binary, signed, padded, fractional or empty spelling.
  const loose = ["1e2", "0x10", "0b11", "+5", "-0", "%205", "5%20", "5.0", "5.", ""];

  it("take plain decimal digits only, in range, on every route that reads one", async () => {
    const { owner, group, article } = await articleWithMembers(t.app, []);
    await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "x", target: seedTarget(0, "a") });
    const routes: [path: (n: string) => string, field: string, good: string, tooBig: string][] = [
      [(n) => `/api/articles/${article.id}/annotations?limit=${n}`, "limit", "5", "201"],
      [(n) => `/api/groups/${group.id}/annotations?limit=${n}`, "limit", "5", "201"],
      [(n) => `/api/articles/${article.id}?revision=${n}`, "revision", "1", "2147483648"],
      [(n) => `/w3c/articles/${article.id}/?limit=${n}`, "limit", "5", "201"],
      [(n) => `/w3c/articles/${article.id}/?page=${n}`, "page", "0", "9007199254740992"],
      [(n) => `/api/me/notifications?limit=${n}`, "limit", "5", "201"],
      [(n) => `/api/me/notifications?before=${n}`, "before", "5", "9007199254740992"],
      [(n) => `/api/me/notifications/stream?after=${n}`, "after", "", "9007199254740992"],
    ];
    for (const [path, field, good, tooBig] of routes) {
      for (const n of [...loose, tooBig]) expectField(await owner.get(path(n)), field);
      if (good) expect((await owner.get(path(good))).status, path(good)).toBe(200);
    }
    // Leading zeros are still the same decimal number.
    expect((await owner.get(`/api/articles/${article.id}/annotations?limit=007`)).status).toBe(200);
  });

  it("are given once: a repeated one is refused by name, not read as its first", async () => {
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const repeated: [path: string, field: string][] = [
      [`/api/articles/${article.id}/annotations?limit=1&limit=abc`, "limit"],
      [`/api/groups/${group.id}/annotations?limit=1&limit=2`, "limit"],
      [`/api/articles/${article.id}?revision=1&revision=1`, "revision"],
      [`/w3c/articles/${article.id}/?page=0&page=1`, "page"],
      [`/api/me/notifications?limit=5&limit=6`, "limit"],
      [`/api/articles/${article.id}/export?format=json&format=csv`, "format"],
    ];
    for (const [path, field] of repeated) expectField(await owner.get(path), field);
    // A parameter no route reads is ignored, repeated or not, as before.
    expect((await owner.get(`/api/articles/${article.id}/annotations?limit=1&_=1&_=2`)).status).toBe(200);
  });
});

describe("dates Postgres cannot store", () => {
  const early = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"];

  it("an article's publishedAt, in JSON or the query string", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    const imports = `/api/groups/${group.id}/articles`;
    for (const publishedAt of early) {
      expectField(await owner.post(imports, { format: "text", content: "Some text.", publishedAt }), "publishedAt");
      expectField(await owner.post(`${imports}?publishedAt=${encodeURIComponent(publishedAt)}`, "Some text.", { "content-type": "text/plain" }), "publishedAt");
    }
    expect((await owner.get(imports)).body.articles).toHaveLength(1);
    // An old date that Postgres does read is kept.
    const old = await owner.post(imports, { format: "text", content: "Some text.", publishedAt: "1215-06-15T00:00:00Z" });
    expect(old.status).toBe(201);
    expect(old.body.publishedAt).toBe("1215-06-15T00:00:00.000Z");
  });

  it("an assignment's due date", async () => {
    const d = await articleWithMembers(t.app, ["annotator"]);
    const created = await d.owner.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "Check this", target: seedTarget(0, "a") });
    const assign = (dueAt: string) => d.owner.put(`/api/annotations/${created.body.id}/assignment`, { assignees: [], dueAt });
    expectField(await assign("9999-12-31T23:59:59-05:00"), "dueAt");
    expect((await assign("2999-12-31T23:59:59Z")).status).toBe(200);
  });
});

describe("a multipart body that is not one", () => {
  it("answers 400 for no boundary, a cut-off body and garbage, and imports nothing", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    const imports = `/api/groups/${group.id}/articles`;
    const whole = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nSome text.\r\n--XYZ--\r\n';
    const bodies: [string, string][] = [
      ["multipart/form-data", whole],
      ["multipart/form-data; boundary=XYZ", whole.slice(0, 60)],
      ["multipart/form-data; boundary=XYZ", "\u0001\u0002 not a form at all"],
    ];
    for (const [type, body] of bodies) {
      const reply = await owner.post(imports, body, { "content-type": type });
      expect(reply.status, `${type}: ${JSON.stringify(reply.body)}`).toBe(400);
      expect(reply.body.error.code).toBe("bad_request");
    }
    expect((await owner.get(imports)).body.articles).toHaveLength(1);
    // The same body, whole and with its boundary, is an upload.
    expect((await owner.post(imports, whole, { "content-type": "multipart/form-data; boundary=XYZ" })).status).toBe(201);
  });
});

describe("JSON nested past any use", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const bomb = nested(512 * 1024); // a mebibyte

  it("is refused before it is parsed, on login as everywhere", async () => {
    const anyone = new TestClient(t.app);
    const login = await anyone.post("/api/auth/login", bomb, { "content-type": "application/json" });
    expect(login.status).toBe(413); // past the auth routes' size cap before its depth is even read
    const owner = await signUp(t.app);
    const group = await owner.post("/api/groups", bomb, { "content-type": "application/json" });
    expect(group.status).toBe(400);
    expect(group.body.error).toMatchObject({ code: "bad_request", message: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH}`) });
    // Refused by the depth scan (its message), not by JSON.parse, which spent 150–370 ms on this body.
    const small = await anyone.post("/api/auth/login", `{"email":${nested(MAX_JSON_DEPTH + 1)}}`, { "content-type": "application/json" });
    expect(small.status).toBe(400);
    expect(small.body.error.code).toBe("bad_request");
  });

  it("counts only real nesting: brackets inside strings are text", async () => {
    const owner = await signUp(t.app);
    // 66 brackets deep if the strings' brackets and the escaped quote were counted.
    const name = `${"[{".repeat(33)}\\" ]`;
    const created = await owner.post("/api/groups", `{"name":${JSON.stringify(name)},"moderation":"open"}`, { "content-type": "application/json" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.name).toBe(name);
  });

  it("keeps auth bodies to a few kilobytes", async () => {
    const anyone = new TestClient(t.app);
    const padded = JSON.stringify({ email: "someone@example.test", password: "x".repeat(MAX_AUTH_JSON_BYTES) });
    const reply = await anyone.post("/api/auth/login", padded, { "content-type": "application/json" });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe("payload_too_large");
  });
});

describe("text that shows nothing", () => {
  it("is refused as empty: a group's name, an article's title, an article's text", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    // Zero-width space, direction marks, word joiner, Hangul filler, soft hyphen, a lone combining joiner.
    for (const name of ["\u200b", "\u200f\u200e", "\u2060", "\u3164", "\u00ad", "\u034f", " \u200b\t"]) {
      expectField(await owner.post("/api/groups", { name }), "name");
    }
    expect((await owner.post("/api/groups", { name: "\u200bDesk" })).status).toBe(201);
    expectField(await owner.post(`/api/groups/${group.id}/articles`, { format: "text", title: "\u200f\u200e", content: "Some text." }), "title");
    const blank = await owner.post(`/api/groups/${group.id}/articles`, " \n\t \u200b ", { "content-type": "text/plain" });
    expectField(blank, "content");
  });
});
