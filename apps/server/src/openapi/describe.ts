import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { annotationViewSchema } from "./schemas/annotations.ts";

/**
 * What a route says about itself for the OpenAPI document. It is written in
 * the route's own chain, beside its access middleware, and request schemas
 * are the very ones its handler validates with, so that the route and its
 * documentation cannot drift apart (docs/architecture.md, "Routes").
 */
export type RouteDoc = {
  tag: string;
  summary: string;
  /** Writes through a live document (docs/sync.md), whose commit may refuse the change: 422 update_not_stored. */
  live?: boolean;
  /** False for the few routes that take anonymous callers. */
  auth?: boolean;
  body?: z.ZodType;
  /** Extra request media types the route takes besides JSON. */
  bodyTypes?: string[];
  query?: z.ZodType;
  responses: Record<number, string>;
  /** Media types of the successful bodies; JSON unless said. */
  produces?: string[];
  /** Body schemas by status, for each JSON success (the OpenAPI test requires one) and any error with a body of its own: zod for ours, JSON Schema for formats we do not own. */
  schemas?: Partial<Record<number, z.ZodType | object>>;
};

/** One documented operation: a route's doc with the method and the full path it is served at. */
export type Operation = RouteDoc & {
  method: "get" | "post" | "put" | "patch" | "delete" | "options";
  /** Hono-style path, e.g. /api/groups/:groupId. */
  path: string;
};

const DOCS = new WeakMap<object, RouteDoc>();

/** A pass-through middleware that carries the route's doc, found again by `operationsOf`. */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = (_c, next) => next();
  DOCS.set(middleware, doc);
  return middleware;
}

/**
 * Every documented route the app serves, at the path it is served at: a W3C container's ends in its slash,
 * and the path without it is the redirect documented there.
 */
export function operationsOf(app: { routes: ReadonlyArray<{ method: string; path: string; handler: object }> }): Operation[] {
  const seen = new Map<string, Operation>();
  for (const route of app.routes) {
    const doc = DOCS.get(route.handler);
    if (!doc) continue;
    const method = route.method.toLowerCase() as Operation["method"];
    seen.set(`${method} ${route.path}`, { method, path: route.path, ...doc });
  }
  return [...seen.values()];
}

export const ok = (description: string) => ({ 200: description });
export const created = (description: string) => ({ 201: description });
export const noContent = { 204: "Done" };
/**
 * What a read that serves placements may answer while a correction's annotations are being moved
 * (anchoring/anchored-reads.ts; docs/architecture.md, "Anchoring").
 */
/** On a route that hashes or checks a password, when too many wait for their turn (auth/password.ts). */
export const whileHashing = { 503: "unavailable: too many passwords are being checked at once on this server; try again after Retry-After" };
export const whileMoving = { 503: "reanchoring: a correction's annotations are being moved onto the new text; try again after Retry-After" };
export const LD = ["application/ld+json"];
/** The annotation as the REST API presents it, for each status that answers with one. */
export const annotationResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, annotationViewSchema]));
