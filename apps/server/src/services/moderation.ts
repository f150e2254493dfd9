import { and, desc, eq, isNull, sql } from "drizzle-orm";
import {
  type AnnotationStatus,
  type ModerationAction,
  type Role,
  deleteAnnotation,
  roleAtLeast,
  updateAnnotation,
  writeAnnotation,
} from "@marginalia/schema";
import { annotations, flags, memberships, moderationLog, notifications, users } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { ApiError, forbidden } from "../errors.ts";
import { contextFor } from "../sync/admit.ts";
import type { SyncHub } from "../sync/hub.ts";
import { type AnnotationAccess, annotationAccess } from "./annotations.ts";
import { presentAnnotation, presentById } from "./annotation-view.ts";

const STATUS_ACTIONS = {
  publish: { from: ["draft", "pending"], to: "published" },
  hide: { from: ["draft", "pending", "published"], to: "hidden" },
  unhide: { from: ["hidden"], to: "published" },
} as const satisfies Record<string, { from: readonly AnnotationStatus[]; to: AnnotationStatus }>;
export type StatusAction = keyof typeof STATUS_ACTIONS;

async function moderatorAccess(db: Db, annotationId: string, moderatorId: string): Promise<AnnotationAccess> {
  const access = await annotationAccess(db, annotationId, moderatorId);
  if (!roleAtLeast(access.role, "moderator")) throw forbidden("Only moderators and owners moderate");
  return access;
}

/** One moderation step, logged with the status it changed, and the author told. */
async function record(
  db: Db,
  access: AnnotationAccess,
  action: ModerationAction,
  change: { oldStatus: AnnotationStatus; newStatus: AnnotationStatus; reason?: string | null },
) {
  const { row, actor } = access;
  await db.transaction(async (tx) => {
    const [entry] = await tx
      .insert(moderationLog)
      .values({ groupId: row.groupId, annotationId: row.id, actorId: actor.userId, action, ...change })
      .returning({ id: moderationLog.id });
    // Open flags are settled by whatever a moderator decided.
    await tx.update(flags).set({ resolvedAt: new Date() }).where(and(eq(flags.annotationId, row.id), isNull(flags.resolvedAt)));
    if (row.authorId && row.authorId !== actor.userId) {
      await tx
        .insert(notifications)
        .values({
          userId: row.authorId,
          kind: "moderation",
          annotationId: row.id,
          articleId: row.articleId,
          actorId: actor.userId,
          event: `${action}:${entry!.id}`,
          data: { action, ...change },
        })
        .onConflictDoNothing();
    }
  });
}

/** Publish (a fact-check in review), hide or unhide an annotation in the group document. */
export async function changeStatus(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, action: StatusAction, reason?: string) {
  const access = await moderatorAccess(db, annotationId, moderatorId);
  const rule = STATUS_ACTIONS[action];
  const oldStatus = access.row.status;
  if (!(rule.from as readonly string[]).includes(oldStatus)) {
    throw new ApiError("conflict", `Cannot ${action} an annotation that is ${oldStatus}`);
  }
  await hub.change(access.context, { userId: moderatorId }, (doc) => updateAnnotation(doc, annotationId, { status: rule.to }));
  await record(db, access, action, { oldStatus, newStatus: rule.to, reason: reason ?? null });
  return presentById(db, annotationId);
}

async function pendingSubmission(db: Db, annotationId: string, moderatorId: string) {
  const access = await moderatorAccess(db, annotationId, moderatorId).catch((err) => {
    // A submission sits in its author's private document, which a moderator's visibility rules do not cover.
    if (err instanceof ApiError && err.code === "not_found") return submissionAccess(db, annotationId, moderatorId);
    throw err;
  });
  if (access.row.visibility !== "private" || access.row.status !== "pending") {
    throw new ApiError("conflict", "Only pending submissions can be reviewed");
  }
  return access;
}

/** A moderator's reach into a member's pending submission: only that, nothing else private. */
async function submissionAccess(db: Db, annotationId: string, moderatorId: string): Promise<AnnotationAccess> {
  const [row] = await db.select().from(annotations).where(eq(annotations.id, annotationId));
  if (!row || row.status !== "pending" || !row.authorId) throw new ApiError("not_found", "Annotation not found");
  const authorAccess = await annotationAccess(db, annotationId, row.authorId);
  const moderator = await memberRole(db, row.groupId, moderatorId);
  if (!moderator || !roleAtLeast(moderator, "moderator")) throw new ApiError("not_found", "Annotation not found");
  return { ...authorAccess, role: moderator, actor: { ...authorAccess.actor, userId: moderatorId, role: moderator } };
}

async function memberRole(db: Db, groupId: string, userId: string): Promise<Role | null> {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  return m?.role ?? null;
}

/**
 * Moves a pending submission from its author's private document into the
 * group document as published. The group copy is written first: a crash in
 * between leaves a duplicate, never a loss.
 */
export async function approveSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string) {
  const access = await pendingSubmission(db, annotationId, moderatorId);
  const value = await hub.read(access.context, (live) => live.annotation(annotationId));
  if (!value || value.status !== "pending") throw new ApiError("conflict", "Only pending submissions can be reviewed");
  const published = { ...value, status: "published" as const, updatedAt: Date.now() };
  const room = { kind: "group", articleId: access.row.articleId } as const;
  await hub.change(contextFor(room, access.row.groupId, access.context.revision), { userId: moderatorId }, (doc) =>
    writeAnnotation(doc, published),
  );
  await hub.change(access.context, { userId: moderatorId }, (doc) => deleteAnnotation(doc, annotationId));
  await record(db, access, "approve", { oldStatus: "pending", newStatus: "published" });
  return published;
}

/** Keeps a submission private to its author, marked rejected with the reason. */
export async function rejectSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, reason: string) {
  const access = await pendingSubmission(db, annotationId, moderatorId);
  await hub.change(access.context, { userId: moderatorId }, (doc) =>
    updateAnnotation(doc, annotationId, { status: "rejected", rejectionReason: reason }),
  );
  await record(db, access, "reject", { oldStatus: "pending", newStatus: "rejected", reason });
}

/** Any member who can see an annotation may flag it once, with a reason, until a moderator acts. */
export async function flagAnnotation(db: Db, annotationId: string, userId: string, reason: string) {
  const access = await annotationAccess(db, annotationId, userId);
  if (access.row.visibility !== "group") throw new ApiError("conflict", "Only group annotations can be flagged");
  const inserted = await db
    .insert(flags)
    .values({ groupId: access.row.groupId, annotationId, userId, reason })
    .onConflictDoNothing()
    .returning({ id: flags.id });
  if (inserted.length === 0) throw new ApiError("conflict", "You have already flagged this annotation");
  await db.insert(moderationLog).values({ groupId: access.row.groupId, annotationId, actorId: userId, action: "flag", reason });
  return { id: inserted[0]!.id };
}

/** The group's queue: pending submissions and reviews, and annotations with open flags. */
export async function moderationQueue(db: Db, groupId: string) {
  const rows = await db
    .select({
      row: annotations,
      authorName: users.name,
      flagCount: sql<number>`(select count(*)::int from ${flags} f where f.annotation_id = ${annotations.id} and f.resolved_at is null)`,
      flagReasons: sql<string[]>`(select coalesce(array_agg(f.reason order by f.created_at), '{}') from ${flags} f where f.annotation_id = ${annotations.id} and f.resolved_at is null)`,
    })
    .from(annotations)
    .leftJoin(users, eq(users.id, annotations.authorId))
    .where(
      and(
        eq(annotations.groupId, groupId),
        sql`(${annotations.status} = 'pending' or exists (select 1 from ${flags} f where f.annotation_id = ${annotations.id} and f.resolved_at is null))`,
      ),
    )
    .orderBy(annotations.createdAt);
  return rows.map((r) => ({
    annotation: presentAnnotation(r.row, r.authorName),
    reason: r.row.status === "pending" ? (r.row.visibility === "private" ? "submission" : "review") : "flagged",
    flags: { count: r.flagCount, reasons: r.flagReasons },
  }));
}

export function moderationHistory(db: Db, groupId: string, limit = 200) {
  return db
    .select({
      id: moderationLog.id,
      annotationId: moderationLog.annotationId,
      action: moderationLog.action,
      oldStatus: moderationLog.oldStatus,
      newStatus: moderationLog.newStatus,
      reason: moderationLog.reason,
      actor: { id: users.id, name: users.name },
      createdAt: moderationLog.createdAt,
    })
    .from(moderationLog)
    .leftJoin(users, eq(users.id, moderationLog.actorId))
    .where(eq(moderationLog.groupId, groupId))
    .orderBy(desc(moderationLog.id))
    .limit(limit);
}
