import * as Y from "yjs";
import {
  type AnnotationField,
  MAX_BODY_LENGTH,
  ROOTS,
  type TextTarget,
  annotationFieldSchemas,
  annotationValueSchema,
  annotationsOf,
  parseVoteKey,
  readAnnotation,
  voteValueSchema,
  withheldOf,
} from "@marginalia/schema";
import type { Location } from "./locate.ts";
import { type Actor, type AnnotationStatus, refuseCreate, refuseDelete, refuseFieldEdit, refuseReply, refuseVote } from "@marginalia/schema";

/** What one update does to one annotation. */
export type AnnotationChange = {
  created: Y.Item | null;
  deleted: boolean;
  fields: Map<AnnotationField, unknown>;
  bodyInserted: number;
  bodyDeleted: number;
};

/**
 * What the rules need of the annotation a reply or a vote is for, or null when they are not asked.
 * A reply whose parent is elsewhere (a pre-moderated submission answering the group's thread) or was
 * deleted meanwhile is not refused: it is shown as a thread of its own, and notifications only ever
 * look within the same article. Nor is one for an annotation a moderator has just hidden, which is
 * still here only until the server moves it out (hiding.ts): the reply or vote was made while it was
 * visible, goes where it goes, and refusing it would cost its author their work for a race they
 * could not see. Clients are never offered either on hidden work, and REST refuses both.
 */
export function statusOf(doc: Y.Doc, id: string): { status: AnnotationStatus } | null {
  const status = annotationsOf(doc).get(id)?.get("status");
  return typeof status === "string" && status !== "hidden" ? { status: status as AnnotationStatus } : null;
}

/** Notes what an inserted item does to its annotation, vote or note; the reason when it may not. */
export function inserted(
  doc: Y.Doc,
  item: Y.Item,
  where: Location,
  actor: Actor,
  changeOf: (id: string) => AnnotationChange,
  addNotes: (n: number) => void,
): string | null {
  const content = item.content;
  // Content already deleted in the update carries nothing to check.
  if (content instanceof Y.ContentDeleted) return null;
  const [first, second, third, ...rest] = where.keys;
  switch (where.root) {
    case ROOTS.annotations: {
      if (typeof first !== "string") return "annotations are keyed by id";
      const change = changeOf(first);
      if (where.keys.length === 1) {
        if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return "an annotation must be a map";
        change.created = item;
        return null;
      }
      if (typeof second !== "string") return "annotation fields are keyed by name";
      if (second === "body") {
        if (where.keys.length === 2) {
          return content instanceof Y.ContentType && content.type instanceof Y.Text ? (change.fields.set("body", ""), null) : "body must be text";
        }
        if (where.keys.length !== 3 || third !== null || rest.length) return "body holds only text";
        if (!(content instanceof Y.ContentString)) return "body holds only plain text";
        change.bodyInserted += content.str.length;
        return null;
      }
      if (where.keys.length !== 2) return `${second} holds a plain value`;
      if (!(second in annotationFieldSchemas)) return `annotations have no field ${second}`;
      if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) return `${second} must be a plain value`;
      // The fields of an annotation made in this update are checked together, with the same schemas, by
      // checkAnnotation: parsing each here too cost a second pass on every new annotation's hot path.
      if (!change.created) {
        const parsed = annotationFieldSchemas[second as keyof typeof annotationFieldSchemas].safeParse(content.arr[0]);
        if (!parsed.success) return `invalid ${second}: ${parsed.error.issues[0]?.message}`;
      }
      change.fields.set(second as AnnotationField, content.arr[0]);
      return null;
    }
    case ROOTS.votes: {
      if (where.keys.length !== 1 || typeof first !== "string") return "votes are a flat map";
      const key = parseVoteKey(first);
      if (key?.userId !== actor.userId) return "you can only cast your own vote";
      if (!(content instanceof Y.ContentAny) || !voteValueSchema.safeParse(content.arr[0]).success) {
        return "a vote is agree or disagree";
      }
      return refuseVote(actor, statusOf(doc, key.annotationId));
    }
    case ROOTS.notes: {
      if (where.keys.length !== 1 || first !== null) return "notes hold only text";
      if (!(content instanceof Y.ContentString)) return "notes hold only plain text";
      addNotes(content.str.length);
      return null;
    }
    default:
      return `unknown root ${where.root}`;
  }
}

/** Notes what a deleted range does to its annotation, vote or note; the reason when it may not. */
export function removed(
  len: number,
  where: Location,
  actor: Actor,
  changeOf: (id: string) => AnnotationChange,
  removeNotes: (n: number) => void,
): string | null {
  const [first, second] = where.keys;
  if (where.root === ROOTS.annotations && typeof first === "string") {
    const change = changeOf(first);
    if (where.keys.length === 1) change.deleted = true;
    else if (second === "body" && where.keys.length === 3) change.bodyDeleted += len;
    // A field's old value is deleted when it is overwritten; the new value is checked as an edit.
    else if (typeof second === "string") change.fields.set(second as AnnotationField, change.fields.get(second as AnnotationField));
    return null;
  }
  if (where.root === ROOTS.votes) {
    return typeof first === "string" && parseVoteKey(first)?.userId === actor.userId ? null : "you can only withdraw your own vote";
  }
  if (where.root === ROOTS.notes) {
    removeNotes(len);
    return null;
  }
  return `unknown root ${where.root}`;
}

/** Whether `actor` may make `change` to annotation `id`: the reason when not. */
export function checkAnnotation(doc: Y.Doc, id: string, change: AnnotationChange, actor: Actor): string | null {
  const live = annotationsOf(doc).get(id);
  const existing = live ? readAnnotation(live) : null;
  if (change.created) {
    if (existing) return "an annotation with this id exists";
    if (withheldOf(doc).has(id)) return "an annotation with this id exists (a moderator hid it)";
    if (change.deleted) return null; // created and removed in one go: nothing remains
    const value = Object.fromEntries(change.fields);
    const parsed = annotationValueSchema.safeParse({ ...value, body: "" });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `invalid new annotation: ${issue?.path.join(".")} ${issue?.message}`;
    }
    if (parsed.data.id !== id) return "an annotation's id must match its key";
    if (change.bodyInserted > MAX_BODY_LENGTH) return `body is longer than ${MAX_BODY_LENGTH} characters`;
    if (parsed.data.anchor !== null) return "anchor is set by the server";
    if (parsed.data.judged !== null) return "judged is set by the server";
    if (parsed.data.rejectionReason !== null && actor.role !== "owner" && actor.role !== "moderator") {
      return "only moderators give rejection reasons";
    }
    const badTarget = parsed.data.target && actor.targetProblem?.(parsed.data.target);
    if (badTarget) return badTarget;
    const parentId = parsed.data.parentId;
    const parent = parentId ? (statusOf(doc, parentId) ?? actor.inGroup?.(parentId) ?? null) : null;
    return refuseCreate(actor, parsed.data) ?? (parent && refuseReply(actor, parent));
  }
  if (!existing) {
    // Edits to an annotation this document never had (or has already dropped) cannot land anywhere.
    return change.fields.size || change.bodyInserted ? "no such annotation" : null;
  }
  if (change.deleted) return refuseDelete(actor, existing);
  for (const [field, value] of change.fields) {
    const probe = field === "body" || value === undefined ? existing[field as keyof typeof existing] : value;
    const problem = refuseFieldEdit(actor, existing, field, probe) ?? (field === "target" && value ? actor.targetProblem?.(value as TextTarget) : null);
    if (problem) return problem;
  }
  if (change.bodyInserted || change.bodyDeleted) {
    const problem = refuseFieldEdit(actor, existing, "body", null);
    if (problem) return problem;
    if (existing.body.length - change.bodyDeleted + change.bodyInserted > MAX_BODY_LENGTH) {
      return `body is longer than ${MAX_BODY_LENGTH} characters`;
    }
  }
  return null;
}
