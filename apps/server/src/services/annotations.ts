import { and, eq, ne } from "drizzle-orm";
import type * as Y from "yjs";
import {
  type AnnotationPatch,
  type AnnotationStatus,
  type AnnotationValue,
  type NewAnnotation,
  type Role,
  type VoteValue,
  annotationsOf,
  authorStatuses,
  canSee,
  createAnnotation,
  deleteAnnotation,
  moderationStepOf,
  type Actor,
  canWrite,
  placementFor,
  readAnnotation,
  refuseCreate,
  refuseDelete,
  refuseFieldEdit,
  refusePlacement,
  refuseReply,
  refuseVote,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import { annotationTombstones, annotations } from "@marginalia/schema/tables";
import { type AnnotationAccess, refreshRole } from "../access/annotation.ts";
import { type Db, underLock } from "../db.ts";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { type DocContext, contextFor } from "../documents/context.ts";
import type { SyncHub } from "../sync/hub.ts";
import { KeyedTurns } from "../keyed-turns.ts";
import { recordModeration } from "./moderation-log.ts";
import { liveVersion } from "./reviewed-version.ts";
import { type StoredState, changedMeanwhile, inDecisionTurn, storedState } from "./decision-turns.ts";

/** `visibility`: the document asked for; left out, the group's rules place the annotation (policy: placementFor). */
export type CreateRequest = Omit<NewAnnotation, "authorId"> & { visibility?: "group" | "private" };

/**
 * Ids are chosen by clients, so a reused one is refused rather than taking over another's row; so is one
 * deleted in another article, whose tombstone keeps answering 410 there (the commit refuses it too:
 * sync/persist/projection.ts). Its own article may use it again, to undo the deletion.
 */
async function idTaken(db: Db, id: string, articleId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: annotations.id })
    .from(annotations)
    .where(eq(annotations.id, id))
    .unionAll(
      db
        .select({ id: annotationTombstones.id })
        .from(annotationTombstones)
        .where(and(eq(annotationTombstones.id, id), ne(annotationTombstones.articleId, articleId))),
    )
    .limit(1);
  return !!row;
}

/**
 * A reply's parent as stored, when it is not in the reply's own document: only a group annotation of the
 * same article, so that no thread reaches into another group or into someone else's private notes.
 */
async function parentIn(db: Db, articleId: string, parentId: string) {
  const [row] = await db
    .select({ status: annotations.status, parentId: annotations.parentId })
    .from(annotations)
    .where(and(eq(annotations.id, parentId), eq(annotations.articleId, articleId), eq(annotations.visibility, "group")));
  return row ?? null;
}

/** Where an article-level write lands, from what `loadArticleAccess` found. */
export function articleWriteAccess(found: {
  article: { id: string; groupId: string; currentRevision: number };
  role: Role;
  memberId: string;
  moderation: "open" | "pre";
  reviewQuorum: number;
}): WriteAccess {
  const { article, role, memberId, moderation, reviewQuorum } = found;
  return { articleId: article.id, groupId: article.groupId, revision: article.currentRevision, role, memberId, moderation, reviewQuorum };
}

/** Where a reply to an annotation is written from: the parent's article, as the member who reached the parent. */
export function replyWriteAccess(parent: AnnotationAccess): WriteAccess {
  const { row, context, role, actor } = parent;
  return {
    articleId: row.articleId,
    groupId: row.groupId,
    revision: context.revision,
    role,
    memberId: actor.userId,
    moderation: actor.moderation,
    reviewQuorum: actor.reviewQuorum ?? 1,
  };
}

/** Where a new annotation goes and who writes it: `memberId` is the caller's in the article's group. */
export type WriteAccess = { articleId: string; groupId: string; revision: number; role: Role; memberId: string; moderation: "open" | "pre"; reviewQuorum: number };

/**
 * Creates an annotation through the live document, as a socket would: the
 * same rules, the same broadcast and the same group commit. Resolves once
 * it is durable.
 */
export async function createThroughDocument(
  db: Db,
  hub: SyncHub,
  access: WriteAccess,
  userId: string,
  input: CreateRequest,
) {
  // The same placement the web app uses: a pre-moderated annotator's work goes to their private document, pending review.
  const verdict = input.kind === "factcheck" || input.factcheck != null;
  const placement = placementFor(input.kind, access.role, access.moderation, input.visibility === "private", access.reviewQuorum, verdict);
  const misplaced = refusePlacement(placement, input);
  if (misplaced) throw new ApiError("forbidden", misplaced.reason, misplaced.field);
  const room =
    placement.room === "private"
      ? ({ kind: "private", articleId: access.articleId, userId } as const)
      : ({ kind: "group", articleId: access.articleId } as const);
  const { memberId } = access;
  // The document names its author by member id, as every socket writer is named.
  const actor: Actor = { userId: memberId, role: access.role, moderation: access.moderation, reviewQuorum: access.reviewQuorum, room };
  const status = input.status ?? placement.status;
  const refusal = refuseCreate(actor, { authorId: memberId, kind: input.kind, status, parentId: input.parentId, factcheck: input.factcheck });
  // A status the author may not give names its field, as the placement's refusals do (docs/w3c.md).
  if (refusal) throw new ApiError("forbidden", refusal, input.status && !authorStatuses(actor, input.kind).includes(input.status) ? "status" : undefined);
  const context = contextFor(room, access.groupId, access.revision);
  const write = () => writeCreated(db, hub, access, userId, { ...input, status }, context, actor);
  // A chosen id is checked against every document of the database, not only the one written: the same id sent
  // into the group's and the private document at once was taken by both, and the private copy was never listed.
  return input.id ? chosenIds.run(input.id, () => underLock(db, `annotation-id:${input.id}`, write)) : write();
}

/** Creations naming their own id take turns by that id, here and (under the database's lock) across processes. */
const chosenIds = new KeyedTurns();

async function writeCreated(db: Db, hub: SyncHub, access: WriteAccess, userId: string, input: CreateRequest, context: DocContext, actor: Actor) {
  const { memberId } = access;
  const { status } = input;
  if (input.id && (await idTaken(db, input.id, access.articleId))) throw new ApiError("conflict", "An annotation with this id exists", "id");
  // Threads are one level deep (policy: refuseReply): a reply to a reply joins that reply's thread,
  // answering its first annotation, so the stored thread's root is looked up too.
  const storedParent = input.parentId ? await parentIn(db, access.articleId, input.parentId) : null;
  const storedRoot = storedParent?.parentId ? await parentIn(db, access.articleId, storedParent.parentId) : null;
  let id = "";
  await hub.change(context, { userId, memberId }, (doc) => {
    if (input.id && annotationsOf(doc).has(input.id)) throw new ApiError("conflict", "An annotation with this id exists", "id");
    let parentId = input.parentId;
    if (parentId) {
      const liveOf = (annotationId: string) => {
        const live = annotationsOf(doc).get(annotationId);
        return live ? readAnnotation(live) : null;
      };
      let parent = liveOf(parentId) ?? storedParent;
      if (parent?.parentId) {
        parentId = parent.parentId;
        parent = liveOf(parentId) ?? (storedParent?.parentId === parentId ? storedRoot : null);
      }
      // What the caller cannot see is answered as what does not exist: a 409 would tell them it was hidden.
      if (!parent || !canSee(parent, access.role)) throw new ApiError("validation_failed", "parentId: no annotation of this article has this id", "parentId");
      const refusal = refuseReply(actor, parent);
      if (refusal) throw new ApiError("conflict", refusal, "parentId");
    }
    id = createAnnotation(doc, { ...input, parentId, authorId: memberId, status });
  });
  return { id, docName: context.docName, visibility: context.visibility };
}

/**
 * Refuses (412) a conditional write when the annotation, as its document holds it at the moment of writing,
 * no longer reads as `expected` (reviewedVersion of the row the caller's precondition was checked against).
 * Checked inside the document's transaction, so that no REST, socket or W3C write can land between.
 */
function checkUnchanged(existing: AnnotationValue, expected: string | undefined) {
  if (expected === undefined || liveVersion(existing) === expected) return;
  throw new ApiError("precondition_failed", "The annotation changed since you read it: GET it again and redo your edit");
}

/**
 * `expected`: see checkUnchanged; for a conditional write (W3C If-Match). An edit of what waits for a
 * moderator's decision (a submission, a fact-check in review) or was just refused by one (a rejected
 * submission, which its author's rewrite submits again), and an edit only a moderator's role allows
 * (moderates), take the article's decision turns (asDecided), so that the version decided on is the one
 * stored and the role it is decided under is the caller's when it is written; any other edit does not wait
 * for them, since with them edits of one article went one at a time (60 at once took 4–5 times as long).
 * A rewrite on a copy the rejection had not reached yet kept the submission "pending" there, and the
 * rejection, arriving after, left it rejected with the new text and in no queue.
 */
export function updateThroughDocument(db: Db, hub: SyncHub, access: AnnotationAccess, patch: AnnotationPatch, expected?: string) {
  const write = async (now: AnnotationAccess, stored: StoredState | null) => {
    const updated = await patchInDocument(hub, now, patch, stored, expected);
    // A change of status always has its turn (moderates), so `stored` is the status it changed.
    if (stored) await recordStatusStep(db, now, stored.status, updated.status);
    return updated;
  };
  return awaitsDecision(access.row.status) || moderates(access, patch) ? asDecided(db, hub, access, write) : write(access, null);
}

/**
 * A moderator's change of status by an edit is the moderation step it amounts to (publish, hide, unhide),
 * logged with the flags it settles and told to the author as the step's own route does, and as a socket's
 * step is (hooks/index.ts): hiding by PATCH or W3C PUT went unlogged, and its author was never told.
 */
async function recordStatusStep(db: Db, access: AnnotationAccess, from: AnnotationStatus, to: AnnotationStatus) {
  const action = moderationStepOf(access.actor, from, to);
  if (action) await recordModeration(db, access.row, access.account, action, { oldStatus: from, newStatus: to });
}

/**
 * Changes fields through the live document under the same rules a socket update meets, checked against the
 * live value (and, in a decision turn, against what the last decision left, `stored`); resolves once durable.
 */
export async function patchInDocument(hub: SyncHub, access: AnnotationAccess, patch: AnnotationPatch, stored: StoredState | null, expected?: string) {
  let updated: AnnotationValue | null = null;
  await hub.change(access.context, writerOf(access), (doc) => {
    const existing = decidedValue(doc, access, stored, expected);
    for (const [field, value] of Object.entries(patch)) {
      const refusal = refuseFieldEdit(access.actor, existing, field as keyof AnnotationValue, value);
      if (refusal) throw new ApiError("forbidden", refusal, field);
    }
    updateAnnotation(doc, access.row.id, patch);
    updated = readAnnotation(annotationsOf(doc).get(access.row.id)!);
  }, access.row.id);
  return updated! as AnnotationValue;
}

const awaitsDecision = (status: AnnotationStatus) => status === "pending" || status === "rejected";

/**
 * Moderation by way of an edit: a change of someone else's annotation, which only a moderator may make, or of a
 * status (hiding through an edit is hiding). Such a write can wait behind others' and is decided, like a
 * moderator's decision, under the role the caller has when it is made.
 */
const moderates = (access: AnnotationAccess, patch: AnnotationPatch) => access.subject.authorId !== access.actor.userId || "status" in patch;

/**
 * An author's edit or delete takes its article's decision turns, like a moderator's decision
 * (decision-turns.ts), and in its turn writes only over what the last decision left: the stored row still
 * names the document and status the request found, and the copy here reads that status too. A decision
 * just made through another process is in the row at once but reaches this copy a little later: deleting
 * from the copy then took a published fact-check from under its lock, or left an approved copy of what its
 * author had deleted; an edit of a submission being approved was answered 200 and lost. `write` is given
 * the caller's access with the role they have in their turn (refreshRole), to decide its rules under.
 */
export function asDecided<T>(db: Db, hub: SyncHub, access: AnnotationAccess, write: (now: AnnotationAccess, stored: StoredState) => Promise<T>): Promise<T> {
  return inDecisionTurn(db, hub, access.row.articleId, async () => {
    const now = await refreshRole(db, access);
    const stored = await storedState(db, access.row.id);
    if (!stored) throw notFound("Annotation");
    if (stored.docName !== access.row.docName || stored.status !== access.row.status) throw changedMeanwhile();
    return write(now, stored);
  });
}

/** The annotation as this document holds it, once it is known to read as `stored` (and as `expected`), if given. */
export function decidedValue(doc: Y.Doc, access: AnnotationAccess, stored: StoredState | null, expected?: string): AnnotationValue {
  const map = annotationsOf(doc).get(access.row.id);
  if (!map) throw notFound("Annotation");
  const existing = readAnnotation(map);
  checkUnchanged(existing, expected);
  if (stored && existing.status !== stored.status) throw changedMeanwhile();
  return existing;
}

export function deleteThroughDocument(db: Db, hub: SyncHub, access: AnnotationAccess, expected?: string) {
  return asDecided(db, hub, access, (now, stored) =>
    hub.change(now.context, writerOf(now), (doc) => {
      const refusal = refuseDelete(now.actor, decidedValue(doc, now, stored, expected));
      if (refusal) throw forbidden(refusal);
      deleteAnnotation(doc, now.row.id);
    }, now.row.id),
  );
}

/** Agree, disagree, or withdraw (null): one vote per member, written as the member. */
export async function castVote(hub: SyncHub, access: AnnotationAccess, value: VoteValue | null) {
  if (!canWrite(access.role)) throw forbidden(`A ${access.role} cannot vote`);
  const refusal = refuseVote(access.actor, access.subject);
  if (refusal) throw new ApiError("conflict", refusal);
  await hub.change(access.context, writerOf(access), (doc) => setVote(doc, access.row.id, access.actor.userId, value), access.row.id);
}

/** Who a server-side change is written as: the account in the log, the member id in the document. */
export const writerOf = (access: Pick<AnnotationAccess, "account" | "actor">) => ({ userId: access.account, memberId: access.actor.userId });


