import { type SQL, and, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { annotations } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import { ApiError, notFound } from "../errors.ts";
import { queryInt } from "../http/query-int.ts";
import { MAX_PAGE, cursorParam } from "../http/cursor.ts";
import { type Viewer, beyondCursor, queryAnnotations, visibleTo } from "../services/annotation-queries.ts";
import type { AnnotationView } from "../services/annotation-view.ts";
import { annotationIri, containerIri } from "./iri.ts";
import { ANNOTATION_CONTEXT, CONTAINER_CONTEXT, toW3C } from "./mapping.ts";
import type { ContainerPreference } from "./media.ts";

/**
 * An article's annotation container and its pages (protocol §4.1, model §5), in text order (position, then
 * id). Pages are keyset pages (docs/w3c.md, "Pages"): a page's `next` names the place after its last item,
 * so a client walking by `next` neither skips nor repeats an annotation when others come or go meanwhile,
 * as a numbered page, a slice at an offset, did. What a page says of the whole (`total`, `startIndex`,
 * whether there is a next page) is read in the same snapshot as its items.
 */

const DEFAULT_LIMIT = 100;

export const pageQuerySchema = z.object({
  /** `0`: the first page; `last`: the page read from the end; another number: an old numbered page's offset. */
  page: z.union([z.literal("last"), queryInt(0)]).optional(),
  after: cursorParam.optional(),
  before: cursorParam.optional(),
  limit: queryInt(1, MAX_PAGE).default(DEFAULT_LIMIT),
  iris: z.enum(["0", "1"]).transform((v) => v === "1").optional(),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

/** Where a page starts: an offset (the first page, and old numbered ones), after or before a place, or at the end. */
export type PageAt = { offset: number } | { after: string } | { before: string } | { last: true };

/** The page a query names, if it names one: exactly one of page, after and before. */
export function pageAt(query: PageQuery): PageAt | null {
  const named = [query.page !== undefined, query.after !== undefined, query.before !== undefined].filter(Boolean).length;
  if (named === 0) return null;
  if (named > 1) throw new ApiError("validation_failed", "page: name one of page, after and before", "page");
  if (query.after !== undefined) return { after: query.after };
  if (query.before !== undefined) return { before: query.before };
  return query.page === "last" ? { last: true } : { offset: query.page! };
}

export type ContainerScope = { baseUrl: string; articleId: string; viewer: Viewer; label: string };
type Paging = { iris: boolean; limit: number };
type Stats = { total: number; modified: Date | null; startIndex: number };
type Read = { views: AnnotationView[]; edges: { first: string | null; last: string | null }; stats: Stats };

/**
 * How many annotations this viewer may see, under the same rule as the pages, how many of them come before
 * the page (`ahead`), and when the latest of them was added or edited: not updatedAt, which a resolve or a
 * moderator's hide moves too (docs/w3c.md).
 */
async function statsOf(db: Db | Tx, articleId: string, viewer: Viewer, ahead: SQL | null): Promise<Stats> {
  const [row] = await db
    .select({
      total: count(),
      ahead: ahead ? sql<number>`count(*) filter (where ${ahead})`.mapWith(Number) : sql<number>`0`.mapWith(Number),
      modified: sql<Date | null>`max(coalesce(${annotations.editedAt}, ${annotations.createdAt}))`.mapWith(annotations.createdAt),
    })
    .from(annotations)
    .where(and(eq(annotations.articleId, articleId), visibleTo(viewer)));
  return { total: row?.total ?? 0, startIndex: row?.ahead ?? 0, modified: row?.modified ? new Date(row.modified) : null };
}

/**
 * A page and the container's counts, in one REPEATABLE READ transaction: read apart, an annotation added or
 * deleted between them made `total` and `next` disagree with the items. An old numbered page is an OFFSET
 * over the index's order, skipped in the database.
 */
async function readPage(db: Db, scope: ContainerScope, paging: Paging, at: PageAt): Promise<Read> {
  return db.transaction(
    async (tx) => {
      const read = (order: "asc" | "desc", cursor?: string, offset?: number) =>
        queryAnnotations(tx, { articleId: scope.articleId }, scope.viewer, { sort: "position", order, limit: paging.limit, cursor, offset });
      const backwards = "before" in at || "last" in at;
      const found = "offset" in at ? await read("asc", undefined, at.offset) : "after" in at ? await read("asc", at.after) : await read("desc", "before" in at ? at.before : undefined);
      const views = backwards ? found.annotations.reverse() : found.annotations;
      const edges = backwards ? { first: found.edges.last, last: found.edges.first } : found.edges;
      // The page's start in the order: before its first item, or, for a page with none, where it was asked to begin.
      const ahead = edges.first ? beyondCursor("position", "<", edges.first) : "after" in at ? beyondCursor("position", "<=", at.after) : null;
      return { views, edges, stats: await statsOf(tx, scope.articleId, scope.viewer, ahead) };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

function pageIri(scope: ContainerScope, paging: Paging, at: PageAt) {
  const params = new URLSearchParams();
  if (paging.iris) params.set("iris", "1");
  if (paging.limit !== DEFAULT_LIMIT) params.set("limit", String(paging.limit));
  if ("offset" in at) params.set("page", String(at.offset));
  else if ("last" in at) params.set("page", "last");
  else if ("after" in at) params.set("after", at.after);
  else params.set("before", at.before);
  return `${containerIri(scope.baseUrl, scope.articleId)}?${params}`;
}

const FIRST: PageAt = { offset: 0 };
const LAST: PageAt = { last: true };
const dateTime = (d: Date | null) => (d ? { modified: d.toISOString() } : {});

function pageBody(scope: ContainerScope, paging: Paging, at: PageAt, { views, edges, stats }: Read) {
  const ctx = { baseUrl: scope.baseUrl, articleId: scope.articleId };
  const more = stats.startIndex + views.length < stats.total;
  // A page with no items (the rest deleted since its link was made) goes back to the page read from the end.
  const prev = stats.startIndex === 0 ? null : edges.first ? { before: edges.first } : LAST;
  return {
    id: pageIri(scope, paging, at),
    type: "AnnotationPage",
    startIndex: stats.startIndex,
    ...(more && edges.last && { next: pageIri(scope, paging, { after: edges.last }) }),
    ...(prev && { prev: pageIri(scope, paging, prev) }),
    // Each description is the full annotation, @context included, so that a client can take an item out
    // of its page and use it as it would the annotation's own GET (protocol §4.1.1).
    items: views.map((v) => (paging.iris ? annotationIri(scope.baseUrl, scope.articleId, v.id) : toW3C(v, ctx))),
  };
}

/** The container itself: a Basic Container that is also an AnnotationCollection. */
export async function containerDocument(db: Db, scope: ContainerScope, query: PageQuery, prefer: ContainerPreference) {
  // An explicit ?iris= (as in the page IRIs we hand out) wins over the Prefer header.
  const paging = { iris: query.iris ?? prefer.iris, limit: query.limit };
  // The first page is read whether or not it is embedded: its snapshot gives the container's counts too.
  const read = await readPage(db, scope, paging, FIRST);
  const { stats } = read;
  const id = containerIri(scope.baseUrl, scope.articleId);
  const pages =
    stats.total === 0
      ? {}
      : {
          first: prefer.minimal ? pageIri(scope, paging, FIRST) : { ...pageBody(scope, paging, FIRST, read), partOf: id },
          last: pageIri(scope, paging, LAST),
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
export async function pageDocument(db: Db, scope: ContainerScope, query: PageQuery, at: PageAt) {
  const paging = { iris: query.iris ?? false, limit: query.limit };
  const read = await readPage(db, scope, paging, "offset" in at ? { offset: at.offset * query.limit } : at);
  const { stats } = read;
  // An empty container has no pages (its representation links none): a page holds one annotation or more.
  // A numbered page past the end is none either; a page after a place may have lost its items since.
  if (stats.total === 0 || ("offset" in at && read.views.length === 0)) throw notFound("Page");
  return {
    "@context": ANNOTATION_CONTEXT,
    ...pageBody(scope, paging, at, read),
    partOf: { id: containerIri(scope.baseUrl, scope.articleId), total: stats.total, ...dateTime(stats.modified) },
  };
}
