import { createHash } from "node:crypto";
import type * as Y from "yjs";
import { type AnnotationValue, annotationsOf, readAnnotation, withTitle } from "@marginalia/schema";
import { ApiError, notFound } from "../errors.ts";
import { entityTags, opaqueTag } from "../http/entity-tags.ts";
import { projectAnnotation, storableRow } from "../sync/persist/projection.ts";
import type { AnnotationRow } from "./annotation-view.ts";

type ReviewedField = "kind" | "body" | "claim" | "verdict" | "confidence" | "sources" | "tags" | "target" | "parentId" | "language";
/** A projected row, as read or as written (whose optional columns may be missing). */
type Reviewed = { [K in ReviewedField]?: AnnotationRow[K] | undefined };

/**
 * A digest of what a moderator reviews in a submission: its text, its fact-check, its passage and its tags,
 * not its status, votes or dates. The queue gives it with each item (`version`), and an approval or a publish
 * sent with it as `If-Match` goes through only if the submission still reads the same: otherwise its author
 * could rewrite the text, or turn the verdict round, between the moderator's reading and the click.
 */
export function reviewedVersion(row: Reviewed): string {
  // Sources come back from jsonb with their keys reordered, and without a title in rows projected before titles
  // were filled in; confidence, in rows stored before drizzle/0030, from a 4-byte float column.
  const sources = (row.sources ?? []).map((source) => Object.entries(withTitle(source)).sort(([a], [b]) => (a < b ? -1 : 1)));
  const target = row.target ? [row.target.revision, row.target.start, row.target.end, row.target.exact] : null;
  const confidence = row.confidence === null || row.confidence === undefined ? null : Math.round(row.confidence * 1000);
  const content = [row.kind ?? null, row.body ?? "", row.claim ?? null, row.verdict ?? null, confidence, sources, row.tags ?? [], target, row.parentId ?? null, row.language ?? null];
  return createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
}

/** The version of a submission as its document holds it now. */
export function liveVersion(value: AnnotationValue): string {
  const context = { docName: "", articleId: "", groupId: "", visibility: "group" as const, revision: value.target?.revision ?? 0 };
  // As the projection stores it, which makes every string storable (a NUL in a body, say).
  return reviewedVersion(storableRow(projectAnnotation(value, { agree: 0, disagree: 0 }, context)));
}

/**
 * The versions an `If-Match` header names, a list of tags quoted or not, weak or not; undefined for no header
 * or `*`. A header naming nothing readable (`W/`) is a list of none, which no version matches.
 */
export function expectedVersion(ifMatch: string | undefined): string[] | undefined {
  if (ifMatch === undefined) return undefined;
  const tags = entityTags(ifMatch);
  return tags.includes("*") ? undefined : tags.map(opaqueTag).filter(Boolean);
}

/** Refuses (412) a decision on a submission that no longer reads as a version the moderator reviewed. */
export function checkReviewed(value: AnnotationValue | null | undefined, expected: readonly string[] | undefined) {
  if (expected === undefined || (value && expected.includes(liveVersion(value)))) return;
  throw new ApiError("precondition_failed", "The submission changed after you read it: read it again before you decide");
}

/**
 * The annotation a decision is about, as its document holds it while the decision is written: 404 once it is
 * gone (deleted or moved by a writer that does not take the decision turns, its author or a socket), then
 * `conflict`'s 409 when what was decided on no longer holds (another decision came first, which is what to
 * reload for), then 412 when it no longer reads as a version the moderator reviewed.
 */
export function reviewedValue(doc: Y.Doc, annotationId: string, expected: readonly string[] | undefined, conflict: (value: AnnotationValue) => ApiError | null): AnnotationValue {
  const map = annotationsOf(doc).get(annotationId);
  if (!map) throw notFound("Annotation");
  const value = readAnnotation(map);
  const refused = conflict(value);
  if (refused) throw refused;
  checkReviewed(value, expected);
  return value;
}
