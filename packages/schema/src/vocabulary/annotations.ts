import { z } from "zod";

/**
 * The words of an annotation, apart from the tables that store them: the web
 * app needs these, and importing them from the table definitions brought
 * drizzle into its bundle.
 */
export const ANNOTATION_KINDS = ["highlight", "comment", "factcheck"] as const;
export const VISIBILITIES = ["group", "private"] as const;
export const ANNOTATION_STATUSES = ["draft", "pending", "published", "rejected", "hidden"] as const;
export const ANCHOR_STATES = ["anchored", "fuzzy", "orphaned"] as const;
export const VERDICTS = [
  "true",
  "mostly-true",
  "mixed",
  "misleading",
  "mostly-false",
  "false",
  "unverifiable",
] as const;

export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];
export type Visibility = (typeof VISIBILITIES)[number];
export type AnnotationStatus = (typeof ANNOTATION_STATUSES)[number];
export type AnchorState = (typeof ANCHOR_STATES)[number];
export type Verdict = (typeof VERDICTS)[number];

/** W3C TextQuoteSelector + TextPositionSelector, positions in code points. */
export const textTargetSchema = z.object({
  revision: z.number().int().positive(),
  exact: z.string().max(20_000),
  prefix: z.string().max(200),
  suffix: z.string().max(200),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
}).refine((t) => t.end >= t.start, { message: "end must not be before start", path: ["end"] });
export type TextTarget = z.infer<typeof textTargetSchema>;

export const sourceSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  title: z.string().max(500).default(""),
});
export type Source = z.infer<typeof sourceSchema>;
