import { z } from "zod";
import { httpUrlInputSchema, httpUrlSchema } from "./urls.ts";

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

/**
 * The verdict scale, in one place: each verdict's label, as readers are shown it, and its rating on a 1–5
 * truthfulness scale, as ClaimReview consumers read `reviewRating` (the closer to the best rating, the
 * truer). Google's fact-check markup asks for whole numbers, a worst rating of at least 1, and a number
 * consistent with the label, which is what readers actually see. "Misleading" shares 2 with "mostly
 * false": accurate in its letter but leaving a false impression, it is further from the truth than
 * "mixed"; the labels keep the two apart.
 *
 * "Unverifiable" is not a point on that scale: no number would be honest, and any we picked would be
 * averaged into the claim's truthfulness by aggregators. Its rating is null, and its ClaimReview rating
 * is the label alone. docs/claimreview.md shows the table.
 */
export const VERDICT_SCALE: Record<Verdict, { label: string; rating: number | null }> = {
  true: { label: "True", rating: 5 },
  "mostly-true": { label: "Mostly true", rating: 4 },
  mixed: { label: "Mixed", rating: 3 },
  misleading: { label: "Misleading", rating: 2 },
  "mostly-false": { label: "Mostly false", rating: 2 },
  false: { label: "False", rating: 1 },
  unverifiable: { label: "Unverifiable", rating: null },
};
export const BEST_RATING = 5;
export const WORST_RATING = 1;

/**
 * The largest value a Postgres `integer` column holds (revisions, positions, the projection's
 * start_pos): a larger number fails the statement it is compared with or stored by.
 */
export const MAX_INTEGER_COLUMN = 2_147_483_647;

/** W3C TextQuoteSelector + TextPositionSelector, positions in code points. */
export const textTargetSchema = z.object({
  revision: z.number().int().positive().max(MAX_INTEGER_COLUMN),
  exact: z.string().max(20_000),
  prefix: z.string().max(200),
  suffix: z.string().max(200),
  start: z.number().int().nonnegative().max(MAX_INTEGER_COLUMN),
  end: z.number().int().nonnegative().max(MAX_INTEGER_COLUMN),
}).refine((t) => t.end >= t.start, { message: "end must not be before start", path: ["end"] });
export type TextTarget = z.infer<typeof textTargetSchema>;

export const sourceSchema = z.object({
  url: httpUrlSchema,
  title: z.string().max(500).default(""),
});
export type Source = z.infer<typeof sourceSchema>;
/**
 * A source as the API gives it and the projection keeps it: `{ url, title }`, the title "" when none was
 * given. REST fills it in as it parses; a sync client may leave it out of the document (docs/sync.md,
 * "4. The document layout"), and a client that reads `title` as a string must still find one.
 */
export const withTitle = ({ url, title }: { url: string; title?: string }): Source => ({ url, title: title ?? "" });
/** A source as a REST or W3C client gives it: its URL is stored in its normal form (urls.ts). */
export const sourceInputSchema = sourceSchema.extend({ url: httpUrlInputSchema });

/** Room for a language, script, region and a variant or two; longer tags are extensions nobody writes by hand. */
export const MAX_LANGUAGE_LENGTH = 35;

/**
 * The canonical form of a BCP 47 language tag ("FA-ir" is "fa-IR", "iw" is "he"), or null when it is not
 * one. Intl knows the registry's case rules and aliases, which a pattern would only approximate; it throws
 * RangeError on a malformed tag.
 */
export function canonicalLanguage(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * An annotation's language as stored: canonical already, so that every reader of a document (the server's
 * projection, the web app's `lang`) sees one spelling, and the live check never has to rewrite a client's value.
 */
export const languageSchema = z
  .string()
  .max(MAX_LANGUAGE_LENGTH)
  .refine((tag) => canonicalLanguage(tag) === tag, "a BCP 47 language tag in its canonical form, such as fa-IR");

/** A language as a REST or W3C client sends it: any well-formed tag, stored in its canonical form. */
export const languageInputSchema = z
  .string()
  .max(MAX_LANGUAGE_LENGTH)
  .transform((tag, ctx) => {
    const canonical = canonicalLanguage(tag);
    if (canonical === null) ctx.addIssue({ code: "custom", message: "not a BCP 47 language tag (such as fa, ar-EG or en-GB)" });
    return canonical ?? z.NEVER;
  })
  .pipe(languageSchema);
