import { and, asc, eq, ne, or, sql } from "drizzle-orm";
import {
  type AnnotationValue,
  type NewAnnotation,
  type Role,
  createAnnotation,
  deleteAnnotation,
  updateAnnotation,
  writeAnnotation,
} from "@marginalia/schema";
import { annotations, articles, moderationLog } from "@marginalia/schema/tables";
import { requireRole } from "../access/membership.ts";
import type { Db } from "../db.ts";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { contextFor } from "../sync/admit.ts";
import type { SyncHub } from "../sync/hub.ts";
import { type Actor, authorStatuses, isModerator, refuseCreate } from "../sync/policy.ts";

/**
 * What one user may list of an article: the group's annotations (hidden ones
 * only for moderators) and their own private ones.
 */
export function listAnnotations(db: Db, articleId: string, viewer: { id: string; role: Role }) {
  const moderator = viewer.role === "owner" || viewer.role === "moderator";
  return db
    .select()
    .from(annotations)
    .where(
      and(
        eq(annotations.articleId, articleId),
        or(
          and(eq(annotations.visibility, "group"), moderator ? sql`true` : ne(annotations.status, "hidden")),
          and(eq(annotations.visibility, "private"), eq(annotations.authorId, viewer.id)),
        ),
      ),
    )
    .orderBy(asc(annotations.startPos), asc(annotations.createdAt));
}

export type CreateRequest = Omit<NewAnnotation, "authorId"> & { visibility: "group" | "private" };

/**
 * Creates an annotation through the live document, as a socket would: the
 * same rules, the same broadcast and the same group commit. Resolves once
 * it is durable.
 */
export async function createThroughDocument(
  hub: SyncHub,
  access: { articleId: string; groupId: string; revision: number; role: Role; moderation: "open" | "pre" },
  userId: string,
  input: CreateRequest,
) {
  // A pre-moderated annotator's work goes to their private document, pending review.
  const submission = input.visibility === "group" && access.moderation === "pre" && !roleIsModerator(access.role);
  const toPrivate = input.visibility === "private" || submission;
  const room = toPrivate
    ? ({ kind: "private", articleId: access.articleId, userId } as const)
    : ({ kind: "group", articleId: access.articleId } as const);
  const actor: Actor = { userId, role: access.role, moderation: access.moderation, room };
  const allowed = authorStatuses(actor, input.kind);
  const status =
    input.status ??
    (submission ? "pending" : allowed.includes("published") ? "published" : input.kind === "factcheck" ? "draft" : "pending");
  const refusal = refuseCreate(actor, { authorId: userId, kind: input.kind, status });
  if (refusal) throw forbidden(refusal);
  const context = contextFor(room, access.groupId, access.revision);
  let id = "";
  await hub.change(context, { userId }, (doc) => {
    id = createAnnotation(doc, { ...input, authorId: userId, status });
  });
  return { id, docName: context.docName, visibility: context.visibility };
}

const roleIsModerator = (role: Role) => role === "owner" || role === "moderator";

async function pendingSubmission(db: Db, annotationId: string, moderatorId: string) {
  const [row] = await db
    .select({ id: annotations.id, articleId: annotations.articleId, groupId: annotations.groupId, authorId: annotations.authorId, status: annotations.status, visibility: annotations.visibility, revision: articles.currentRevision })
    .from(annotations)
    .innerJoin(articles, eq(articles.id, annotations.articleId))
    .where(eq(annotations.id, annotationId));
  if (!row) throw notFound("Annotation");
  const role = await requireRole(db, row.groupId, moderatorId, "viewer").catch(() => {
    throw notFound("Annotation");
  });
  if (!isModerator({ role } as Actor)) throw forbidden("Only moderators and owners review submissions");
  if (row.visibility !== "private" || row.status !== "pending" || !row.authorId) {
    throw new ApiError("conflict", "Only pending submissions can be reviewed");
  }
  const privateContext = contextFor({ kind: "private", articleId: row.articleId, userId: row.authorId }, row.groupId, row.revision);
  return { row, privateContext };
}

/**
 * Moves a pending submission from its author's private document into the
 * group document as published. The group copy is written first: a crash in
 * between leaves a duplicate, never a loss.
 */
export async function approveSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string) {
  const { row, privateContext } = await pendingSubmission(db, annotationId, moderatorId);
  const value = await hub.read(privateContext, (live) => live.annotation(annotationId));
  if (!value || value.status !== "pending") throw new ApiError("conflict", "Only pending submissions can be reviewed");
  const published: AnnotationValue = { ...value, status: "published", updatedAt: Date.now() };
  const groupContext = contextFor({ kind: "group", articleId: row.articleId }, row.groupId, row.revision);
  await hub.change(groupContext, { userId: moderatorId }, (doc) => writeAnnotation(doc, published));
  await hub.change(privateContext, { userId: moderatorId }, (doc) => deleteAnnotation(doc, annotationId));
  await db.insert(moderationLog).values({ groupId: row.groupId, annotationId, actorId: moderatorId, action: "approve" });
  return published;
}

/** Keeps a submission private to its author, marked rejected with the reason. */
export async function rejectSubmission(db: Db, hub: SyncHub, annotationId: string, moderatorId: string, reason: string) {
  const { row, privateContext } = await pendingSubmission(db, annotationId, moderatorId);
  await hub.change(privateContext, { userId: moderatorId }, (doc) =>
    updateAnnotation(doc, annotationId, { status: "rejected", rejectionReason: reason }),
  );
  await db.insert(moderationLog).values({ groupId: row.groupId, annotationId, actorId: moderatorId, action: "reject", reason });
}
