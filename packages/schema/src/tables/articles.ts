import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { type Block, blockSchema } from "../blocks.ts";
import { users } from "./accounts.ts";
import { createdAt, updatedAt } from "./columns.ts";
import { groups } from "./groups.ts";
import { oneLine, shown } from "../vocabulary/names.ts";

export const articles = pgTable(
  "articles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    byline: text("byline"),
    sourceUrl: text("source_url"),
    publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }),
    currentRevision: integer("current_revision").notNull().default(1),
    /**
     * The revision every annotation has been moved onto; behind `currentRevision` while a correction's
     * re-anchoring is under way, or was cut short and is to be resumed (apps/server/src/anchoring/resume.ts).
     */
    anchoredRevision: integer("anchored_revision").notNull().default(1),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("articles_group_idx").on(t.groupId, t.createdAt)],
);

export const articleRevisions = pgTable(
  "article_revisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    articleId: uuid("article_id")
      .notNull()
      .references(() => articles.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    text: text("text").notNull(),
    blocks: jsonb("blocks").$type<Block[]>().notNull(),
    /** SHA-256 (hex) of the normalized text: a re-import of the same text is not a new revision. */
    contentHash: text("content_hash").notNull(),
    format: text("format").notNull(),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [unique("article_revisions_number_uq").on(t.articleId, t.number)],
);

/**
 * A large revision's text and blocks on their way in, a part a row, each
 * written by a statement of its own before the one transaction that makes
 * the revision from them (apps/server/src/services/revision-drafts.ts). No
 * one reads a draft but that transaction. The import that wrote a draft
 * deletes it once done, stored or not; if its process ended first, a later
 * import deletes it once it is old. `seq` orders the parts, text and blocks
 * apart; the blocks are gathered whole at -1 before that transaction.
 */
export const revisionDrafts = pgTable(
  "revision_drafts",
  {
    draftId: uuid("draft_id").notNull(),
    seq: integer("seq").notNull(),
    text: text("text"),
    blocks: jsonb("blocks").$type<Block[]>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.draftId, t.seq] }), index("revision_drafts_created_idx").on(t.createdAt)],
);

export const articleSelectSchema = createSelectSchema(articles);
/** The longest title and byline an article keeps, the caller's or its source's (import/sources.ts). */
export const MAX_TITLE_LENGTH = 500;
export const MAX_BYLINE_LENGTH = 300;

export const articleInsertSchema = createInsertSchema(articles, {
  title: (s) => shown(oneLine(s.trim().min(1).max(MAX_TITLE_LENGTH))),
  byline: (s) => oneLine(s.trim().max(MAX_BYLINE_LENGTH)),
  sourceUrl: () => z.url({ protocol: /^https?$/ }).max(2048),
});
export const articleRevisionSelectSchema = createSelectSchema(articleRevisions, {
  blocks: z.array(blockSchema),
});
export const articleRevisionInsertSchema = createInsertSchema(articleRevisions, {
  blocks: z.array(blockSchema),
});
