import { z } from "zod";
import { ERRORS } from "../errors.ts";
import type { Operation } from "./describe.ts";

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERRORS) },
        message: { type: "string" },
        field: { type: "string", description: "The request field at fault, for validation errors" },
        requestId: { type: "string" },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** Zod to JSON Schema (2020-12, which OpenAPI 3.1 uses), describing what a client sends. */
function schemaOf(schema: z.ZodType) {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return json;
}

const ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

/**
 * One documented response: 204 and 304 have no body; an error has the error body unless the operation
 * gives its own; a success has each media type the operation produces, with its schema (which the
 * OpenAPI test requires of every JSON success).
 */
function responseObject(op: Operation, status: number, description: string) {
  const given = op.schemas?.[status];
  const schema = given instanceof z.ZodType ? responseSchemaOf(given) : given;
  if (status === 204 || status === 304) return { description };
  if (status >= 400 && !schema) return { description, content: ERROR_CONTENT };
  const types = op.produces ?? ["application/json"];
  if (types.length === 0) return { description };
  // A route's schema describes its JSON; the same answer in CSV or Markdown is text.
  const contentOf = (type: string) => (!isJson(type) ? { schema: TEXT } : schema ? { schema } : {});
  return { description, content: Object.fromEntries(types.map((type) => [type, contentOf(type)])) };
}

/** JSON, or a format written in it (JSON-LD). */
export const isJson = (type: string) => type === "application/json" || type.endsWith("+json");
const TEXT = { type: "string" };

/** What the server sends, as JSON Schema: the output side of the zod schema. */
function responseSchemaOf(schema: z.ZodType) {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "output" }) as Record<string, unknown>;
  return json;
}

const BINARY = { type: "string", format: "binary" };

/** The schema of a body sent as something other than JSON. */
function bodySchemaOf(type: string) {
  if (type === "multipart/form-data") return { type: "object", properties: { file: BINARY } };
  if (type === "application/ld+json") return { type: "object", description: "A W3C Web Annotation" };
  if (type === "application/pdf") return BINARY;
  return { type: "string" };
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

function queryParameters(query: z.ZodType) {
  const json = schemaOf(query) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

/**
 * The client errors an operation can answer by what it takes, whatever it does: a malformed path,
 * query or body (400; a query string whose escapes do not decode, or a request without Host, on any
 * operation), an unknown id in its path (404), a deleted annotation (410), no credentials or too few
 * rights (401, 403), a body too large or of a type it does not read (413, 415), an Expect other than
 * 100-continue (417) and headers (a query string among them) past Node's limit (431), both answered
 * before any route (http/client-errors.ts), and the database out of reach (503). Any other
 * status is the route's to list; one it answers without listing fails the response check
 * (test/support/openapi.ts).
 */
function commonErrors(op: Operation): Record<number, string> {
  const errors: Record<number, string> = {};
  const takesInput = op.body || op.bodyTypes || op.query || op.path.includes(":");
  errors[400] = takesInput ? "The request is malformed: the error's `field` names what is wrong" : "The request is malformed (a query string that does not decode, no Host header)";
  // OPTIONS describes the interface without looking anything up (it answers CORS preflights, which carry no
  // credentials), so an id in its path is never found missing.
  const looksUp = op.path.includes(":") && op.method !== "options";
  if (looksUp) errors[404] = "Not found, or not visible to the caller";
  if (looksUp && op.path.includes(":annotationId")) errors[410] = "The annotation was deleted";
  if (op.auth !== false) Object.assign(errors, { 401: "No valid session or token", 403: "The caller's role does not allow it" });
  if (op.body || op.bodyTypes) Object.assign(errors, { 413: "The body is too large", 415: "The body's media type is not one this operation reads" });
  if (op.live) errors[422] = "update_not_stored: the database refused a value in the change, and nothing of it was saved";
  errors[417] = "expectation_failed: an Expect header other than 100-continue";
  errors[431] = "headers_too_large: the request's headers, its URL included, are over 16 KiB";
  // Liveness answers whatever the database does (readiness.ts); everything else may need it.
  if (op.path !== "/healthz") errors[503] = "unavailable: the database cannot be reached for now (or the server is shutting down, or another change holds what this needs); Retry-After says when to try again";
  return errors;
}

function operationObject(op: Operation) {
  const pathParameters = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries({ ...commonErrors(op), ...op.responses })) responses[status] = responseObject(op, Number(status), description);
  const body = (op.body || op.bodyTypes) && {
    // A route whose schema takes `{}` reads a missing body as that (http/input.ts, readOptionalJson).
    required: op.bodyTypes !== undefined || !op.body?.safeParse({}).success,
    content: Object.fromEntries([
      ...(op.body ? [["application/json", { schema: schemaOf(op.body) }]] : []),
      ...(op.bodyTypes ?? []).map((type) => [type, { schema: bodySchemaOf(type) }]),
    ]),
  };
  return {
    tags: [op.tag],
    summary: op.summary,
    // A W3C container's path ends in its slash, and the path without it is another operation (a redirect).
    operationId: `${op.method}${op.path.replace(/[/:{}]+(\w)/g, (_, c: string) => c.toUpperCase()).replace(/\/$/, "Container")}`,
    parameters: [...pathParameters, ...(op.query ? queryParameters(op.query) : [])],
    ...(body && { requestBody: body }),
    responses,
    security: op.auth === false ? [] : [{ session: [] }, { bearer: [] }],
  };
}

/** The OpenAPI 3.1 document, built from the operations the routes declare (describe.ts). */
export function buildOpenApiDocument(operations: Operation[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[toOpenApiPath(op.path)] ??= {})[op.method] = operationObject(op);
  return {
    openapi: "3.1.0",
    info: {
      title: "Marginalia API",
      version: "0.1.0",
      description: "Collaborative annotation: groups, articles, annotations, fact-checks and moderation. Live editing uses the websocket protocol in docs/sync.md.",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "marginalia_session", description: "Named __Host-marginalia_session when the cookie is Secure (an https PUBLIC_ORIGIN)" },
        bearer: { type: "http", scheme: "bearer", description: "An API token, mgt_…" },
      },
    },
  };
}
