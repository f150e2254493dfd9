import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { type Actor, type Role, type Subject, parseRoom } from "@marginalia/schema";
import { annotations, articles, groups, memberIds, memberships } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import { notFound } from "../errors.ts";
import { type Viewer, visibleTo } from "../services/annotation-queries.ts";
import { contextFor } from "../documents/context.ts";
import { membershipOf } from "./membership.ts";
import type { DocContext } from "../documents/context.ts";

/**
 * `actor` is the member as the annotation's document knows them (by member
 * id), `subject` the stored row as the rules read it (its author by member id
 * too), and `account` the member's account, which the log records as writer.
 */
export type AnnotationAccess = {
  row: typeof annotations.$inferSelect;
  role: Role;
  actor: Actor;
  subject: Subject;
  account: string;
  context: DocContext;
  /** Whether its article's annotations were still being moved onto a correction as this was read (anchoring/anchored-reads.ts). */
  articleBehind: boolean;
};

const authorIds = alias(memberIds, "author_ids");

/**
 * An annotation as one user may reach it: 404 when they may not see it, as if
 * it did not exist. `actor` is who they are in the annotation's document.
 */
export async function annotationAccess(db: Db, annotationId: string, userId: string): Promise<AnnotationAccess> {
  const [found] = await db
    .select({
      row: annotations,
      role: memberships.role,
      memberId: memberIds.memberId,
      authorMemberId: authorIds.memberId,
      moderation: groups.moderation,
      reviewQuorum: groups.reviewQuorum,
      revision: articles.currentRevision,
      anchoredRevision: articles.anchoredRevision,
    })
    .from(annotations)
    .innerJoin(articles, eq(articles.id, annotations.articleId))
    .innerJoin(groups, eq(groups.id, annotations.groupId))
    .innerJoin(memberships, and(eq(memberships.groupId, annotations.groupId), eq(memberships.userId, userId)))
    .innerJoin(memberIds, and(eq(memberIds.groupId, annotations.groupId), eq(memberIds.userId, userId)))
    .leftJoin(authorIds, and(eq(authorIds.groupId, annotations.groupId), eq(authorIds.userId, annotations.authorId)))
    .where(and(eq(annotations.id, annotationId)));
  const room = found && parseRoom(found.row.docName);
  if (!found || !room || !(await isVisible(db, annotationId, { id: userId, role: found.role }))) throw notFound("Annotation");
  return {
    row: found.row,
    role: found.role,
    actor: { userId: found.memberId, role: found.role, moderation: found.moderation, reviewQuorum: found.reviewQuorum, room },
    subject: { authorId: found.authorMemberId ?? "", kind: found.row.kind, status: found.row.status, factcheck: found.row.verdict },
    account: userId,
    context: contextFor(room, found.row.groupId, found.revision),
    articleBehind: found.anchoredRevision < found.revision,
  };
}

/**
 * The caller's access with their role decided again, for work that waited for its turn
 * (services/decision-turns.ts), which can come many seconds after the request's access was decided: a
 * moderator demoted or removed while their hide waited behind others' decisions hid it all the same.
 * Removed from the group, or no longer able to see the annotation under the role they have now (a hidden
 * one, to a demoted moderator): 404, as for an id that never existed, never a 403 that says it is there.
 * Otherwise what follows is judged under the role they have now. The caller's own object is left as the
 * request found it.
 */
export async function refreshRole(db: Db | Tx, access: AnnotationAccess): Promise<AnnotationAccess> {
  const found = await membershipOf(db, access.row.groupId, access.account);
  if (!found || !(await isVisible(db, access.row.id, { id: access.account, role: found.role }))) throw notFound("Annotation");
  return { ...access, role: found.role, actor: { ...access.actor, role: found.role } };
}

async function isVisible(db: Db | Tx, annotationId: string, viewer: Viewer): Promise<boolean> {
  const [visible] = await db
    .select({ id: annotations.id })
    .from(annotations)
    .where(and(eq(annotations.id, annotationId), visibleTo(viewer)));
  return !!visible;
}
