import type { z } from "zod";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";

export function mediaType<E extends AppEnv>(c: AppContext<E>): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Parses a JSON body against a schema, with a 415, 400 or field-named 400 when it does not fit. */
export async function readJson<S extends z.ZodType, E extends AppEnv>(c: AppContext<E>, schema: S): Promise<z.output<S>> {
  if (mediaType(c) !== "application/json") {
    throw new ApiError("unsupported_media_type", "Send the body as application/json");
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON");
  }
  return validate(schema, body);
}

/** Like readJson, for actions whose body is optional: an empty body reads as `{}`. */
export async function readOptionalJson<S extends z.ZodType, E extends AppEnv>(c: AppContext<E>, schema: S): Promise<z.output<S>> {
  const raw = await c.req.text();
  if (raw.trim() === "") return validate(schema, {});
  if (mediaType(c) !== "application/json") {
    throw new ApiError("unsupported_media_type", "Send the body as application/json");
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON");
  }
  return validate(schema, body);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // A list's element index says less than the list's name: "tags", not "tags.20".
  const path = issue.path.map(String);
  while (path.length > 1 && /^\d+$/.test(path.at(-1)!)) path.pop();
  const field = path.join(".") || undefined;
  throw new ApiError("validation_failed", field ? `${field}: ${issue.message}` : issue.message, field);
}

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
