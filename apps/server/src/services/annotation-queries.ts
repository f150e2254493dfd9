import { type SQL, and, asc, desc, eq, getTableColumns, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import {
  ANCHOR_STATES,
  ANNOTATION_KINDS,
  ANNOTATION_STATUSES,
  type Role,
  VERDICTS,
  annotationFieldSchemas,
  roleAtLeast,
} from "@marginalia/schema";
import { annotations, memberIds, searchFold } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import { articleBehind, groupArticlesBehind, groupArticlesBehindNow, reanchoringBehind, stillToWaitFor } from "../anchoring/anchored-reads.ts";
import { cursorTime, decodeCursor, encodeCursor, pageQuery } from "../http/cursor.ts";
import { presentAnnotation } from "./annotation-view.ts";
import { nameBook } from "./identities.ts";

/**
 * One or more values, separated by commas. The document gives what the string may hold (its pattern and the
 * values named), where the pipe's enum alone would leave a client a bare string.
 */
const list = <T extends string>(values: readonly [T, ...T[]]) => {
  const one = values.join("|");
  return z
    .string()
    .meta({ description: `One or more of ${values.join(", ")}, separated by commas`, pattern: `^(${one})(,(${one}))*$` })
    .transform((s) => s.split(","))
    .pipe(z.array(z.enum(values)).min(1));
};

export const annotationFilterSchema = z.object({
  kind: list(ANNOTATION_KINDS).optional(),
  status: list(ANNOTATION_STATUSES).optional(),
  verdict: list(VERDICTS).optional(),
  anchor: list(ANCHOR_STATES).optional(),
  author: z.uuid().optional(),
  assignee: z.uuid().optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  resolved: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  /** Verdicts a revision left stale, waiting to be confirmed or revised (docs/architecture.md, "Verdicts pinned to the text"). */
  stale: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  /** Replies to this annotation id; `root` says whether to list only top-level annotations or only replies. */
  parent: z.string().max(64).optional(),
  root: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  q: z.string().trim().min(1).max(500).optional(),
  sort: z.enum(["position", "created", "updated"]).default("position"),
  order: z.enum(["asc", "desc"]).optional(),
  ...pageQuery(50),
});
export type AnnotationFilter = z.output<typeof annotationFilterSchema>;

/** A group's listing: newest first unless asked otherwise, since positions in different articles make no one order. */
export const groupAnnotationFilterSchema = annotationFilterSchema.extend({ sort: annotationFilterSchema.shape.sort.unwrap().default("created") });

/** Where the annotations come from: one article, or every article of a group. */
export type Scope = { articleId: string } | { groupId: string };
export type Viewer = { id: string; role: Role };

const FAR = 2_147_483_647;
const SORTS = {
  // FAR written into the statement, not bound: the index on this expression is used only on an exact match.
  position: { expr: sql`coalesce(${annotations.startPos}, ${sql.raw(String(FAR))})`, read: (r: Row) => r.startPos ?? FAR, defaultOrder: "asc" },
  created: { expr: sql`${annotations.createdAt}`, read: (r: Row) => r.createdAt.toISOString(), defaultOrder: "desc" },
  updated: { expr: sql`${annotations.updatedAt}`, read: (r: Row) => r.updatedAt.toISOString(), defaultOrder: "desc" },
} as const;
type Row = typeof annotations.$inferSelect;

/** The projection's columns that visibility reads, of `annotations` itself or of an alias of it. */
type Rows = Record<"articleId" | "status" | "parentId" | "visibility" | "authorId" | "docName", AnyPgColumn>;

/**
 * Whether a row belongs to an article's hidden document (`article:<id>:hidden`), which only moderators
 * join: a reply there is published, and only its document says it is hidden work.
 */
export const inHiddenDocument = (docName: AnyPgColumn | SQL) => sql`${docName} like 'article:%:hidden'`;

/**
 * What a viewer may see: the group's annotations (hidden ones only for
 * moderators) and their own private ones. Every read path uses it, on the
 * annotations table or, to ask the same of a related row, on an alias of it.
 */
export function visibleTo(viewer: Viewer, rows: Rows = annotations): SQL {
  const moderator = roleAtLeast(viewer.role, "moderator");
  // Hiding an annotation hides its thread too: replies carry the parent's quote. What the hidden document
  // holds is hidden whatever its status says, so a reply there stays hidden even if its parent's row is gone.
  // The parent is looked for in the reply's article: a deleted parent's id may be taken elsewhere (before
  // tombstones counted as taken, it could be), and another group's row under it hid this thread.
  const shown = sql`${rows.status} <> 'hidden' and not ${inHiddenDocument(rows.docName)} and not exists (
    select 1 from annotations parent where parent.id = ${rows.parentId} and parent.article_id = ${rows.articleId}
      and (parent.status = 'hidden' or ${inHiddenDocument(sql`parent.doc_name`)})
  )`;
  return or(
    and(eq(rows.visibility, "group"), moderator ? sql`true` : shown),
    and(eq(rows.visibility, "private"), eq(rows.authorId, viewer.id)),
  )!;
}

/**
 * One page of annotations, search_after style: the cursor carries the sort
 * value and id of the last row, so rows inserted meanwhile neither repeat nor
 * shift the pages.
 */
/**
 * `offset`: rows skipped, in the database, before the page (the W3C container's numbered pages): walking
 * to page 9,999 a cursor page at a time read, and presented, every annotation before it.
 */
export async function queryAnnotations(db: Db | Tx, scope: Scope, viewer: Viewer, filter: AnnotationFilter & { offset?: number }) {
  const sort = SORTS[filter.sort];
  const order = filter.order ?? sort.defaultOrder;
  const conditions: SQL[] = [
    "articleId" in scope ? eq(annotations.articleId, scope.articleId) : eq(annotations.groupId, scope.groupId),
    visibleTo(viewer),
  ];
  if (filter.kind) conditions.push(inArray(annotations.kind, filter.kind));
  if (filter.status) conditions.push(inArray(annotations.status, filter.status));
  if (filter.verdict) conditions.push(inArray(annotations.verdict, filter.verdict));
  if (filter.anchor) conditions.push(inArray(annotations.anchorState, filter.anchor));
  // People are named by member id, as every response names them; rows keep accounts.
  const accountOf = (memberId: string) =>
    sql`(select ${memberIds.userId} from ${memberIds} where ${memberIds.groupId} = ${annotations.groupId} and ${memberIds.memberId} = ${memberId})`;
  if (filter.author) conditions.push(sql`${annotations.authorId} = ${accountOf(filter.author)}`);
  if (filter.assignee) conditions.push(sql`${annotations.assignees} @> array[${accountOf(filter.assignee)}]::uuid[]`);
  if (filter.tag) conditions.push(sql`${annotations.tags} @> array[${filter.tag}]::text[]`);
  if (filter.resolved !== undefined) conditions.push(eq(annotations.resolved, filter.resolved));
  if (filter.stale !== undefined) conditions.push(eq(annotations.stale, filter.stale));
  if (filter.parent) conditions.push(eq(annotations.parentId, filter.parent));
  if (filter.root !== undefined) conditions.push(filter.root ? isNull(annotations.parentId) : isNotNull(annotations.parentId));
  // Folded as the indexed text is (searchFold): either Unicode form, accents and vowel marks left out or not.
  if (filter.q) conditions.push(sql`${annotations.search} @@ websearch_to_tsquery('english', ${searchFold(sql`${filter.q}::text`)})`);
  if (filter.cursor) conditions.push(beyondCursor(filter.sort, order === "asc" ? ">" : "<", filter.cursor));
  const direction = order === "asc" ? asc : desc;
  // The rows say, in their own snapshot, whether their article's re-anchoring is behind, or which of the group's
  // articles are behind (anchoring/anchored-reads.ts).
  const behind: SQL<boolean | string[]> = "articleId" in scope ? articleBehind(scope.articleId) : groupArticlesBehind(scope.groupId);
  const select = (q: Db | Tx) =>
    q
      .select({ ...getTableColumns(annotations), behind })
      .from(annotations)
      .where(and(...conditions))
      .orderBy(direction(sort.expr), direction(annotations.id))
      .limit(filter.limit + 1)
      .offset(filter.offset ?? 0);
  const read = filter.q || filter.tag || filter.assignee ? await plannedForItsValues(db, select) : await select(db);
  await refuseBehind(db, scope, read[0]?.behind);
  const rows: Row[] = read.map(({ behind: _, ...row }) => row);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  // One scope is one group, so one book names every author on the page.
  const book = last ? await nameBook(db, last.groupId, viewer) : null;
  const cursorOf = (row: Row | undefined) => (row ? encodeCursor(filter.sort, sort.read(row), row.id) : null);
  return {
    annotations: book ? page.map((row) => presentAnnotation(row, book)) : [],
    nextCursor: rows.length > filter.limit ? cursorOf(last) : null,
    /** Where the page's first and last rows stand in its order, as cursors (the W3C container's page IRIs). */
    edges: { first: cursorOf(page[0]), last: cursorOf(last) },
  };
}

/** Throws the refusal readAnchored waits on when the read found its article, or some of its group's, behind. */
async function refuseBehind(db: Db | Tx, scope: Scope, behind: boolean | string[] | undefined) {
  if ("articleId" in scope) {
    if (behind) throw reanchoringBehind();
    return;
  }
  // A group's listing that found no rows asks on its own: a filter on placements may match nothing mid-move.
  // An article whose moves just failed is served as it stands rather than failing the whole group's listing.
  const ids = stillToWaitFor(Array.isArray(behind) ? behind : await groupArticlesBehindNow(db, scope.groupId));
  if (ids.length) throw reanchoringBehind(ids);
}

/**
 * Runs a listing with a search, tag or assignee filter under a plan made for
 * its actual values. The driver prepares every statement, and after five runs
 * Postgres may keep one generic plan for it, which must guess how many rows a
 * GIN-indexed match finds (50, whatever the word). For a common word that
 * plan gathers every match and sorts them all: 12 ms for `q=sanctions` over
 * 10,000 annotations of which 5,677 match, where the plan for the word walks
 * the article in order and stops at the page's end in 0.8 ms. A rare word
 * gets the other plan, which is right for it.
 */
export function plannedForItsValues<T>(db: Db | Tx, select: (q: Db | Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return select(tx);
  });
}

/**
 * The rows past `cursor` in the direction `op` names, in `sort`'s order (its value, then the id: one place per
 * row). A cursor of another sort, or none of ours, is refused as input.
 */
export function beyondCursor(sortName: AnnotationFilter["sort"], op: ">" | "<" | "<=", cursor: string): SQL {
  const after = decodeCursor(cursor, sortName, cursorSchema);
  const value = sortName === "position" ? sql`${after.value}::int` : sql`${after.value}::timestamptz`;
  return sql`(${SORTS[sortName].expr}, ${annotations.id}) ${sql.raw(op)} (${value}, ${after.id})`;
}

/**
 * What an annotation listing's cursor holds (http/cursor.ts): a value the statement can cast for its sort
 * (an int, or a date Postgres reads) and an annotation id, never a NUL.
 */
const cursorSchema = z.union([
  z.tuple([z.literal("position"), z.number().int().min(0).max(FAR), annotationFieldSchemas.id]),
  z.tuple([z.enum(["created", "updated"]), cursorTime, annotationFieldSchemas.id]),
]);
