import { type SQL, and, eq, isNull, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import {
  refuseUnreviewedStatus,
  type AnnotationStatus,
  type AnnotationValue,
  unhiddenStatus,
  annotationsOf,
  deleteAnnotation,
  readAnnotation,
  parseRoom,
  STATUS_ACTIONS,
  type StatusAction,
  refuseModeration,
  roleAtLeast,
  updateAnnotation,
  writeAnnotation,
} from "@marginalia/schema";
import { annotations, flags, moderationLog } from "@marginalia/schema/tables";
import { type AnnotationAccess, annotationAccess, refreshRole } from "../access/annotation.ts";
import { assertRole, lockMemberships, membershipOf, requireRoleLocked } from "../access/membership.ts";
import { recordModeration as record } from "./moderation-log.ts";
import { nameBook } from "./identities.ts";
import { moderatorsOf, notifyMembers } from "./notifications.ts";
import { type Db, transaction } from "../db.ts";
import { ApiError, forbidden } from "../errors.ts";
import { contextFor } from "../documents/context.ts";
import type { SyncHub } from "../sync/hub.ts";
import { type AnnotationRow, presentAnnotation, presentById } from "./annotation-view.ts";
import { byMember, groupBy, passagesOf, pendingReviews } from "./expert-review.ts";
import { getGroup } from "./groups.ts";
import { changedMeanwhile, inAnnotationTurn, inDecisionTurn, storedState } from "./decision-turns.ts";
import { checkReviewed, liveVersion, reviewedValue, reviewedVersion } from "./reviewed-version.ts";

async function moderatorAccess(db: Db, annotationId: string, moderatorId: string): Promise<AnnotationAccess> {
  const access = await annotationAccess(db, annotationId, moderatorId);
  if (!roleAtLeast(access.role, "moderator")) throw forbidden("Only moderators and owners moderate");
  return access;
}

/**
 * Publish (a fact-check in review), hide or unhide an annotation in the group document, as a moderator who
 * reached it; `expected`: the version the moderator reviewed (reviewed-version.ts), checked as it changes.
 */
export function changeStatus(db: Db, hub: SyncHub, access: AnnotationAccess, action: StatusAction, reason?: string, expected?: readonly string[]) {
  return inDecisionTurn(db, hub, access.row.articleId, async () => {
    const now = await refreshRole(db, access);
    assertRole(now.role, "moderator");
    return decideStatus(db, hub, now, action, reason, expected);
  });
}

async function decideStatus(db: Db, hub: SyncHub, access: AnnotationAccess, action: StatusAction, reason?: string, expected?: readonly string[]) {
  const { account: moderatorId, row: { id: annotationId } } = access;
  const rule = STATUS_ACTIONS[action];
  // Decided from the annotation as it is now, in its turn: the request's access was read before, and three
  // hides at once each read "published" there and logged a change that only one of them made.
  const current = await storedState(db, annotationId);
  if (!current) throw new ApiError("not_found", "Annotation not found");
  const oldStatus = current.status;
  const refusal = refuseModeration(access.role, access.actor.room.kind, action, oldStatus);
  if (refusal) throw new ApiError("conflict", refusal.charAt(0).toUpperCase() + refusal.slice(1));
  if (oldStatus !== access.row.status || current.docName !== access.row.docName) throw changedMeanwhile();
  let newStatus: AnnotationStatus = rule.to;
  await hub.change(access.context, { userId: moderatorId }, (doc) => {
    const value = reviewedValue(doc, annotationId, expected, (value) => (value.status === oldStatus ? null : changedMeanwhile()));
    // An unhide brings back the status from before the hide, which the document records (the policy's `unhiddenStatus`).
    if (action === "unhide") newStatus = unhiddenStatus(value);
    // A review board's verdicts are published by the reveal alone (approveSubmission), once the passage has its reviews.
    const unreviewed = refuseUnreviewedStatus(access.actor, { ...access.subject, hiddenFrom: value.hiddenFrom }, newStatus);
    if (unreviewed) throw new ApiError("quorum_not_reached", unreviewed.charAt(0).toUpperCase() + unreviewed.slice(1));
    updateAnnotation(doc, annotationId, { status: newStatus });
  });
  await record(db, access.row, moderatorId, action, { oldStatus, newStatus, reason: reason ?? null });
  return presentById(db, annotationId, { id: moderatorId, role: access.role });
}

const notPending = () => new ApiError("conflict", "Only pending submissions can be reviewed");

async function pendingSubmission(db: Db, annotationId: string, moderatorId: string) {
  const access = await moderatorAccess(db, annotationId, moderatorId).catch((err) => {
    // A submission sits in its author's private document, which a moderator's visibility rules do not cover.
    if (err instanceof ApiError && err.code === "not_found") return submissionAccess(db, annotationId, moderatorId);
    throw err;
  });
  if (access.row.visibility !== "private" || access.row.status !== "pending") {
    throw notPending();
  }
  return access;
}

/** A moderator's reach into a member's pending submission: only that, nothing else private. */
async function submissionAccess(db: Db, annotationId: string, moderatorId: string): Promise<AnnotationAccess> {
  const [row] = await db.select().from(annotations).where(eq(annotations.id, annotationId));
  if ((row?.status !== "pending" && row?.status !== "rejected") || !row.authorId) throw new ApiError("not_found", "Annotation not found");
  const moderator = await membershipOf(db, row.groupId, moderatorId);
  if (!moderator || !roleAtLeast(moderator.role, "moderator")) throw new ApiError("not_found", "Annotation not found");
  // Decided already, by a rejection its moderators can read in the log: a second decision is a conflict, as after an approval.
  if (row.status === "rejected") throw notPending();
  const authorAccess = await annotationAccess(db, annotationId, row.authorId);
  const { role, memberId } = moderator;
  return { ...authorAccess, role, account: moderatorId, actor: { ...authorAccess.actor, userId: memberId, role } };
}

/**
 * Moves a pending submission from its author's private document into the
 * group document as published. Under a review quorum a fact-check goes
 * together with every other review of its passage, once there are enough of
 * them: that is the reveal. The group copy is written first, in one
 * transaction: a crash before the private copies are deleted leaves
 * duplicates, never a loss.
 */
export function approveSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, expected?: readonly string[]) {
  return inAnnotationTurn(db, hub, annotationId, () => approve(db, hub, annotationId, moderatorId, expected));
}

async function approve(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, expected?: readonly string[]) {
  const access = await pendingSubmission(db, annotationId, moderatorId);
  const { row } = access;
  const revealed = await submissionsToReveal(db, row);
  const values = new Map<string, AnnotationValue>();
  for (const sub of revealed) {
    const context = sub.id === row.id ? access.context : privateContext(sub, access.context.revision);
    const value = await hub.read(context, (live) => live.annotation(sub.id));
    if (sub.id === row.id) checkReviewed(value, expected);
    if (value?.status !== "pending") continue;
    // The copy here may trail an edit its author made through another process, stored already: published
    // from the copy, the edit was lost with the private copy this deletes.
    if (liveVersion(value) !== reviewedVersion(sub)) throw changedMeanwhile();
    values.set(sub.id, { ...value, status: "published", updatedAt: Date.now() });
  }
  if (!values.has(row.id)) throw notPending();
  const group = contextFor({ kind: "group", articleId: row.articleId }, row.groupId, access.context.revision);
  await hub.change(group, { userId: moderatorId }, (doc) => {
    for (const value of values.values()) writeAnnotation(doc, value);
  });
  const documentOf = (docName: string, subs: AnnotationRow[]) => (docName === access.context.docName ? access.context : privateContext(subs[0]!, access.context.revision));
  // Its author may have changed or withdrawn it since it was read: then its published copy is taken back.
  const changed: string[] = [];
  const moved = revealed.filter((sub) => values.has(sub.id));
  for (const [docName, subs] of groupBy(moved, (sub) => sub.docName)) {
    const context = documentOf(docName, subs);
    await hub.change(context, { userId: moderatorId }, (doc) => {
      for (const sub of subs) {
        const map = annotationsOf(doc).get(sub.id);
        // The version reads neither status nor dates: the value published has the version it was read with.
        if (map && liveVersion(readAnnotation(map)) === liveVersion(values.get(sub.id)!)) deleteAnnotation(doc, sub.id);
        else changed.push(sub.id);
      }
    });
  }
  if (changed.length) {
    await hub.change(group, { userId: moderatorId }, (doc) => {
      for (const id of changed) deleteAnnotation(doc, id);
    });
    // The group copy had taken their rows, and took them along: what their private documents still hold is
    // written again, or it would be listed nowhere.
    for (const [docName, subs] of groupBy(moved.filter((sub) => changed.includes(sub.id)), (sub) => sub.docName)) {
      await hub.read(documentOf(docName, subs), (live) => hub.committer.reproject(live, new Set(subs.map((sub) => sub.id))));
    }
    if (changed.includes(row.id)) throw new ApiError("conflict", "The submission changed while it was being approved: nothing of it was published");
  }
  for (const sub of moved.filter((m) => !changed.includes(m.id))) await record(db, sub, moderatorId, "approve", { oldStatus: "pending", newStatus: "published" });
  // The annotation as every other route presents it, not the document's value (account-free, dates as ISO).
  return presentById(db, row.id, { id: moderatorId, role: access.role });
}

/**
 * The submission alone, or, under a quorum, every review of its passage;
 * refused while too few are in. Whatever carries a verdict is a review,
 * a comment with a verdict as much as a fact-check.
 */
async function submissionsToReveal(db: Db, row: AnnotationRow): Promise<AnnotationRow[]> {
  if (!row.verdict) return [row];
  const { reviewQuorum: quorum } = await getGroup(db, row.groupId);
  if (quorum <= 1) return [row];
  const passage = passagesOf(await pendingReviews(db, row.articleId)).get(row.id);
  const reviews = passage?.reviews ?? 0;
  if (!passage || reviews < quorum) {
    throw new ApiError(
      "quorum_not_reached",
      `This passage has ${reviews} of ${quorum} independent reviews; publish once all ${quorum} are in`,
    );
  }
  return passage.submissions;
}

/** The private document a submission waits in, named by its projected row. */
const privateContext = (sub: AnnotationRow, revision: number) => contextFor(parseRoom(sub.docName)!, sub.groupId, revision);

/**
 * Keeps a submission private to its author, marked rejected with the reason; `expected`: the version the
 * moderator reviewed (reviewed-version.ts), as for an approval: a rejection is as much a verdict on the text.
 */
export function rejectSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, reason: string, expected?: readonly string[]) {
  return inAnnotationTurn(db, hub, annotationId, async () => {
    const access = await pendingSubmission(db, annotationId, moderatorId);
    // What the document holds decides: a row can trail a change another process just made to it.
    const value = await hub.read(access.context, (live) => live.annotation(annotationId));
    if (value?.status !== "pending") throw notPending();
    await hub.change(access.context, { userId: moderatorId }, (doc) => {
      reviewedValue(doc, annotationId, expected, (live) => (live.status === "pending" ? null : notPending()));
      updateAnnotation(doc, annotationId, { status: "rejected", rejectionReason: reason });
    });
    await record(db, access.row, moderatorId, "reject", { oldStatus: "pending", newStatus: "rejected", reason });
  });
}

/**
 * Any member who can see an annotation may flag it once, with a reason, until a moderator acts. Decided
 * again as the flag is stored, under the group's lock (access/membership.ts, `requireRoleLocked`): a member
 * removed, or a moderator demoted who may no longer see a hidden annotation, just before it leaves no flag
 * for moderators to be told of, and is answered 404, as for what does not exist.
 */
export async function flagAnnotation(db: Db, access: AnnotationAccess, reason: string) {
  const { account: userId, row: { id: annotationId } } = access;
  if (access.row.visibility !== "group") throw new ApiError("conflict", "Only group annotations can be flagged");
  const groupId = access.row.groupId;
  return transaction(db, async (tx) => {
    await lockMemberships(tx, groupId);
    await refreshRole(tx, access);
    const inserted = await tx.insert(flags).values({ groupId, annotationId, userId, reason }).onConflictDoNothing().returning({ id: flags.id });
    if (inserted.length === 0) throw new ApiError("conflict", "You have already flagged this annotation");
    const flagId = inserted[0]!.id;
    await tx.insert(moderationLog).values({ groupId, annotationId, actorId: userId, action: "flag", reason });
    // The queue shows flags, but no moderator's page sees one arrive: they are told, as of a submission.
    const moderators = await moderatorsOf(tx, groupId, userId);
    const event = `flag:${flagId}`;
    const told = moderators.map((id) => ({ userId: id, kind: "review" as const, annotationId, articleId: access.row.articleId, actorId: userId, event, data: { action: "flagged", reason } }));
    await notifyMembers(tx, groupId, told);
    return { id: flagId };
  });
}

/**
 * A moderator's answer that an annotation's open flags need nothing done: they are resolved and the
 * annotation stays as it is. Its flaggers may flag it again, since the one-open-flag-per-member rule
 * counts open flags only. The author is not told, as they were not told of the flags.
 */
export async function dismissFlags(db: Db, access: AnnotationAccess, reason?: string) {
  const { account: moderatorId, row } = access;
  if (!roleAtLeast(access.role, "moderator")) throw forbidden("Only moderators and owners dismiss flags");
  return db.transaction(async (tx) => {
    // Still a moderator as the flags are resolved (access/membership.ts, requireRoleLocked).
    await requireRoleLocked(tx, row.groupId, moderatorId, "moderator");
    // Two moderators dismissing at once: the second finds the rows resolved once the first commits, and gets 409.
    const resolved = await tx
      .update(flags)
      .set({ resolvedAt: new Date() })
      .where(and(eq(flags.groupId, row.groupId), eq(flags.annotationId, row.id), isNull(flags.resolvedAt)))
      .returning({ id: flags.id });
    if (resolved.length === 0) throw new ApiError("conflict", "This annotation has no open flag");
    await tx.insert(moderationLog).values({ groupId: row.groupId, annotationId: row.id, actorId: moderatorId, action: "dismiss", reason: reason ?? null });
    return { dismissed: resolved.length };
  });
}

const ANNOTATION_ID = sql.raw(`"annotations"."id"`);
/** An open flag `f` of the annotation `id` in the group's queue. */
const openFlagOf = (id: SQL | AnyPgColumn, groupId: string) => sql`f.annotation_id = ${id} and f.group_id = ${groupId} and f.resolved_at is null`;

/**
 * The group's queue: pending submissions and reviews, and annotations with
 * open flags. Under a review quorum over 1, fact-check submissions carry
 * their passage and how many independent reviews it has, and come together,
 * passage by passage; otherwise their passage is null.
 */
export async function moderationQueue(db: Db, groupId: string) {
  const [rows, group, book] = await Promise.all([
    db
      .select({
        row: annotations,
        // Qualified by hand: in a one-table select the builder leaves column names bare, and inside these
        // subqueries a bare "id" would be the flag's. A flag is matched in its group too: an id another group
        // deleted may be taken again, and its flags are not this group's to read.
        flagCount: sql<number>`(select count(*)::int from ${flags} f where ${openFlagOf(ANNOTATION_ID, groupId)})`,
        flagReasons: sql<string[]>`(select coalesce(array_agg(f.reason order by f.created_at), '{}') from ${flags} f where ${openFlagOf(ANNOTATION_ID, groupId)})`,
      })
      .from(annotations)
      .where(
        and(
          eq(annotations.groupId, groupId),
          sql`((${annotations.status} = 'pending' and (${annotations.visibility} <> 'private' or ${byMember})) or exists (select 1 from ${flags} f where ${openFlagOf(annotations.id, groupId)}))`,
        ),
      )
      .orderBy(annotations.createdAt, annotations.id),
    getGroup(db, groupId),
    // The queue is a moderator's, who sees names.
    nameBook(db, groupId, { role: "moderator" }),
  ]);
  // Passages are a review board's alone (quorum over 1), where a passage's reviews are published together: with a
  // quorum of 1 each fact-check is approved on its own, and boxing overlapping ones together said otherwise.
  const passages = group.reviewQuorum > 1 ? passagesOf(rows.map((r) => r.row)) : new Map<string, never>();
  const items = rows.map((r) => {
    const passage = passages.get(r.row.id);
    return {
      annotation: presentAnnotation(r.row, book),
      // What the moderator reviews, for an approval or a publish to name as If-Match (reviewed-version.ts).
      version: reviewedVersion(r.row),
      reason: r.row.status === "pending" ? (r.row.visibility === "private" ? "submission" : "review") : "flagged",
      flags: { count: r.flagCount, reasons: r.flagReasons },
      passage: passage
        ? { id: passage.id, reviews: passage.reviews, quorum: group.reviewQuorum, ready: passage.reviews >= group.reviewQuorum }
        : null,
    };
  });
  // Each passage's reviews follow its first one, which keeps its place in time.
  return [...groupBy(items, (item) => item.passage?.id ?? item.annotation.id).values()].flat();
}
