import type { AnnotationKind, AnnotationStatus, TextTarget } from "../vocabulary/annotations.ts";
import { type ModerationMode, type Role, roleAtLeast } from "../vocabulary/groups.ts";
import type { AnnotationField } from "../ydoc/layout.ts";
import type { Room } from "../ydoc/rooms.ts";

/**
 * The annotation rules, in one place for every path that writes: the REST
 * services, the socket's authorizer and the web app (which offers only what
 * these allow, since a refused socket update costs the user unsaved work).
 * Each `refuse*` returns why an action is refused, or null when it is allowed.
 *
 * Who is acting, and in which document. `mayAnswer`, where the caller knows
 * the group's members (a live document does), says who may be assigned; REST
 * checks assignees against the database instead.
 */
export type Actor = {
  userId: string;
  role: Role;
  moderation: ModerationMode;
  /** The document written to; the rules only ask which kind it is. */
  room: Room | { kind: Room["kind"] };
  mayAnswer?: (userId: string) => boolean;
  /** From a private document: an annotation of the article's group document, where the caller can see it (a reply's parent). */
  inGroup?: (annotationId: string) => Pick<Subject, "status"> | null;
  /** Where the caller knows the article's text (a live document does): why a target is not that text, or null. */
  targetProblem?: (target: TextTarget) => string | null;
  /** The group's review quorum (independent reviews a passage needs before a verdict on it is published); 1 when unset. */
  reviewQuorum?: number;
};

/**
 * What the rules need to know of an existing annotation; `parentId` where the rule is about threads,
 * `factcheck` (any non-null value) where it is about whether the annotation carries a verdict.
 */
export type Subject = {
  authorId: string;
  kind: AnnotationKind;
  status: AnnotationStatus;
  parentId?: string | null;
  factcheck?: unknown;
  /** Of a hidden annotation: the status it had before the hide, which the server records; null when unknown (hidden before it did). */
  hiddenFrom?: AnnotationStatus | null;
};

/** Fields fixed at creation. */
const IMMUTABLE: ReadonlySet<AnnotationField> = new Set(["id", "kind", "authorId", "createdAt", "parentId", "canonical", "via"]);
/** Fields only the server writes (re-anchoring, what a verdict was given on, and when its text was edited). */
const SERVER_ONLY: ReadonlySet<AnnotationField> = new Set(["anchor", "judged", "editedAt", "hiddenFrom"]);
/** What a moderator may change on anyone's annotation: its status, and who must answer it by when. */
const MODERATION_FIELDS: ReadonlySet<AnnotationField> = new Set(["status", "resolved", "rejectionReason", "assignees", "dueAt", "updatedAt"]);
/** What an author may still change on an annotation that moderation has fixed: its thread's state and who answers it. */
const AUTHOR_FIELDS_ALWAYS: ReadonlySet<AnnotationField> = new Set(["resolved", "assignees", "dueAt", "updatedAt"]);

export const canWrite = (role: Role) => roleAtLeast(role, "annotator");
export const canModerate = (role: Role) => roleAtLeast(role, "moderator");

/** A published fact-check is locked to all but moderators. */
export const isLocked = (subject: Subject, role: Role) => subject.kind === "factcheck" && subject.status === "published" && !canModerate(role);

/**
 * Why its author may neither edit nor delete a published fact-check, and what she can do instead: a flag
 * reaches the moderators with her reason (flagging is open to any member, the author too), and once a
 * moderator hides it nobody reads the old verdict beside the new one she submits.
 */
export const LOCKED_FACTCHECK =
  "a published fact-check is locked: only a moderator can change or hide it. Flag it to tell the moderators what should change; once one hides it, submit a new version";

/** Whether `userId` may confirm or revise `subject`'s verdict: a moderator, or its author while it is not locked to them. */
export const mayReviseVerdict = (subject: Subject, userId: string, role: Role) => canModerate(role) || (subject.authorId === userId && !isLocked(subject, role));

/**
 * Whether a stale verdict asks anyone to confirm it (docs/architecture.md, "Verdicts pinned to the text"): one
 * rejected or hidden is published nowhere, so its staleness is kept on the data but prompts and tells no one.
 */
export const promptsStaleness = (subject: Pick<Subject, "status">) => subject.status !== "rejected" && subject.status !== "hidden";

/**
 * The statuses an author may give their own annotation. Publishing a
 * fact-check, and anything in a pre-moderated group, is a moderator's call;
 * in a private document "published" is simply a private note.
 */
export function authorStatuses(actor: Actor, kind: AnnotationKind): readonly AnnotationStatus[] {
  if (canModerate(actor.role)) return ["draft", "pending", "published", "rejected", "hidden"];
  if (actor.room.kind === "private") return ["draft", "pending", "published"];
  if (kind === "factcheck" || actor.moderation === "pre") return ["draft", "pending"];
  return ["draft", "published"];
}

/**
 * A review board (README, "review board"): a pre-moderated group whose verdicts are published only once
 * `reviewQuorum` members have each submitted one on the passage. There a verdict reaches the group's
 * document only through the reveal, which the server writes; a moderator's own fact-check or verdict
 * reply is one more submission, or the quorum would bind annotators alone.
 */
export const isReviewBoard = (moderation: ModerationMode, reviewQuorum = 1) => moderation === "pre" && reviewQuorum > 1;

/**
 * Why a verdict may not enter a review board's group document by this actor's hand, in any status: one
 * made there pending or hidden would be published by a later status step (unhide among them), and
 * everyone would read it before the reveal meanwhile.
 */
function refuseVerdictInBoard(actor: Actor, carriesVerdict: boolean): string | null {
  // The hidden document is the board's too: what is made public there moves to the group's document.
  if ((actor.room.kind !== "group" && actor.room.kind !== "hidden") || !carriesVerdict || !isReviewBoard(actor.moderation, actor.reviewQuorum)) return null;
  return `this group publishes a verdict once ${actor.reviewQuorum} members have reviewed its passage: submit yours for review`;
}

/**
 * The status an unhide brings a hidden annotation back to: the one it had before the hide. One hidden
 * before the server recorded that comes back published, as unhiding did then (but see
 * `refuseUnreviewedStatus` for a review board's verdicts).
 */
export const unhiddenStatus = (subject: Pick<Subject, "hiddenFrom">): AnnotationStatus => subject.hiddenFrom ?? "published";

/**
 * Why a status step may not be taken on an unpublished verdict in a review board's group or hidden document
 * (one made while the quorum was 1): publishing it, or hiding it while it is unpublished. A hidden verdict
 * counts as published only when it was published before the hide: one whose earlier status is unknown (hidden
 * before the server recorded it) may have been a draft, and stays hidden rather than be published unreviewed.
 * The socket's status edits and the REST moderation actions both ask this.
 */
export function refuseUnreviewedStatus(actor: Actor, existing: Subject, to: unknown): string | null {
  const before = existing.status === "hidden" ? (existing.hiddenFrom ?? null) : existing.status;
  const steppingToPublic = (to === "published" || to === "hidden") && to !== existing.status && before !== "published";
  return steppingToPublic ? refuseVerdictInBoard(actor, existing.kind === "factcheck" || existing.factcheck != null) : null;
}

export type Placement = { room: "group" | "private"; status: AnnotationStatus; note: string | null };

/**
 * Where a new annotation goes, and with which status, when its author names
 * neither: the same answer for a REST client and the web app. An annotator's
 * fact-check in an open group is submitted for review (pending), not kept as
 * a draft nobody is asked to look at; in a pre-moderated group everything an
 * annotator writes waits in their private document until a moderator approves it.
 */
export function placementFor(
  kind: AnnotationKind,
  role: Role,
  moderation: ModerationMode,
  onlyMe = false,
  reviewQuorum = 1,
  carriesVerdict = kind === "factcheck",
): Placement {
  if (onlyMe) return { room: "private", status: "published", note: null };
  if (carriesVerdict && isReviewBoard(moderation, reviewQuorum)) {
    return { room: "private", status: "pending", note: `This group publishes a verdict once ${reviewQuorum} members have reviewed the passage: yours is one of them.` };
  }
  if (canModerate(role)) return { room: "group", status: "published", note: null };
  if (moderation === "pre") {
    return { room: "private", status: "pending", note: "This group is pre-moderated: a moderator reviews your work before others see it." };
  }
  if (kind === "factcheck") return { room: "group", status: "pending", note: "Fact-checks are published by a moderator after review." };
  return { room: "group", status: "published", note: null };
}

/**
 * Why new work cannot be stored as its REST or W3C request asks, where `placement` puts it: a `visibility`
 * the client named is where it goes, and work the group reviews first (placed in the private document
 * without being asked) is a submission, a draft of one or pending. Made as it came, such work was a private
 * note: published in the author's private document, read by nobody, and answered 201.
 */
export function refusePlacement(
  placement: Placement,
  asked: { visibility?: "group" | "private"; status?: AnnotationStatus },
): { field: "visibility" | "status"; reason: string } | null {
  if (placement.room !== "private" || asked.visibility === "private") return null;
  const how = "leave the visibility out to submit it for review, or ask for a private note (visibility private)";
  if (asked.visibility === "group") return { field: "visibility", reason: `${placement.note} It cannot go to the group's document now: ${how}` };
  if (asked.status === undefined || asked.status === "draft" || asked.status === "pending") return null;
  return { field: "status", reason: `${placement.note} A submission is pending (or a draft), not ${asked.status}: ${how}` };
}

/** A reply lives next to its parent: private with private notes, else placed as any new comment (a verdict reply as a verdict). */
export function replyPlacement(parentRoom: Room["kind"], role: Role, moderation: ModerationMode, reviewQuorum = 1, carriesVerdict = false): Placement {
  if (parentRoom === "private") return { room: "private", status: "published", note: null };
  return placementFor("comment", role, moderation, false, reviewQuorum, carriesVerdict);
}

/** A private document is seen by its owner alone: nobody else could answer there. */
function refuseAssignees(actor: Actor, assignees: readonly string[] | undefined): string | null {
  if (!assignees?.length) return null;
  if (actor.room.kind === "private") return "annotations in a private document cannot be assigned";
  const outsider = actor.mayAnswer && assignees.find((id) => !actor.mayAnswer!(id));
  return outsider ? `assignee ${outsider} is not a member who can answer` : null;
}

/**
 * A verdict is a fact-check's, which moderators publish. A comment carries one only as a reply (a verdict
 * reply, an assignee's answer: docs/sync.md, "Assignments"); at the top of a thread, or on a highlight, it
 * would be a verdict published without review, which readers are shown as any other.
 */
export function refuseVerdictOn(kind: AnnotationKind, parentId: string | null | undefined, factcheck: unknown): string | null {
  if (factcheck == null || kind === "factcheck") return null;
  if (kind !== "comment") return `a ${kind} carries no verdict; give a verdict as a fact-check`;
  return parentId ? null : "a comment carries a verdict only as a reply; give a verdict of your own as a fact-check";
}

export function refuseCreate(
  actor: Actor,
  value: { authorId: string; kind: AnnotationKind; status: AnnotationStatus; assignees?: readonly string[]; parentId?: string | null; factcheck?: unknown },
): string | null {
  if (!canWrite(actor.role)) return `a ${actor.role} cannot annotate`;
  const verdict = refuseVerdictOn(value.kind, value.parentId, value.factcheck);
  if (verdict) return verdict;
  if (actor.room.kind === "hidden") return "nothing is created in the hidden document: the server moves hidden work there";
  if (value.authorId !== actor.userId) return "annotations must be created with yourself as author";
  const assigning = refuseAssignees(actor, value.assignees);
  if (assigning) return assigning;
  if (actor.room.kind === "group" && actor.moderation === "pre" && !canModerate(actor.role)) {
    return "this group is pre-moderated: submit new annotations through your private document";
  }
  if (!authorStatuses(actor, value.kind).includes(value.status)) return `you cannot create a ${value.status} ${value.kind}`;
  return refuseVerdictInBoard(actor, value.kind === "factcheck" || value.factcheck != null);
}

/** Why changing `field` of an existing annotation to `value` is refused. */
export function refuseFieldEdit(actor: Actor, existing: Subject, field: AnnotationField, value: unknown): string | null {
  if (IMMUTABLE.has(field)) return `${field} cannot change`;
  if (SERVER_ONLY.has(field)) return `${field} is set by the server`;
  if (!canWrite(actor.role)) return `a ${actor.role} cannot edit`;
  if (field === "factcheck") {
    // Adding a verdict to a comment that had none; a verdict the reveal published stays its author's to edit.
    const verdict = refuseVerdictOn(existing.kind, existing.parentId, value) ?? refuseVerdictInBoard(actor, value != null && existing.factcheck == null);
    if (verdict) return verdict;
  }
  if (field === "status") {
    const unreviewed = refuseUnreviewedStatus(actor, existing, value);
    if (unreviewed) return unreviewed;
  }
  if (field === "assignees") {
    const assigning = refuseAssignees(actor, value as readonly string[] | undefined);
    if (assigning) return assigning;
  }
  const isAuthor = existing.authorId === actor.userId;
  if (!isAuthor) {
    if (!canModerate(actor.role)) return "you can only edit your own annotations";
    if (!MODERATION_FIELDS.has(field)) return `moderators may change only ${[...MODERATION_FIELDS].join(", ")} of others' annotations`;
    return field === "status" ? refuseModeratorStep(existing, value) : null;
  }
  if (isLocked(existing, actor.role)) return LOCKED_FACTCHECK;
  if (canModerate(actor.role)) {
    // Their own work: as any author (draft, pending, published), or through a moderation step.
    if (field !== "status" || value === existing.status) return null;
    const authoring = (s: unknown) => s === "draft" || s === "pending" || s === "published";
    return authoring(existing.status) && authoring(value) ? null : refuseModeratorStep(existing, value);
  }
  // Hiding is moderation: an author can neither bring back what a moderator hid nor hide it themselves.
  // Their other edits stay allowed (the annotation stays hidden whatever they write), so that an edit
  // made while a moderator was hiding it is not a refusal that costs the author their unsaved work.
  if (field === "status" && (existing.status === "hidden" || value === "hidden")) return "only moderators hide and unhide";
  // What a moderator approved into a pre-moderated group's document is what its readers see. An author's
  // edit cannot send it back to review there (submissions wait in private documents), so it is refused;
  // the author may withdraw it (delete) and submit a new version.
  if (actor.room.kind === "group" && actor.moderation === "pre" && existing.status === "published" && !AUTHOR_FIELDS_ALWAYS.has(field)) {
    return "this group is pre-moderated: an approved annotation cannot be edited; withdraw it and submit a new version";
  }
  if (field === "rejectionReason") return "only moderators give rejection reasons";
  if (field === "status" && !authorStatuses(actor, existing.kind).includes(value as AnnotationStatus)) {
    return `you cannot set this ${existing.kind} to ${String(value)}`;
  }
  return null;
}

/**
 * The status the server gives an annotation whose content (its body or fact-check) `writerId` just edited, or
 * null to leave it (docs/sync.md, "Rejected work, rewritten"). A rejected submission its author rewrites is
 * submitted again: a rejection asks for a better version, and one left rejected reached no moderator's queue.
 * Only a private document holds rejected work, and only its author edits its content there.
 */
export function statusAfterEdit(room: Room["kind"], existing: Subject, writerId: string): AnnotationStatus | null {
  return room === "private" && existing.status === "rejected" && existing.authorId === writerId ? "pending" : null;
}

export function refuseDelete(actor: Actor, existing: Subject): string | null {
  if (!canWrite(actor.role)) return `a ${actor.role} cannot delete`;
  if (existing.authorId !== actor.userId) return "you can only delete your own annotations";
  if (isLocked(existing, actor.role)) return LOCKED_FACTCHECK;
  return null;
}

/** Votes are the group's judgement of what it can see: not in private documents, not on hidden or rejected work. */
export function refuseVote(actor: Actor, target: Pick<Subject, "status"> | null): string | null {
  if (!canWrite(actor.role)) return `a ${actor.role} cannot vote`;
  if (actor.room.kind !== "group") return "only group annotations take votes";
  if (target && (target.status === "hidden" || target.status === "rejected")) return `a ${target.status} annotation takes no votes`;
  return null;
}

/**
 * A reply to what moderation removed would be a thread nobody else can read. Threads are one level deep:
 * a reply answers the thread's first annotation, so that hiding that annotation withholds the whole thread
 * (REST and W3C clients replying to a reply are given its thread's first annotation instead).
 */
export function refuseReply(actor: Actor, parent: Pick<Subject, "status" | "parentId">): string | null {
  if (!canWrite(actor.role)) return `a ${actor.role} cannot reply`;
  if (parent.status === "hidden" || parent.status === "rejected") return `a ${parent.status} annotation takes no replies`;
  if (parent.parentId) return `a reply answers its thread's first annotation (${parent.parentId}), not another reply`;
  return null;
}

/** The moderation actions of the REST API (which also log them and tell the author): from which statuses, to which. */
export const STATUS_ACTIONS = {
  publish: { from: ["draft", "pending"], to: "published" },
  hide: { from: ["draft", "pending", "published"], to: "hidden" },
  unhide: { from: ["hidden"], to: "published" },
} as const satisfies Record<string, { from: readonly AnnotationStatus[]; to: AnnotationStatus }>;
export type StatusAction = keyof typeof STATUS_ACTIONS;

/**
 * A moderator's change of status on the socket follows the same steps as the REST actions; rejection
 * belongs to the review of submissions, which the server writes itself.
 */
function refuseModeratorStep(existing: Subject, to: unknown): string | null {
  const from = existing.status;
  if (to === from) return null;
  // An unhide brings back what was hidden as it was: a pending fact-check is not published by hiding it first.
  if (from === "hidden" && to !== unhiddenStatus(existing)) return `this annotation was ${unhiddenStatus(existing)} before it was hidden: unhide it as that`;
  return stepBetween(from, to) ? null : `an annotation cannot go from ${from} to ${String(to)}`;
}

/** The action a step is; leaving hidden is an unhide whatever it leaves for (`unhiddenStatus`). */
const stepBetween = (from: AnnotationStatus, to: unknown): StatusAction | null =>
  from === "hidden" && typeof to === "string" && to !== "hidden"
    ? "unhide"
    : ((Object.keys(STATUS_ACTIONS) as StatusAction[]).find((a) => STATUS_ACTIONS[a].to === to && (STATUS_ACTIONS[a].from as readonly string[]).includes(from)) ?? null);

/**
 * The moderation step a change of status from `from` to `to` is, when this actor makes it, whatever path it
 * comes by (a socket's update, a REST PATCH, a W3C PUT): a moderator's, in a document the group reads
 * (private notes are not moderated). Each such step is logged and its author told, as the REST actions are.
 */
export function moderationStepOf(actor: Actor, from: AnnotationStatus, to: unknown): StatusAction | null {
  if (!canModerate(actor.role) || actor.room.kind === "private" || to === from) return null;
  return stepBetween(from, to);
}

/** Why a moderation action is refused on an annotation of `room`'s kind in `status`. */
export function refuseModeration(role: Role, room: Room["kind"], action: StatusAction, status: AnnotationStatus): string | null {
  if (!canModerate(role)) return "only moderators and owners moderate";
  if (room === "private") return "only group annotations are moderated";
  if (!(STATUS_ACTIONS[action].from as readonly string[]).includes(status)) return `cannot ${action} an annotation that is ${status}`;
  return null;
}

/**
 * Who sees an annotation: a hidden one only moderators, its author included (what a moderator hid is
 * out of the conversation until a moderator brings it back), as the REST queries do.
 */
export const canSee = (subject: Pick<Subject, "status">, role: Role) => subject.status !== "hidden" || canModerate(role);

/**
 * Who confirms a stale verdict against the text now under it (docs/architecture.md, "Verdicts pinned to
 * the text"): the fact-check's author, or a moderator.
 */
export function refuseConfirm(actor: Actor, existing: Subject): string | null {
  if (existing.authorId === actor.userId ? canWrite(actor.role) : canModerate(actor.role)) return null;
  return "only the fact-check's author or a moderator confirms its verdict";
}

/**
 * Who re-attaches an orphan (or a loosely placed, fuzzy annotation) to the current text: its author or a
 * moderator. One placed exactly is moved by changing its target, under the live edit's rules. A published fact-check stays
 * locked to all but moderators here too: re-attaching it would put its verdict on other words.
 */
export function refuseReattach(actor: Actor, existing: Subject & { anchorState: string | null }): { status: 403 | 409; reason: string } | null {
  if (!(existing.authorId === actor.userId ? canWrite(actor.role) : canModerate(actor.role))) {
    return { status: 403, reason: "only the author or a moderator re-attaches an annotation" };
  }
  if (isLocked(existing, actor.role)) return { status: 403, reason: "a published fact-check is locked: a moderator re-attaches it" };
  if (existing.anchorState === "anchored") return { status: 409, reason: "only an orphan or a loosely placed annotation is re-attached; this one is placed exactly" };
  return null;
}
