import * as Y from "yjs";
import {
  type AnnotationField,
  MAX_BODY_LENGTH,
  ROOTS,
  type TextTarget,
  annotationFieldSchemas,
  annotationValueSchema,
  FIELD_FALLBACKS,
  annotationsOf,
  parseVoteKey,
  readAnnotation,
  voteValueSchema,
  withheldOf,
} from "@marginalia/schema";
import type { Location } from "./locate.ts";
import { type Actor, type AnnotationStatus, type Subject, refuseCreate, refuseDelete, refuseFieldEdit, refuseReply, refuseVote, itemAt } from "@marginalia/schema";

/** What one update does to one annotation. */
export type AnnotationChange = {
  created: Y.Item | null;
  /** The update's items at the annotation's own key: more than one is refused (see `checkAnnotation`). */
  entries: number;
  /** The delete set removes the annotation: certain, whatever else the update holds. */
  deleted: boolean;
  /**
   * Deleted content lands at the annotation's key: it removes the annotation if it lands last there, and
   * changes nothing if it lands before it, so the update is judged both ways.
   */
  mightDelete: boolean;
  /**
   * Every value the update writes to each field, in the update's order. Which
   * one Yjs keeps follows from the items' origins (map-entries.ts), so each
   * is checked, as if it were the one kept.
   */
  fields: Map<AnnotationField, unknown[]>;
  bodyInserted: number;
  bodyDeleted: number;
};

export const newChange = (): AnnotationChange => ({
  created: null,
  entries: 0,
  deleted: false,
  mightDelete: false,
  fields: new Map(),
  bodyInserted: 0,
  bodyDeleted: 0,
});

function setField(change: AnnotationChange, field: AnnotationField, value: unknown) {
  const values = change.fields.get(field);
  if (values) values.push(value);
  else change.fields.set(field, [value]);
}

/**
 * A field the update may leave with no value (map-entries.ts), judged as set to what it would then read
 * as: an author may not empty the status of a pending fact-check (which reads as published), nor anyone a
 * field of another's annotation. An honest client sends such an update only in a sync step 2 judged in
 * pieces, where the value that follows its own is another client's (step2.ts).
 */
export function leftEmpty(change: AnnotationChange, field: AnnotationField): string | null {
  // A body is emptied by deleting its text, never by deleting the text itself: every writer, REST's
  // edits too, writes into the annotation's one Y.Text.
  if (field === "body" && !change.deleted) return "an annotation keeps its body: delete the text in it instead";
  setField(change, field, FIELD_FALLBACKS[field]);
  return null;
}

/**
 * What the rules need of the annotation a reply or a vote is for, or null when they are not asked.
 * A reply whose parent is elsewhere (a pre-moderated submission answering the group's thread) or was
 * deleted meanwhile is not refused: it is shown as a thread of its own, and notifications only ever
 * look within the same article. Nor is one for an annotation a moderator has just hidden, which is
 * still here only until the server moves it out (hiding.ts): the reply or vote was made while it was
 * visible, goes where it goes, and refusing it would cost its author their work for a race they
 * could not see. Clients are never offered either on hidden work, and REST refuses both.
 */
export function statusOf(doc: Y.Doc, id: string): Pick<Subject, "status" | "parentId"> | null {
  const map = annotationsOf(doc).get(id);
  const status = map?.get("status");
  if (typeof status !== "string" || status === "hidden") return null;
  const parentId = map!.get("parentId");
  return { status: status as AnnotationStatus, parentId: typeof parentId === "string" ? parentId : null };
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
  // Content the update carries already deleted holds no value to check, but where it lands still matters:
  // at a map key it deletes the value there (map-entries.ts), so it is placed like any other item.
  const deleted = content instanceof Y.ContentDeleted;
  const [first, second, third, ...rest] = where.keys;
  switch (where.root) {
    case ROOTS.annotations: {
      if (typeof first !== "string") return "annotations are keyed by id";
      const change = changeOf(first);
      if (where.keys.length === 1) {
        change.entries++;
        if (deleted) {
          change.mightDelete = true;
          return null;
        }
        if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return "an annotation must be a map";
        change.created = item;
        return null;
      }
      if (typeof second !== "string") return "annotation fields are keyed by name";
      if (second === "body") {
        if (where.keys.length === 2) {
          if (deleted) return null;
          return content instanceof Y.ContentType && content.type instanceof Y.Text ? (setField(change, "body", ""), null) : "body must be text";
        }
        if (where.keys.length !== 3 || third !== null || rest.length) return "body holds only text";
        if (deleted) return null; // a deleted character in a text deletes nothing else
        if (!(content instanceof Y.ContentString)) return "body holds only plain text";
        change.bodyInserted += content.str.length;
        return null;
      }
      if (where.keys.length !== 2) return `${second} holds a plain value`;
      if (!Object.hasOwn(annotationFieldSchemas, second)) return `annotations have no field ${second}`;
      if (deleted) return null;
      if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) return `${second} must be a plain value`;
      // The fields of an annotation made in this update are checked together, with the same schemas, by
      // checkAnnotation: parsing each here too cost a second pass on every new annotation's hot path.
      if (!change.created) {
        const parsed = annotationFieldSchemas[second as keyof typeof annotationFieldSchemas].safeParse(content.arr[0]);
        if (!parsed.success) return `invalid ${second}: ${parsed.error.issues[0]?.message}`;
        const stray = strayKey(content.arr[0], parsed.data, second);
        if (stray) return `annotations have no field ${stray}`;
      }
      setField(change, second as AnnotationField, content.arr[0]);
      return null;
    }
    case ROOTS.votes: {
      if (where.keys.length !== 1 || typeof first !== "string") return "votes are a flat map";
      const key = parseVoteKey(first);
      if (key?.userId !== actor.userId) return "you can only cast your own vote";
      if (deleted) return null; // withdrawing one's own vote, as a deletion would
      // A map shows an item's last element, so a value of two elements would show its second.
      if (!(content instanceof Y.ContentAny) || content.arr.length !== 1 || !voteValueSchema.safeParse(content.arr[0]).success) {
        return "a vote is agree or disagree";
      }
      return refuseVote(actor, statusOf(doc, key.annotationId));
    }
    case ROOTS.notes: {
      if (where.keys.length !== 1 || first !== null) return "notes hold only text";
      if (deleted) return null;
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
    // A field's value deleted is judged with the update's other items at its key (map-entries.ts): an
    // overwrite's new value is checked as an edit, and a field left with no value is refused.
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

/**
 * Whether `actor` may make `change` to annotation `id`: the reason when not. `createdHere` holds the ids
 * of the annotations the same update creates, which a reply in it may answer.
 */
export function checkAnnotation(doc: Y.Doc, id: string, change: AnnotationChange, actor: Actor, createdHere: ReadonlySet<string> = new Set()): string | null {
  // One item per annotation key: a client creates an annotation once, under a new id. Two (made, removed
  // and made again under the same id) would let the first one's removal pass for the second one's.
  if (change.entries > 1) return "an update writes an annotation's key more than once";
  const live = annotationsOf(doc).get(id);
  const existing = live ? readAnnotation(live) : null;
  if (change.created) {
    if (existing) return "an annotation with this id exists";
    if (withheldOf(doc).has(id)) return "an annotation with this id exists (a moderator hid it)";
    if (change.deleted) return null; // created and removed in one go: nothing remains
    // Each value written is checked in the annotation as it would be if that one stayed.
    const last = new Map([...change.fields].map(([field, values]) => [field, values.at(-1)]));
    for (const [field, values] of change.fields) {
      for (const value of values.slice(0, -1)) {
        const problem = refuseNew(doc, id, new Map(last).set(field, value), change, actor, createdHere);
        if (problem) return problem;
      }
    }
    return refuseNew(doc, id, last, change, actor, createdHere);
  }
  if (!existing) {
    // An edit of one deleted meanwhile (an approval or a hide moved it out, or its author deleted it) lands in
    // the deleted copy and changes nothing, as docs/sync.md promises. One this document never had cannot land.
    if (itemAt(annotationsOf(doc), id)?.deleted) return null;
    return change.fields.size || change.bodyInserted ? "no such annotation" : null;
  }
  if (change.deleted || change.mightDelete) {
    const problem = refuseDelete(actor, existing);
    if (problem || change.deleted) return problem;
  }
  for (const [field, values] of change.fields) {
    for (const value of values) {
      const probe = field === "body" ? existing.body : value;
      const problem =
        refuseFieldEdit(actor, existing, field, probe) ??
        (field === "target" && value ? actor.targetProblem?.(value as TextTarget) : null) ??
        (field === "factcheck" && value ? refuseOrphanVerdict(doc, actor, existing, createdHere) : null);
      if (problem) return problem;
    }
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

/**
 * The first key of a written value that its schema does not know, as a path. The schemas drop such keys
 * from what they return, and REST stores only what they return; the live document keeps the value as
 * written, so a key of one's own inside a fact-check or a source (a 600,000-character "claimFull") would
 * reach every peer past the field's limits.
 */
function strayKey(raw: unknown, parsed: unknown, path: string): string | null {
  if (Array.isArray(raw)) {
    if (!Array.isArray(parsed)) return null;
    for (let i = 0; i < raw.length; i++) {
      const stray = strayKey(raw[i], parsed[i], `${path}[${i}]`);
      if (stray) return stray;
    }
    return null;
  }
  if (raw === null || typeof raw !== "object" || parsed === null || typeof parsed !== "object") return null;
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(parsed, key)) return `${path}.${key}`;
    const stray = strayKey(value, (parsed as Record<string, unknown>)[key], `${path}.${key}`);
    if (stray) return stray;
  }
  return null;
}

/**
 * A comment's verdict is an answer in a thread (the policy's `refuseVerdictOn`), published as its
 * author's reply without review. One naming a thread that is nowhere, neither here nor in the group's
 * document nor made by the same update, would stand alone as a thread of its own: an unreviewed verdict
 * painted on the passage. Replies without a verdict may still outlive their thread (see `statusOf`).
 * Judged in the group's document alone, where the thread's first annotation lives (or, hidden, is
 * named in `withheld`): a private document's reply answers a thread of the group's document, which
 * this process may not have loaded, and refusing it for that would cost its author the answer. A
 * private reply reaches the group only through a moderator's approval. A thread deleted meanwhile
 * still has its key in the map's history (Yjs keeps the deleted item): an answer written offline to
 * it is taken, as replies that outlive their thread are, since refusing it would discard everything
 * else its author wrote offline too.
 */
function refuseOrphanVerdict(doc: Y.Doc, actor: Actor, annotation: { kind: string; parentId: string | null }, createdHere: ReadonlySet<string>): string | null {
  const parentId = annotation.parentId;
  if (actor.room.kind !== "group" || annotation.kind !== "comment" || !parentId || createdHere.has(parentId)) return null;
  if (itemAt(annotationsOf(doc), parentId) || withheldOf(doc).has(parentId)) return null;
  return "a comment's verdict answers a thread, and this one's thread is not here";
}

/** Whether `actor` may create annotation `id` with the field values `fields`: the reason when not. */
function refuseNew(
  doc: Y.Doc,
  id: string,
  fields: Map<AnnotationField, unknown>,
  change: AnnotationChange,
  actor: Actor,
  createdHere: ReadonlySet<string>,
): string | null {
  if (!fields.has("body")) return "a new annotation has a body (a Y.Text, empty or not)";
  const parsed = annotationValueSchema.safeParse({ ...Object.fromEntries(fields), body: "" });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `invalid new annotation: ${issue?.path.join(".")} ${issue?.message}`;
  }
  if (parsed.data.id !== id) return "an annotation's id must match its key";
  for (const [field, value] of fields) {
    const stray = strayKey(value, parsed.data[field as keyof typeof parsed.data], field);
    if (stray) return `annotations have no field ${stray}`;
  }
  if (change.bodyInserted > MAX_BODY_LENGTH) return `body is longer than ${MAX_BODY_LENGTH} characters`;
  for (const field of ["anchor", "judged", "editedAt", "hiddenFrom"] as const) {
    if (parsed.data[field] !== null) return `${field} is set by the server`;
  }
  if (parsed.data.rejectionReason !== null && actor.role !== "owner" && actor.role !== "moderator") {
    return "only moderators give rejection reasons";
  }
  const badTarget = parsed.data.target && actor.targetProblem?.(parsed.data.target);
  if (badTarget) return badTarget;
  const parentId = parsed.data.parentId;
  const parent = parentId ? (statusOf(doc, parentId) ?? actor.inGroup?.(parentId) ?? null) : null;
  return (
    refuseCreate(actor, parsed.data) ??
    (parent && refuseReply(actor, parent)) ??
    (parsed.data.factcheck ? refuseOrphanVerdict(doc, actor, parsed.data, createdHere) : null)
  );
}
