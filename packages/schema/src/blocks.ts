import { z } from "zod";

/**
 * The structural pieces of an imported article. Offsets count Unicode code
 * points into the revision's normalized text, as W3C selectors do, so that
 * `[...text].slice(start, end).join("")` is the block's text. A block holds
 * names and numbers only, so its JSON is ASCII: an article's read cuts that
 * JSON into parts by bytes (apps/server/src/services/article-answer.ts), and a
 * field that could hold other characters would need the cut moved first.
 */
export const BLOCK_KINDS = [
  "byline",
  "title",
  "caption",
  "heading",
  "paragraph",
  "quote",
  "list-item",
  "reference",
  "bio",
] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export const blockSchema = z.object({
  kind: z.enum(BLOCK_KINDS),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** Heading depth (2 = section) where the source says so. */
  level: z.number().int().min(1).max(6).optional(),
  /** The page of the source a block comes from: a PDF's, counted from 1. */
  page: z.number().int().positive().optional(),
});
export type Block = z.infer<typeof blockSchema>;

/** The formats an article's text can be sent in. */
export const ARTICLE_FORMATS = ["text", "markdown", "html"] as const;
export type ArticleFormat = (typeof ARTICLE_FORMATS)[number];
/** What a revision was made from: a text format, or a PDF (uploaded, or found at an imported URL). */
export type SourceFormat = ArticleFormat | "pdf";
