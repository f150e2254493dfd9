import { z } from "zod";
import { articleRevisionSelectSchema, articleSelectSchema, blockSchema, roleSchema } from "@marginalia/schema";
import { columnsOf, listOf, person } from "./common.ts";

/** Articles and their revisions (services/articles.ts). */

/** The article with the text and blocks of one revision. */
export const articleSchema = z.strictObject({
  ...columnsOf(articleSelectSchema, "id", "groupId", "title", "byline", "sourceUrl", "publishedAt", "currentRevision", "createdAt", "updatedAt"),
  ...columnsOf(articleRevisionSelectSchema, "contentHash", "format", "text"),
  revision: z.number().int().describe("The revision whose text this is"),
  blocks: z.array(z.strictObject(blockSchema.shape)),
});

/** What a reader opens: the article, the caller's place in its group, and the rooms of its live documents. */
export const articleForReaderSchema = articleSchema.extend({
  role: roleSchema.describe("Your role"),
  memberId: z.string().describe("The id the group's documents and presence know you by"),
  sync: z.strictObject({
    url: z.string().describe("The websocket to open (docs/sync.md)"),
    room: z.string().describe("The group's document"),
    privateRoom: z.string().describe("Your private document"),
    hiddenRoom: z.string().optional().describe("What moderators hid: for moderators and owners only"),
  }),
});

export const revisedArticleSchema = articleSchema.extend({
  reanchored: z
    .strictObject({ anchored: z.number().int(), fuzzy: z.number().int(), orphaned: z.number().int(), documents: z.number().int() })
    .describe("How the annotations of every document of the article were placed on the new text"),
});

export const articleListSchema = listOf(
  "articles",
  z.strictObject({
    ...columnsOf(articleSelectSchema, "id", "title", "byline", "sourceUrl", "createdAt", "updatedAt"),
    revision: z.number().int().describe("The current revision"),
  }),
);

export const revisionListSchema = listOf(
  "revisions",
  z.strictObject({ ...columnsOf(articleRevisionSelectSchema, "number", "contentHash", "format", "createdAt"), author: person }),
);
