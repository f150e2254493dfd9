import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { textProblem } from "../storable-text.ts";

/**
 * Text the API takes must be text Postgres can store as given (storable-text.ts): an unpaired
 * surrogate, which JSON's `\uD800` escapes can make, would silently become U+FFFD, and a NUL fails
 * the statement. So every input read through
 * `validate` (JSON bodies, query strings, form fields, raw text bodies) is refused with the field
 * named when one of its strings holds either, and a path with a NUL names nothing (404). Live edits
 * over the sync socket cannot be answered with a 400, so the projection stores U+FFFD for them
 * instead.
 */

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** The first string (or object key) in `value` that is not storable text: its path and what is wrong. */
export function illFormedText(value: unknown): { path: string[]; message: string } | null {
  const path: (string | number)[] = [];
  const message = walk(value, path);
  return message ? { path: path.map(String), message } : null;
}

/**
 * Depth first, keeping one path that it extends and shortens as it goes: a megabyte body of small
 * values is walked in a few milliseconds, where a path copied for each value took ten times as long.
 */
function walk(value: unknown, path: (string | number)[]): string | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem && `contains ${problem}`;
  }
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== "string" && (item === null || typeof item !== "object")) continue;
      path.push(i);
      const found = walk(item, path);
      if (found) return found;
      path.pop();
    }
    return null;
  }
  if (!isPlainObject(value)) return null;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    path.push(key);
    const problem = textProblem(key);
    if (problem) return `the field's name contains ${problem}`;
    const found = walk(record[key], path);
    if (found) return found;
    path.pop();
  }
  return null;
}

/** A path with a NUL in it names no group, article, annotation or token: 404, as a malformed id is. */
export const refuseNulInPath = createMiddleware<AppEnv>(async (c, next) => {
  // Hono's c.req.path is percent-decoded, so %00 is a NUL here; params are decoded from it.
  if (c.req.path.includes("\u0000")) throw notFound();
  await next();
});

/**
 * Every name and value in a query string must decode to text: an escape that is not UTF-8 (`%FF`, an
 * overlong `%C0%80`, an encoded lone surrogate `%ED%A0%80`) or not an escape at all (`%`, `%zz`) is
 * refused with the field named. Hono decodes what it can and keeps the rest as sent, so such a title was
 * stored as its escape's own characters, and `a%zz%20b` as "a%zz b". Checked once, for every route,
 * before any of them reads its query.
 */
export const refuseMalformedQuery = createMiddleware<AppEnv>(async (c, next) => {
  const url = c.req.url;
  const start = url.indexOf("?");
  if (start !== -1 && url.includes("%", start)) {
    for (const pair of url.slice(start + 1).split("&")) {
      const split = pair.indexOf("=");
      const name = split === -1 ? pair : pair.slice(0, split);
      const decodedName = decoded(name);
      if (decodedName !== null && (split === -1 || decoded(pair.slice(split + 1)) !== null)) continue;
      // A name that does not decode is named as it was sent.
      const field = decodedName ?? name;
      throw new ApiError("validation_failed", `${field}: contains a percent-escape that does not decode to UTF-8 text`, field);
    }
  }
  await next();
});

function decoded(component: string): string | null {
  try {
    return decodeURIComponent(component.replaceAll("+", " "));
  } catch {
    return null;
  }
}

/** How deeply a JSON body may nest. Nothing the API takes goes past a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests deeper than `limit` arrays and objects. JSON.parse takes hundreds of
 * milliseconds over a megabyte of `[[[[…`, blocking the event loop, and the body may come before any
 * authentication (login), so it is refused first. One pass over the char codes, no allocation:
 * about a millisecond a megabyte. Malformed text may be miscounted; JSON.parse refuses it anyway.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash: the next char is escaped, even a quote
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

/** Parses a JSON body, refusing one nested too deeply before the parser sees it. */
export function parseJsonBody(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new ApiError("bad_request", `The body nests deeper than ${MAX_JSON_DEPTH} arrays and objects`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON");
  }
}
