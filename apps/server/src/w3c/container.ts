import { and, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { annotations } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";
import { queryInt } from "../http/query-int.ts";
import { MAX_PAGE } from "../http/cursor.ts";
import { type Viewer, queryAnnotations, visibleTo } from "../services/annotation-queries.ts";
import type { AnnotationView } from "../services/annotation-view.ts";
import { annotationIri, containerIri } from "./iri.ts";
import { ANNOTATION_CONTEXT, CONTAINER_CONTEXT, toW3C } from "./mapping.ts";
import type { ContainerPreference } from "./media.ts";

/** An article's annotation container and its pages (protocol §4.1, model §5). Pages are in text order. */

const DEFAULT_LIMIT = 100;

export const pageQuerySchema = z.object({
  page: queryInt(0).optional(),
  limit: queryInt(1, MAX_PAGE).default(DEFAULT_LIMIT),
  iris: z.enum(["0", "1"]).transform((v) => v === "1").optional(),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

export type ContainerScope = { baseUrl: string; articleId: string; viewer: Viewer; label: string };
type Stats = { total: number; modified: Date | null };

/**
 * How many annotations this viewer may see, under the same rule as the pages, and when the latest of them
 * was added or edited: not updatedAt, which a resolve or a moderator's hide moves too (docs/w3c.md).
 */
async function statsOf(db: Db, articleId: string, viewer: Viewer): Promise<Stats> {
  const [row] = await db
    .select({ total: count(), modified: sql<Date | null>`max(coalesce(${annotations.editedAt}, ${annotations.createdAt}))`.mapWith(annotations.createdAt) })
    .from(annotations)
    .where(and(eq(annotations.articleId, articleId), visibleTo(viewer)));
  return { total: row?.total ?? 0, modified: row?.modified ? new Date(row.modified) : null };
}

/**
 * Page `page` of the viewer's annotations, in position order, the rows before it skipped by the database
 * (an OFFSET over the index's order): walking there by cursor read and presented every annotation before
 * it, 2.6–5 s of the loop's time for page 9,999 of a 10,000-annotation article.
 */
async function itemsOf(db: Db, articleId: string, viewer: Viewer, page: number, limit: number): Promise<AnnotationView[]> {
  return (await queryAnnotations(db, { articleId }, viewer, { sort: "position", limit, offset: page * limit })).annotations;
}

function pageIri(scope: ContainerScope, query: { iris: boolean; limit: number }, page: number) {
  const params = new URLSearchParams();
  if (query.iris) params.set("iris", "1");
  if (query.limit !== DEFAULT_LIMIT) params.set("limit", String(query.limit));
  params.set("page", String(page));
  return `${containerIri(scope.baseUrl, scope.articleId)}?${params}`;
}

const lastPageOf = (total: number, limit: number) => Math.max(0, Math.ceil(total / limit) - 1);
const dateTime = (d: Date | null) => (d ? { modified: d.toISOString() } : {});

async function pageBody(db: Db, scope: ContainerScope, query: { iris: boolean; limit: number }, page: number, stats: Stats) {
  const views = await itemsOf(db, scope.articleId, scope.viewer, page, query.limit);
  const last = lastPageOf(stats.total, query.limit);
  const ctx = { baseUrl: scope.baseUrl, articleId: scope.articleId };
  return {
    id: pageIri(scope, query, page),
    type: "AnnotationPage",
    startIndex: page * query.limit,
    ...(page < last && { next: pageIri(scope, query, page + 1) }),
    ...(page > 0 && { prev: pageIri(scope, query, page - 1) }),
    // Each description is the full annotation, @context included, so that a client can take an item out
    // of its page and use it as it would the annotation's own GET (protocol §4.1.1).
    items: views.map((v) => (query.iris ? annotationIri(scope.baseUrl, scope.articleId, v.id) : toW3C(v, ctx))),
  };
}

/** The container itself: a Basic Container that is also an AnnotationCollection. */
export async function containerDocument(db: Db, scope: ContainerScope, query: PageQuery, prefer: ContainerPreference) {
  const stats = await statsOf(db, scope.articleId, scope.viewer);
  // An explicit ?iris= (as in the page IRIs we hand out) wins over the Prefer header.
  const paging = { iris: query.iris ?? prefer.iris, limit: query.limit };
  const id = containerIri(scope.baseUrl, scope.articleId);
  const pages =
    stats.total === 0
      ? {}
      : {
          first: prefer.minimal
            ? pageIri(scope, paging, 0)
            : { ...(await pageBody(db, scope, paging, 0, stats)), partOf: id },
          last: pageIri(scope, paging, lastPageOf(stats.total, query.limit)),
        };
  return {
    "@context": CONTAINER_CONTEXT,
    id,
    type: ["BasicContainer", "AnnotationCollection"],
    label: scope.label,
    total: stats.total,
    ...dateTime(stats.modified),
    ...pages,
  };
}

/** One page, standalone: it names the collection it is part of, with the collection's size. */
export async function pageDocument(db: Db, scope: ContainerScope, query: PageQuery & { page: number }) {
  const stats = await statsOf(db, scope.articleId, scope.viewer);
  // An empty container has no pages (its representation links none): a page holds one annotation or more.
  if (stats.total === 0 || query.page > lastPageOf(stats.total, query.limit)) throw notFound("Page");
  const body = await pageBody(db, scope, { iris: query.iris ?? false, limit: query.limit }, query.page, stats);
  return {
    "@context": ANNOTATION_CONTEXT,
    ...body,
    partOf: { id: containerIri(scope.baseUrl, scope.articleId), total: stats.total, ...dateTime(stats.modified) },
  };
}
