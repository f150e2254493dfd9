import { z } from "zod";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { requestText } from "./streamed-body.ts";
import { illFormedText, parseJsonBody } from "./well-formed.ts";

export function mediaType<E extends AppEnv>(c: AppContext<E>): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The charset a raw body's Content-Type names, as TextDecoder knows it: 415 for one it does not. */
export function declaredCharset<E extends AppEnv>(c: AppContext<E>): string | undefined {
  const label = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(c.req.header("content-type") ?? "")?.[1];
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    throw new ApiError("unsupported_media_type", `The body's charset, ${JSON.stringify(label)}, is not one the server reads: send UTF-8`);
  }
}

/**
 * A JSON body is UTF-8 (RFC 8259, section 8.1), and is read as such: a body labelled with another charset would
 * be read as something its sender did not write, so it is refused rather than guessed at.
 */
function requireJson<E extends AppEnv>(c: AppContext<E>) {
  if (mediaType(c) !== "application/json") {
    throw new ApiError("unsupported_media_type", "Send the body as application/json");
  }
  const charset = declaredCharset(c);
  if (charset !== undefined && charset !== "utf-8") {
    throw new ApiError("unsupported_media_type", `JSON is read as UTF-8, and the body says it is ${JSON.stringify(charset)}: send UTF-8`);
  }
}

/** Parses a JSON body against a schema, with a 415, 400 or field-named 400 when it does not fit. */
export async function readJson<S extends z.ZodType, E extends AppEnv>(c: AppContext<E>, schema: S): Promise<z.output<S>> {
  requireJson(c);
  return validate(schema, parseJsonBody(await requestText(c)));
}

/** Like readJson, for actions whose body is optional: an empty body reads as `{}`. */
export async function readOptionalJson<S extends z.ZodType, E extends AppEnv>(c: AppContext<E>, schema: S): Promise<z.output<S>> {
  const raw = await requestText(c);
  if (raw.trim() === "") return validate(schema, {});
  requireJson(c);
  return validate(schema, parseJsonBody(raw));
}

/** The parameters a query schema names, read once per schema from its JSON Schema (as the OpenAPI document lists them). */
const queryNames = new WeakMap<z.ZodType, ReadonlySet<string>>();
function namesOf(schema: z.ZodType): ReadonlySet<string> {
  let names = queryNames.get(schema);
  if (!names) {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
    queryNames.set(schema, (names = new Set(Object.keys(json.properties ?? {}))));
  }
  return names;
}

/**
 * A request's query parameters checked against their schema, each given at most once. Hono's `query()`
 * keeps the first of a repeated one, so `?limit=1&limit=abc` answered as `?limit=1`: a client that meant
 * the second, or a proxy that appended it, was never told. Parameters the schema does not name are
 * ignored, repeated or not, as they always were.
 */
export function validateQuery<S extends z.ZodType, E extends AppEnv>(schema: S, c: AppContext<E>): z.output<S> {
  const names = namesOf(schema);
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (values.length > 1 && names.has(name)) throw invalid([name], "given more than once; send it once");
  }
  return validate(schema, c.req.query());
}

/**
 * Checks input against its schema, then that the text it keeps can be stored as given
 * (well-formed.ts): what the schema drops is never stored, so it is not checked.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(issue.path.map(String), issue.message);
  }
  const illFormed = illFormedText(parsed.data);
  if (illFormed) throw invalid(illFormed.path, illFormed.message);
  return parsed.data;
}

function invalid(path: string[], message: string): ApiError {
  // A list's element index says less than the list's name: "tags", not "tags.20".
  const trimmed = [...path];
  while (trimmed.length > 1 && /^\d+$/.test(trimmed.at(-1)!)) trimmed.pop();
  const field = trimmed.join(".") || undefined;
  return new ApiError("validation_failed", field ? `${field}: ${message}` : message, field);
}

/**
 * The instants a timestamptz column takes from an ISO date-time: years 1 to 9999 in UTC. Postgres
 * refuses year 0, which "0000-01-01" names and an offset reaches from "0001-01-01T00:00:00+01:00",
 * and JavaScript writes a later year with six digits, which it does not read.
 */
export const EARLIEST_DATE = new Date("0001-01-01T00:00:00Z");
export const LATEST_DATE = new Date("9999-12-31T23:59:59.999Z");
export const dateTimeInput = z.iso.datetime({ offset: true }).pipe(z.coerce.date<string>().min(EARLIEST_DATE).max(LATEST_DATE));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path id that cannot exist is answered like one that does not: 404, and
 * never a database error for a malformed uuid.
 */
export function uuidParam<E extends AppEnv>(c: AppContext<E>, name: string, what: string): string {
  const value = c.req.param(name);
  if (!value || !UUID.test(value)) throw notFound(what);
  return value.toLowerCase();
}
