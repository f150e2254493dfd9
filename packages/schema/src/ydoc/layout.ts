import { z } from "zod";
import {
  ANNOTATION_KINDS,
  ANNOTATION_STATUSES,
  ANCHOR_STATES,
  VERDICTS,
  languageSchema,
  sourceInputSchema,
  sourceSchema,
  textTargetSchema,
} from "../vocabulary/annotations.ts";
import { oneLine, showsText } from "../vocabulary/names.ts";
import { BIDI_FORMATTING } from "../vocabulary/urls.ts";

/** A tag as a reader sees it: without format characters (zero-width spaces, joiners), in one Unicode form. */
const asRead = (tag: string) => tag.replace(/\p{Cf}/gu, "").normalize("NFC");

/**
 * The shape of a Marginalia Y.Doc (docs/sync.md). Every document, the group's
 * or a private one, has the same three roots.
 */
export const ROOTS = {
  annotations: "annotations",
  votes: "votes",
  notes: "notes",
  /**
   * In a group's document, the ids of annotations moderators hid (moved to the
   * hidden document), so that nobody can create another under the same id
   * meanwhile. Only the server writes it.
   */
  withheld: "withheld",
} as const;

export const MAX_BODY_LENGTH = 20_000;
export const MAX_TAGS = 20;
export const MAX_NOTES_LENGTH = 200_000;
export const MAX_ASSIGNEES = 20;

export const factcheckSchema = z.object({
  claim: z.string().max(5_000),
  verdict: z.enum(VERDICTS),
  confidence: z.number().min(0).max(1).optional(),
  sources: z.array(sourceSchema).max(50),
});
export type Factcheck = z.infer<typeof factcheckSchema>;
/** A fact-check as a REST client sends it: its sources' URLs are stored in their normal form. */
export const factcheckInputSchema = factcheckSchema.extend({ sources: z.array(sourceInputSchema).max(50) });

/**
 * What a fact-check's verdict was given on: the passage (revision and exact quote) and the verdict itself.
 * Only the server writes it, when the passage is about to move and when someone confirms the verdict
 * against a new text; a verdict that differs from the one recorded has been revised since, so it judges
 * the passage as it is (docs/architecture.md, "Verdicts pinned to the text").
 */
export const judgedSchema = z.object({
  revision: z.number().int().nonnegative(),
  exact: textTargetSchema.shape.exact,
  verdict: z.enum(VERDICTS),
});
export type Judged = z.infer<typeof judgedSchema>;

export const anchorSchema = z.object({
  state: z.enum(ANCHOR_STATES),
  score: z.number().min(0).max(1).optional(),
  /** For an orphan: the revision it could not be placed on, where its passage went missing. */
  revision: z.number().int().positive().optional(),
});

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
/**
 * Milliseconds since 1970, up to the end of year 9999: the projection stores them as Postgres timestamps,
 * and a far larger one (which a JavaScript Date cannot even print) failed its document's every commit.
 */
export const MAX_EPOCH_MS = 253_402_300_799_999;
const epochMs = z.number().int().nonnegative().max(MAX_EPOCH_MS);
/** U+0000–U+001F, U+007F–U+009F: `\s` takes only the whitespace among them. */
const CONTROL = /\p{Cc}/u;
/**
 * An annotation's IRIs from W3C clients, which every other W3C client is served: http(s), urn (urn:uuid:…)
 * and tag IRIs, the schemes annotations are named with. A `javascript:` or `data:` one would be handed on
 * to whatever renders it as a link. No control character either (`\p{Cc}`: U+0000–U+001F, U+007F–U+009F),
 * which RFC 3987 (section 2.2) leaves out of IRIs and `\s` covers only in part.
 */
const iri = z
  .string()
  .max(2048)
  .regex(/^(?:https?|urn|tag):[^\s<>"{}|\\^`]*$/i, "an absolute http(s), urn or tag IRI")
  // Apart from the scheme's pattern: with the `u` flag that `\p{Cc}` needs, `i` matches "httpſ" (U+017F) as "https".
  .refine((value) => !CONTROL.test(value), "an IRI holds no control characters (RFC 3987, section 2.2)")
  .refine((value) => !BIDI_FORMATTING.test(value), "an IRI holds no bidirectional formatting characters (RFC 3987, section 4.1)");

/**
 * One schema per field of an annotation's Y.Map, so that a single field
 * written by a client can be checked on its own, as the server does.
 * `body` is a Y.Text and is checked by length instead.
 */
export const annotationFieldSchemas = {
  id,
  kind: z.enum(ANNOTATION_KINDS),
  authorId: z.uuid(),
  createdAt: epochMs,
  /** Stamped by every change, a status step or a moved highlight as much as an edit. */
  updatedAt: epochMs,
  /**
   * When what its author wrote (its body, or its fact-check: claim, verdict, confidence, sources) last
   * changed; null while it reads as first written. Readers are shown "edited" by it, which `updatedAt`
   * cannot tell them: a moderator's hide or a resolved thread stamps that too.
   */
  editedAt: epochMs.nullable(),
  target: textTargetSchema.nullable(),
  // The length as written, before trimming: the server checks a live field and keeps it as the client wrote
  // it, and a tag of "x" and 20,000 ideographic spaces passed a trimmed check.
  // One line that shows something, with no bidirectional formatting (which would reverse the tags shown after
  // it), and each once as it reads: a zero-width space or a different Unicode form does not make another tag.
  tags: z
    .array(
      oneLine(z.string().max(64))
        .trim()
        .min(1)
        .refine((tag) => !BIDI_FORMATTING.test(tag), "holds no bidirectional formatting characters")
        .refine(showsText, "must show at least one visible character"),
    )
    .max(MAX_TAGS)
    .refine((tags) => new Set(tags.map(asRead)).size === tags.length, "tags repeat"),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).nullable(),
  factcheck: factcheckSchema.nullable(),
  status: z.enum(ANNOTATION_STATUSES),
  resolved: z.boolean(),
  parentId: id.nullable(),
  rejectionReason: z.string().max(2_000).nullable(),
  anchor: anchorSchema.nullable(),
  judged: judgedSchema.nullable(),
  /**
   * Of a hidden annotation, the status it had before the hide, to which an unhide brings it back; null
   * while it is not hidden, and on what was hidden before the server recorded it. Only the server writes it
   * (docs/architecture.md, "Documents follow audiences").
   */
  hiddenFrom: z.enum(["draft", "pending", "published"]).nullable(),
  /** Members asked to answer it; written by its author or a moderator. */
  assignees: z.array(z.uuid()).max(MAX_ASSIGNEES).refine((ids) => new Set(ids).size === ids.length, "assignees repeat"),
  /** When the assignees should have answered, if there is a deadline. */
  dueAt: epochMs.nullable(),
  /**
   * IRIs a W3C client gave: its canonical IRI for the annotation, and the id it had elsewhere (kept as
   * `via`). Fixed at creation, since the Web Annotation Protocol says a canonical IRI is never changed.
   */
  canonical: iri.nullable(),
  via: iri.nullable(),
  /**
   * The language its author wrote the body in, a canonical BCP 47 tag; null when nobody said. Readers mark
   * the body with it (screen readers pick a voice, browsers a font); changing it is no edit of the text.
   */
  language: languageSchema.nullable(),
} as const;

export type AnnotationField = keyof typeof annotationFieldSchemas | "body";

/** An annotation as plain data: the Y.Map with `body` read as a string. */
export const annotationValueSchema = z.object({
  ...annotationFieldSchemas,
  editedAt: annotationFieldSchemas.editedAt.default(null),
  target: annotationFieldSchemas.target.default(null),
  tags: annotationFieldSchemas.tags.default([]),
  color: annotationFieldSchemas.color.default(null),
  factcheck: annotationFieldSchemas.factcheck.default(null),
  resolved: annotationFieldSchemas.resolved.default(false),
  parentId: annotationFieldSchemas.parentId.default(null),
  rejectionReason: annotationFieldSchemas.rejectionReason.default(null),
  anchor: annotationFieldSchemas.anchor.default(null),
  judged: annotationFieldSchemas.judged.default(null),
  assignees: annotationFieldSchemas.assignees.default([]),
  dueAt: annotationFieldSchemas.dueAt.default(null),
  hiddenFrom: annotationFieldSchemas.hiddenFrom.default(null),
  canonical: annotationFieldSchemas.canonical.default(null),
  via: annotationFieldSchemas.via.default(null),
  language: annotationFieldSchemas.language.default(null),
  body: z.string().max(MAX_BODY_LENGTH),
});
export type AnnotationValue = z.infer<typeof annotationValueSchema>;

export const VOTE_VALUES = ["agree", "disagree"] as const;
export type VoteValue = (typeof VOTE_VALUES)[number];
export const voteValueSchema = z.enum(VOTE_VALUES);

/** Votes live in one flat map keyed by annotation and voter, so each key has exactly one writer. */
export const voteKey = (annotationId: string, userId: string) => `${annotationId}:${userId}`;
export function parseVoteKey(key: string): { annotationId: string; userId: string } | null {
  const at = key.lastIndexOf(":");
  if (at <= 0) return null;
  return { annotationId: key.slice(0, at), userId: key.slice(at + 1) };
}
