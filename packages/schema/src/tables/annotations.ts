import { sql } from "drizzle-orm";
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { z } from "zod";
import { users } from "./accounts.ts";
import { articles } from "./articles.ts";
import { createdAt, searchFold, tsvector, updatedAt } from "./columns.ts";
import { groups } from "./groups.ts";
import {
  ANCHOR_STATES,
  ANNOTATION_KINDS,
  ANNOTATION_STATUSES,
  type Source,
  type TextTarget,
  VERDICTS,
  VISIBILITIES,
} from "../vocabulary/annotations.ts";

import type { StaleDetail } from "../ydoc/judged.ts";

export * from "../vocabulary/annotations.ts";

export const annotationKindEnum = pgEnum("annotation_kind", ANNOTATION_KINDS);
export const visibilityEnum = pgEnum("visibility", VISIBILITIES);
export const annotationStatusEnum = pgEnum("annotation_status", ANNOTATION_STATUSES);
export const anchorStateEnum = pgEnum("anchor_state", ANCHOR_STATES);
export const verdictEnum = pgEnum("verdict", VERDICTS);



/**
 * The relational projection of the live Yjs documents (docs/architecture.md, "Persistence and the commit"): it is
 * rebuilt from the update log, never written by a path of its own.
 */
export const annotations = pgTable(
  "annotations",
  {
    // Client-generated, so that an offline client can create and reference it.
    id: text("id").primaryKey(),
    articleId: uuid("article_id")
      .notNull()
      .references(() => articles.id, { onDelete: "cascade" }),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    /** The Yjs document that holds it: the group's, or one user's private one. */
    docName: text("doc_name").notNull(),
    revision: integer("revision").notNull(),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    kind: annotationKindEnum("kind").notNull(),
    visibility: visibilityEnum("visibility").notNull().default("group"),
    status: annotationStatusEnum("status").notNull().default("published"),
    target: jsonb("target").$type<TextTarget>(),
    quote: text("quote"),
    startPos: integer("start_pos"),
    body: text("body").notNull().default(""),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    color: text("color"),
    claim: text("claim"),
    verdict: verdictEnum("verdict"),
    // Double precision, as JSON numbers are: a `real` rounded every confidence, and one below its
    // range (1e-300) failed the commit of its whole document.
    confidence: doublePrecision("confidence"),
    sources: jsonb("sources").$type<Source[]>().notNull().default(sql`'[]'::jsonb`),
    resolved: boolean("resolved").notNull().default(false),
    parentId: text("parent_id"),
    /** Members asked to answer it: each adds a verdict or a sourced reply. */
    assignees: uuid("assignees").array().notNull().default(sql`'{}'::uuid[]`),
    dueAt: timestamp("due_at", { withTimezone: true, mode: "date" }),
    votesAgree: integer("votes_agree").notNull().default(0),
    votesDisagree: integer("votes_disagree").notNull().default(0),
    anchorState: anchorStateEnum("anchor_state").notNull().default("anchored"),
    anchorScore: doublePrecision("anchor_score"),
    /**
     * A fact-check whose passage a later revision changed, and how (stalenessOf in packages/schema): kept
     * out of exports until its verdict is confirmed or revised (docs/architecture.md, "Verdicts pinned to the text").
     */
    stale: boolean("stale").notNull().default(false),
    staleness: jsonb("staleness").$type<StaleDetail>(),
    /** A W3C client's canonical IRI and former id (`via`), kept as given. */
    canonical: text("canonical"),
    via: text("via"),
    /** The body's language, a canonical BCP 47 tag (ydoc/layout.ts); null when unknown. */
    language: text("language"),
    search: tsvector("search").generatedAlwaysAs(
      sql`to_tsvector('english'::regconfig, ${searchFold(sql`coalesce(body, '') || ' ' || coalesce(claim, '') || ' ' || coalesce(quote, '')`)})`,
    ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** When its author last changed its body or fact-check; null while it reads as first written (ydoc/layout.ts, editedAt). */
    editedAt: timestamp("edited_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("annotations_article_status_idx").on(t.articleId, t.status),
    // The listing's three orders (services/annotation-queries.ts): a page is read off the index in order
    // and stops at its limit, instead of sorting every annotation of the article.
    index("annotations_article_position_idx").on(t.articleId, sql`coalesce(${t.startPos}, 2147483647)`, t.id),
    index("annotations_article_created_idx").on(t.articleId, t.createdAt, t.id),
    index("annotations_article_updated_idx").on(t.articleId, t.updatedAt, t.id),
    index("annotations_author_idx").on(t.authorId),
    index("annotations_group_status_idx").on(t.groupId, t.status),
    // The same three orders over a whole group, for search across its articles.
    index("annotations_group_position_idx").on(t.groupId, sql`coalesce(${t.startPos}, 2147483647)`, t.id),
    index("annotations_group_created_idx").on(t.groupId, t.createdAt, t.id),
    index("annotations_group_updated_idx").on(t.groupId, t.updatedAt, t.id),
    index("annotations_parent_idx").on(t.parentId),
    index("annotations_tags_idx").using("gin", t.tags),
    index("annotations_assignees_idx").using("gin", t.assignees),
    index("annotations_search_idx").using("gin", t.search),
    // Claim memory: trigram similarity between a claim being written and the group's published ones (pg_trgm),
    // over the claim as search reads it (searchFold), which is what services/claims.ts compares.
    index("annotations_claim_trgm_idx").using("gin", sql`${searchFold(sql`${t.claim}`)} gin_trgm_ops`),
  ],
);

/**
 * What remains of a deleted annotation, so that the W3C container can answer
 * 410 Gone rather than 404 for it. Written with the projection.
 */
export const annotationTombstones = pgTable("annotation_tombstones", {
  id: text("id").primaryKey(),
  articleId: uuid("article_id")
    .notNull()
    .references(() => articles.id, { onDelete: "cascade" }),
  docName: text("doc_name").notNull(),
  deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export const staleDetailSchema = z.object({
  judgedRevision: z.number().int(),
  revision: z.number().int(),
  oldQuote: z.string(),
  newQuote: z.string().nullable(),
});

