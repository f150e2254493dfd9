import type { AnnotationField, AnnotationKind, AnnotationStatus, ModerationMode, Role, Room } from "@marginalia/schema";
import { roleAtLeast } from "@marginalia/schema";

/**
 * Who is writing, and into which document. `mayAnswer`, where the writer's
 * path knows the group's members (a live document does), says who may be
 * assigned; REST checks assignees against the database instead.
 */
export type Actor = { userId: string; role: Role; moderation: ModerationMode; room: Room; mayAnswer?: (userId: string) => boolean };

/** Fields fixed at creation. */
const IMMUTABLE: ReadonlySet<AnnotationField> = new Set(["id", "kind", "authorId", "createdAt", "parentId"]);
/** Fields only the server writes (re-anchoring). */
const SERVER_ONLY: ReadonlySet<AnnotationField> = new Set(["anchor"]);
/** What a moderator may change on anyone's annotation: its status, and who must answer it by when. */
const MODERATION_FIELDS: ReadonlySet<AnnotationField> = new Set(["status", "resolved", "rejectionReason", "assignees", "dueAt", "updatedAt"]);

/** What an author may still change on an annotation that moderation has fixed: its thread's state and who answers it. */
const AUTHOR_FIELDS_ALWAYS: ReadonlySet<AnnotationField> = new Set(["resolved", "assignees", "dueAt", "updatedAt"]);

export const canWrite = (actor: Actor) => roleAtLeast(actor.role, "annotator");
export const isModerator = (actor: Actor) => roleAtLeast(actor.role, "moderator");

/**
 * The statuses an author may give their own annotation. Publishing a
 * fact-check, and anything in a pre-moderated group, is a moderator's call;
 * in a private document "published" is simply a private note.
 */
export function authorStatuses(actor: Actor, kind: AnnotationKind): readonly AnnotationStatus[] {
  if (isModerator(actor)) return ["draft", "pending", "published", "rejected", "hidden"];
  if (actor.room.kind === "private") return ["draft", "pending", "published"];
  if (kind === "factcheck" || actor.moderation === "pre") return ["draft", "pending"];
  return ["draft", "published"];
}

/** A private document is seen by its owner alone: nobody else could answer there. */
function refuseAssignees(actor: Actor, assignees: readonly string[] | undefined): string | null {
  if (!assignees?.length) return null;
  if (actor.room.kind === "private") return "annotations in a private document cannot be assigned";
  const outsider = actor.mayAnswer && assignees.find((id) => !actor.mayAnswer!(id));
  return outsider ? `assignee ${outsider} is not a member who can answer` : null;
}

/** Why a create is refused, or null when it is allowed. */
export function refuseCreate(
  actor: Actor,
  value: { authorId: string; kind: AnnotationKind; status: AnnotationStatus; assignees?: readonly string[] },
): string | null {
  if (!canWrite(actor)) return `a ${actor.role} cannot annotate`;
  if (value.authorId !== actor.userId) return "annotations must be created with yourself as author";
  const assigning = refuseAssignees(actor, value.assignees);
  if (assigning) return assigning;
  if (actor.room.kind === "group" && actor.moderation === "pre" && !isModerator(actor)) {
    return "this group is pre-moderated: submit new annotations through your private document";
  }
  if (!authorStatuses(actor, value.kind).includes(value.status)) return `you cannot create a ${value.status} ${value.kind}`;
  return null;
}

/** Why changing `field` of an existing annotation is refused, or null. */
export function refuseFieldEdit(
  actor: Actor,
  existing: { authorId: string; kind: AnnotationKind; status: AnnotationStatus },
  field: AnnotationField,
  value: unknown,
): string | null {
  if (IMMUTABLE.has(field)) return `${field} cannot change`;
  if (SERVER_ONLY.has(field)) return `${field} is set by the server`;
  if (!canWrite(actor)) return `a ${actor.role} cannot edit`;
  if (field === "assignees") {
    const assigning = refuseAssignees(actor, value as readonly string[] | undefined);
    if (assigning) return assigning;
  }
  const isAuthor = existing.authorId === actor.userId;
  if (!isAuthor) {
    if (!isModerator(actor)) return "you can only edit your own annotations";
    if (!MODERATION_FIELDS.has(field)) return `moderators may change only ${[...MODERATION_FIELDS].join(", ")} of others' annotations`;
    return null;
  }
  if (existing.kind === "factcheck" && existing.status === "published" && !isModerator(actor)) {
    return "a published fact-check is locked";
  }
  if (isModerator(actor)) return null;
  // Hiding is moderation: an author can neither bring back what a moderator hid nor hide it themselves.
  // Their other edits stay allowed (the annotation stays hidden whatever they write), so that an edit
  // made while a moderator was hiding it is not a refusal that costs the author their unsaved work.
  if (field === "status" && (existing.status === "hidden" || value === "hidden")) return "only moderators hide and unhide";
  // What a moderator approved into a pre-moderated group's document is what its readers see: an author's
  // edit cannot go back to review there (submissions wait in private documents), so it is refused; the
  // author may withdraw it (delete) and submit a new version.
  if (actor.room.kind === "group" && actor.moderation === "pre" && existing.status === "published" && !AUTHOR_FIELDS_ALWAYS.has(field)) {
    return "this group is pre-moderated: an approved annotation cannot be edited; withdraw it and submit a new version";
  }
  if (field === "rejectionReason") return "only moderators give rejection reasons";
  if (field === "status" && !authorStatuses(actor, existing.kind).includes(value as AnnotationStatus)) {
    return `you cannot set this ${existing.kind} to ${String(value)}`;
  }
  return null;
}

export function refuseDelete(actor: Actor, existing: { authorId: string; kind: AnnotationKind; status: AnnotationStatus }): string | null {
  if (!canWrite(actor)) return `a ${actor.role} cannot delete`;
  if (existing.authorId !== actor.userId) return "you can only delete your own annotations";
  if (existing.kind === "factcheck" && existing.status === "published" && !isModerator(actor)) {
    return "a published fact-check is locked";
  }
  return null;
}
