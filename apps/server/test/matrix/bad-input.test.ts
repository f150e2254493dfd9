import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOperations } from "../../src/routes/index.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { type World, buildWorld } from "./world.ts";

/** The documented operations, as the routes declare them. */
const OPERATIONS = apiOperations();

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp();
  w = await buildWorld(t.app);
}, 60_000);
afterAll(() => t.close());

/**
 * Rows this file's world owns, table by table: other test files write to the
 * same database at the same time, so only these can be compared.
 */
async function counts() {
  const g = w.group.id;
  const a = w.articleId;
  const o = w.owner.user.id;
  const queries: Record<string, ReturnType<typeof sql>> = {
    groups: sql`select count(*)::int as n from groups where created_by = ${o}`,
    memberships: sql`select count(*)::int as n from memberships where group_id = ${g}`,
    group_invitations: sql`select count(*)::int as n from group_invitations where group_id = ${g}`,
    articles: sql`select count(*)::int as n from articles where group_id = ${g}`,
    article_revisions: sql`select count(*)::int as n from article_revisions r join articles x on x.id = r.article_id where x.group_id = ${g}`,
    api_tokens: sql`select count(*)::int as n from api_tokens where user_id = ${o}`,
    flags: sql`select count(*)::int as n from flags where group_id = ${g}`,
    moderation_log: sql`select count(*)::int as n from moderation_log where group_id = ${g}`,
    replies: sql`select count(*)::int as n from annotations where article_id = ${a} and parent_id is not null`,
  };
  const out: Record<string, number> = {};
  for (const [name, query] of Object.entries(queries)) {
    const result = (await t.database.db.execute(query)) as unknown as { rows?: { n: number }[] } & { n: number }[];
    out[name] = Number(result.rows?.[0]?.n ?? result[0]?.n);
  }
  return out;
}

/** A concrete path for an operation, with real ids where it needs them. */
async function pathFor(path: string) {
  return path
    .replace(":groupId", w.group.id)
    .replace(":articleId", w.articleId)
    .replace(":annotationId", await w.othersAnnotation())
    .replace(":memberId", w.other.user.id) // a member id: in a group not anonymous to peers, the account's
    .replace(":tokenId", "nope");
}

const bodyRoutes = OPERATIONS.filter((op) => op.body && !op.path.startsWith("/w3c") && op.auth !== false);
const ARTICLE_UPLOAD = (op: { bodyTypes?: string[] }) => (op.bodyTypes ?? []).length > 0;

const BAD_BODIES: Array<[string, string, string | Uint8Array]> = [
  ["not JSON at all", "application/json", "{this is not json"],
  ["a JSON array", "application/json", "[1,2,3]"],
  ["a JSON string", "application/json", '"hello"'],
  ["null", "application/json", "null"],
  ["wrong types everywhere", "application/json", JSON.stringify({ kind: 5, body: ["x"], reason: 7, name: {}, email: 1, role: true, value: 3, start: "a", end: "b", ids: "x", format: 9, content: 1 })],
  ["SQL in every field", "application/json", JSON.stringify({ kind: "comment' OR 1=1 --", role: "owner'; DROP TABLE users; --", format: "text'--", value: "agree' --", email: "' or ''='" })],
  // Refused before JSON.parse spends a quarter of a second on it (http/well-formed.ts).
  // Latin-1's é inside every string: refused, where U+FFFD would store other words than the client's.
  ["bytes that are not UTF-8", "application/json", Uint8Array.from(Buffer.from('{"name":"Caf\u00e9","body":"\u00e9","email":"x\u00e9@example.com","format":"text","content":"Caf\u00e9"}', "latin1"))],
  ["nested a hundred thousand deep", "application/json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
];

describe("bad REST input gets a clear 4xx and stores nothing", () => {
  it("answers every malformed body on every body-taking route with 4xx and the error shape", async () => {
    const before = await counts();
    let tried = 0;
    for (const op of bodyRoutes) {
      const path = await pathFor(op.path);
      for (const [label, type, payload] of BAD_BODIES) {
        const res = await w.owner.request(op.method.toUpperCase(), path, payload, { "content-type": type });
        tried++;
        expect(res.status, `${op.method} ${op.path}: ${label}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${op.method} ${op.path}: ${label}`).toBeLessThan(500);
        expect(res.body?.error?.code, `${op.method} ${op.path}: ${label}`).toMatch(/^[a-z_]+$/);
      }
      if (!ARTICLE_UPLOAD(op)) {
        const xml = await w.owner.request(op.method.toUpperCase(), path, "<a/>", { "content-type": "application/xml" });
        expect(xml.status, `${op.method} ${op.path}: xml`).toBe(415);
      }
    }
    expect(tried).toBeGreaterThan(100);
    // Setting up real ids for the paths creates annotations; nothing else of this world may change.
    expect(await counts()).toEqual(before);
  }, 120_000);

  it("answers oversized bodies with 413 on JSON routes and article uploads", async () => {
    const big = JSON.stringify({ name: "x".repeat(1_100_000) });
    expect((await w.owner.post("/api/groups", big, { "content-type": "application/json" })).status).toBe(413);
    const huge = "word ".repeat(2_200_000);
    expect((await w.owner.post(`/api/groups/${w.group.id}/articles`, huge, { "content-type": "text/plain" })).status).toBe(413);
    expect((await w.owner.put(`/api/articles/${w.articleId}/text`, huge, { "content-type": "text/plain" })).status).toBe(413);
  });

  it.each([
    "/api/groups/..%2F..%2Fetc%2Fpasswd",
    "/api/articles/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/articles/%2e%2e/%2e%2e/etc/passwd",
    "/api/annotations/..%2F..%2Fetc%2Fpasswd",
    "/api/groups/1'%20OR%20'1'='1/articles",
    "/api/articles/00000000-0000-0000-0000-000000000000%00/annotations",
    "/api/annotations/%00",
    "/api/annotations/a%00b/replies",
  ])("answers a traversal or injection in the path %s with 404", async (path) => {
    const res = await w.owner.get(path);
    // A client that resolves the dots itself (fetch does, for %2e%2e) leaves the API for a path that is no page
    // of the app's (routes/web.ts, isWebPath): a 404 as well.
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toMatch(/root:|passwd:|syntax error|postgres/i);
  });

  it("keeps SQL-looking strings in queries harmless", async () => {
    const listing = (query: string) => w.owner.get(`/api/articles/${w.articleId}/annotations?${query.replace(/ /g, "%20")}`);
    expect((await w.owner.post(`/api/articles/${w.articleId}/annotations`, { kind: "comment", body: "something to match" })).status).toBe(201);
    // Free text is only text: it matches nothing here, where an injected `OR 1=1` would match everything.
    for (const query of ["q=' OR 1=1 --", "tag='; DROP TABLE annotations; --"]) {
      const res = await listing(query);
      expect([query, res.status, res.body.annotations]).toEqual([query, 200, []]);
    }
    // What has a form is refused, naming the field; a NUL in any string too (docs/architecture.md, "Routes").
    for (const [query, field] of [
      ["sort=created;drop", "sort"],
      ["author=1 or 1=1", "author"],
      ["cursor=' or 1=1", "cursor"],
      ["q=%00", "q"],
      ["tag=%00", "tag"],
      ["parent=%00", "parent"],
    ]) {
      const res = await listing(query!);
      expect([query, res.status, res.body.error?.field]).toEqual([query, 400, field]);
    }
    expect((await listing("")).status).toBe(200);
  });
});
