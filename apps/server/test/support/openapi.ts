import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { App } from "../../src/app.ts";
import { buildOpenApiDocument, isJson } from "../../src/openapi/document.ts";
import { apiOperations } from "../../src/routes/index.ts";

/**
 * Every response a test receives through TestClient is checked against the OpenAPI document the server
 * serves: its status must be documented for the operation, its content type too, and its body must
 * match the schema documented for them. A test that sees an undocumented answer fails, so the document
 * cannot drift from the server. Paths the document does not describe (the web app, the websocket,
 * Swagger's assets) are not checked.
 */

type Json = Record<string, any>;
const document = buildOpenApiDocument(apiOperations(), "http://localhost") as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, "openapi");

/** The document's paths as patterns, literal segments before parameters, so /me/x wins over /me/{id}. */
const routes = Object.keys(document.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }))
  .sort((a, b) => a.params - b.params);

const validators = new Map<string, ValidateFunction>();
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function validatorFor(template: string, method: string, status: string, type: string) {
  const ref = `openapi#/${pointer("paths", template, method, "responses", status, "content", type, "schema")}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate;
}

export type Checked = { method: string; path: string; status: number; headers: Headers; text: string };

/** What is wrong with one response against the document; null when nothing is, or the path is not documented. */
export function openApiProblem({ method, path, status, headers, text }: Checked): string | null {
  const pathname = new URL(path, "http://localhost").pathname;
  const route = routes.find((r) => r.pattern.test(pathname));
  if (!route) return null;
  const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
  const operation = document.paths[route.template][verb] as Json | undefined;
  const where = `${method} ${route.template} → ${status}`;
  // A method the path does not document may be refused (404, 405…); answering it is a hole in the document.
  if (!operation) return status < 300 ? `${where}: the method is not documented for this path` : null;
  const responses = operation.responses as Json;
  const key = String(status) in responses ? String(status) : `${String(status)[0]}XX` in responses ? `${String(status)[0]}XX` : null;
  if (!key) return `${where}: status not documented (documented: ${Object.keys(responses).join(", ")})`;
  const content = responses[key].content as Json | undefined;
  if (method.toUpperCase() === "HEAD" || (!text && !content)) return null;
  if (!content) return `${where}: a body is sent where the document says there is none`;
  const type = (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!(type in content)) return `${where}: content type ${type || "(none)"} is not documented (documented: ${Object.keys(content).join(", ")})`;
  // Text formats (CSV, Markdown, HTML) are documented as strings: only JSON has a shape to check.
  if (!isJson(type)) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${where}: the body is not the ${type} the content type says`;
  }
  if (!content[type].schema) return `${where}: the ${type} body has no documented schema`;
  const validate = validatorFor(route.template, verb, key, type);
  if (validate(body)) return null;
  const errors = validate.errors!.slice(0, 5).map((e) => `${e.instancePath || "(body)"} ${e.message}${e.params && "additionalProperty" in e.params ? ` "${e.params.additionalProperty}"` : ""}`);
  return `${where}: the body does not match the documented schema: ${errors.join("; ")}`;
}

/** Throws when a response is not what the document describes: what TestClient and `checkedFetch` do with each answer. */
export function assertDocumented(checked: Checked): void {
  const problem = openApiProblem(checked);
  if (problem) throw new Error(`Undocumented response: ${problem}`);
}

/** Checks a response its test will read as usual (the check reads a clone of the body). */
async function checked(res: Response, method: string, path: string): Promise<Response> {
  assertDocumented({ method, path, status: res.status, headers: res.headers, text: await res.clone().text() });
  return res;
}

/** `fetch`, for tests that call a running server (a child process, a second app), checked like TestClient's answers. */
export async function checkedFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const { pathname, search } = new URL(url);
  return checked(await fetch(url, init), init.method ?? "GET", pathname + search);
}

/** `app.request`, checked the same way, for tests that need the raw Response. */
export async function checkedRequest(app: Pick<App, "request">, path: string, init: RequestInit = {}): Promise<Response> {
  return checked(await app.request(path, init), init.method ?? "GET", path);
}
