import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument, isJson } from "../src/openapi/document.ts";
import { apiOperations } from "../src/routes/index.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { checkedRequest, openApiProblem } from "./support/openapi.ts";

/** The documented operations, as the routes declare them. */
const OPERATIONS = apiOperations();

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Every concrete route the app answers under /api, /w3c, /healthz and /readyz, as "METHOD path". */
function servedRoutes(): Set<string> {
  const served = new Set<string>();
  for (const route of t.app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    if (!/^\/(api|w3c|healthz|readyz)/.test(route.path)) continue;
    served.add(`${route.method} ${route.path.replace(/\/$/, "")}`);
  }
  return served;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with request schemas generated from the routes' zod schemas", async () => {
    const res = await checkedRequest(t.app, "/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    const signup = doc.paths["/api/auth/signup"].post;
    const schema = signup.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["email", "name", "password"]));
    expect(schema.properties.password.minLength).toBe(8);
    const create = doc.paths["/api/articles/{articleId}/annotations"].post.requestBody.content["application/json"].schema;
    expect(create.properties.kind.enum).toEqual(["highlight", "comment", "factcheck"]);
    const list = doc.paths["/api/articles/{articleId}/annotations"].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(["articleId", "kind", "q", "cursor", "limit", "sort"]));
    // A comma-separated filter says what it may hold, not only that it is a string.
    const kind = doc.paths["/api/articles/{articleId}/annotations"].get.parameters.find((p: { name: string }) => p.name === "kind");
    expect(new RegExp(kind.schema.pattern).test("comment,factcheck")).toBe(true);
    expect(new RegExp(kind.schema.pattern).test("comment,bogus")).toBe(false);
    expect(kind.schema.description).toContain("highlight, comment, factcheck");
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain("validation_failed");
    // Served beside the API, and listed all the same.
    expect(Object.keys(doc.paths["/metrics"].get.responses["200"].content)).toEqual(["text/plain"]);
  });

  it("documents every route the server answers, and nothing it does not", () => {
    const documented = new Set(OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path.replace(/\/$/, "")}`));
    const served = servedRoutes();
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
  });

  it("declares 503 on every read that waits for a correction's moves, and on no write", () => {
    const waits = OPERATIONS.filter((op) => String(op.responses[503]).startsWith("reanchoring")).map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(waits.sort()).toEqual(
      [
        "GET /api/articles/:articleId/annotations",
        "GET /api/articles/:articleId/highlights",
        "GET /api/annotations/:annotationId",
        "GET /api/groups/:groupId/annotations",
        "GET /api/articles/:articleId/export",
        "GET /api/groups/:groupId/export",
        "GET /w3c/articles/:articleId/",
        "GET /w3c/articles/:articleId/:annotationId",
      ].sort(),
    );
  });

  it("gives every JSON success a body schema, so that no route's answer goes unchecked", () => {
    const doc = buildOpenApiDocument(OPERATIONS, "http://localhost") as any;
    const missing: string[] = [];
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(methods)) {
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          if (!/^2/.test(status)) continue;
          for (const [type, media] of Object.entries<any>(response.content ?? {})) {
            if (isJson(type) && !media.schema) missing.push(`${method.toUpperCase()} ${path} ${status} ${type}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    // OPTIONS looks nothing up, so it lists no 404 or 410 for the ids in its path; GET on the same path does.
    const annotation = doc.paths["/w3c/articles/{articleId}/{annotationId}"];
    expect(Object.keys(annotation.options.responses)).not.toContain("404");
    expect(Object.keys(annotation.options.responses)).not.toContain("410");
    expect(Object.keys(annotation.get.responses)).toEqual(expect.arrayContaining(["404", "410"]));
    // Strict where the shape is ours: an extra field is a documentation bug.
    const group = doc.paths["/api/groups/{groupId}"].get.responses["200"].content["application/json"].schema;
    expect(group.additionalProperties).toBe(false);
  });

  it("serves a readable docs page with its assets, without any network", async () => {
    const page = await checkedRequest(t.app, "/api/docs");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/api/docs/init.js");
    expect(await (await checkedRequest(t.app, "/api/docs/init.js")).text()).toContain("/api/openapi.json");
    const bundle = await t.app.request("/api/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it("is what every test's responses are checked against: an undocumented status, type or field fails", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "highlight" });
    const json = new Headers({ "content-type": "application/json" });
    const check = (status: number, body: unknown, headers = json, path = `/api/annotations/${created.body.id}`) =>
      openApiProblem({ method: "GET", path, status, headers, text: typeof body === "string" ? body : JSON.stringify(body) });
    expect(check(200, created.body)).toBeNull();
    expect(check(200, { ...created.body, secret: 1 })).toMatch(/must NOT have additional properties "secret"/);
    expect(check(200, { ...created.body, status: "lost" })).toMatch(/\/status must be equal to one of the allowed values/);
    expect(check(201, created.body)).toMatch(/status not documented/);
    expect(check(200, created.body, new Headers({ "content-type": "text/html" }))).toMatch(/content type text\/html is not documented/);
    expect(check(404, { error: { code: "not_found", message: "x" } })).toBeNull();
    expect(check(404, { error: { code: "no_such_code", message: "x" } })).toMatch(/code must be equal to one of the allowed values/);
    expect(check(500, { error: { code: "internal", message: "x" } })).toMatch(/status not documented/);
    expect(check(200, "<html>", new Headers({ "content-type": "text/html" }), "/articles/x")).toBeNull();
    expect(check(200, "not json")).toMatch(/is not the application\/json/);
    expect(check(200, [created.body])).toMatch(/\(body\) must be object/);
    // Responses that reach the tests went through the same check (support/app.ts), e.g. this one:
    expect((await owner.get(`/api/annotations/${created.body.id}`)).status).toBe(200);
  });
});
