import { type SQL, and, asc, eq, inArray, not, or, sql } from "drizzle-orm";
import { type AnswerCandidate, type AssignmentProgress, assignmentProgress, refuseFieldEdit, roleAtLeast } from "@marginalia/schema";
import { annotations, articles, memberIds, memberships } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { ApiError, forbidden } from "../errors.ts";
import type { SyncHub } from "../sync/hub.ts";
import { inHiddenDocument, visibleTo } from "./annotation-queries.ts";
import type { AnnotationAccess } from "../access/annotation.ts";
import { asDecided, patchInDocument } from "./annotations.ts";
import { nameBook } from "./identities.ts";

type Row = typeof annotations.$inferSelect;

/** Who may be asked to answer, named by member id: members who can write a reply. */
export async function checkAssignees(db: Db, groupId: string, assignees: readonly string[]) {
  if (assignees.length === 0) return;
  const found = await db
    .select({ memberId: memberIds.memberId, role: memberships.role })
    .from(memberIds)
    .innerJoin(memberships, and(eq(memberships.groupId, memberIds.groupId), eq(memberships.userId, memberIds.userId)))
    .where(and(eq(memberIds.groupId, groupId), inArray(memberIds.memberId, [...assignees])));
  const roleOf = new Map(found.map((m) => [m.memberId, m.role]));
  for (const id of assignees) {
    const role = roleOf.get(id);
    if (!role) throw new ApiError("validation_failed", `assignees: ${id} is not a member of this group`, "assignees");
    if (!roleAtLeast(role, "annotator")) throw new ApiError("validation_failed", `assignees: ${id} is a ${role} and cannot answer`, "assignees");
  }
}

/**
 * Sets who must answer an annotation and by when, as a transaction on its live document; resolves once
 * durable. Only its author or a moderator assigns, so it is decided in the article's decision turn, under
 * the role the caller has then (asDecided), as a moderator's decision is: it can wait there behind others
 * for seconds. The role check runs first so that a caller who may not assign learns nothing about who is
 * a member; the document's transaction checks it again against the annotation as it is then.
 */
export function assignThroughDocument(db: Db, hub: SyncHub, access: AnnotationAccess, input: { assignees: string[]; dueAt: number | null }) {
  return asDecided(db, hub, access, async (now, stored) => {
    const refusal = refuseFieldEdit(now.actor, now.subject, "assignees", input.assignees);
    if (refusal) throw forbidden(refusal);
    await checkAssignees(db, now.row.groupId, input.assignees);
    await patchInDocument(hub, now, input, stored);
  });
}

/** The rule's view of projected rows: the same function the reader runs on the live document. */
const asAssigned = (row: Row) => ({
  id: row.id,
  authorId: row.authorId ?? "",
  assignees: row.assignees,
  factcheck: row.verdict ? { verdict: row.verdict } : null,
  createdAt: row.createdAt.getTime(),
});

/** Progress of each annotation, from its replies in the group document (what every assignee sees). */
export async function progressOf(db: Db, rows: readonly Row[]): Promise<Map<string, AssignmentProgress>> {
  const ids = rows.map((r) => r.id);
  const articleOf = new Map(rows.map((r) => [r.id, r.articleId]));
  const replies = ids.length
    ? await db
        .select()
        .from(annotations)
        .where(
          and(
            inArray(annotations.parentId, ids),
            inArray(annotations.articleId, [...new Set(articleOf.values())]),
            eq(annotations.visibility, "group"),
            eq(annotations.status, "published"),
            not(inHiddenDocument(annotations.docName)),
          ),
        )
    : [];
  const byParent = new Map<string, AnswerCandidate[]>();
  for (const reply of replies) {
    // Only a reply in the parent's article answers it: a socket may name any id as a reply's parent, and a
    // member of two groups answered an assignment in one with a reply written in the other.
    if (articleOf.get(reply.parentId!) !== reply.articleId) continue;
    const list = byParent.get(reply.parentId!) ?? [];
    list.push({
      authorId: reply.authorId ?? "",
      parentId: reply.parentId,
      status: reply.status,
      body: reply.body,
      factcheck: reply.verdict ? { verdict: reply.verdict, sources: reply.sources } : null,
      createdAt: reply.createdAt.getTime(),
    });
    byParent.set(reply.parentId!, list);
  }
  return new Map(rows.map((row) => [row.id, assignmentProgress(asAssigned(row), byParent.get(row.id) ?? [])]));
}

/** The assignment of one annotation after a change, with assignees named as the viewer may see them. */
export async function presentAssignment(db: Db, annotationId: string, viewer: { id: string; role: AnnotationAccess["role"] }) {
  const [row] = await db.select().from(annotations).where(eq(annotations.id, annotationId));
  const progress = (await progressOf(db, [row!])).get(annotationId)!;
  const book = await nameBook(db, row!.groupId, viewer);
  return {
    annotationId,
    assignees: progress.assignees.map((a) => ({ ...book.person(a.userId), answeredAt: iso(a.answeredAt) })),
    dueAt: row!.dueAt,
    answered: progress.answered,
    done: progress.done,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Everything assigned to `userId` that they may still see, across their
 * groups, soonest due first (no due time last), then oldest. Read from the
 * projection through its GIN index on assignees.
 */
export async function listAssignments(db: Db, userId: string, options: { open: boolean }, now = Date.now()) {
  const mine = await db.select({ groupId: memberships.groupId, role: memberships.role }).from(memberships).where(eq(memberships.userId, userId));
  // Visibility depends on the role, which differs from group to group.
  const moderated = mine.filter((m) => roleAtLeast(m.role, "moderator")).map((m) => m.groupId);
  const others = mine.filter((m) => !roleAtLeast(m.role, "moderator")).map((m) => m.groupId);
  const visible: SQL[] = [];
  if (moderated.length) visible.push(and(inArray(annotations.groupId, moderated), visibleTo({ id: userId, role: "moderator" }))!);
  if (others.length) visible.push(and(inArray(annotations.groupId, others), visibleTo({ id: userId, role: "viewer" }))!);
  if (visible.length === 0) return [];
  const found = await db
    .select({ row: annotations, title: articles.title })
    .from(annotations)
    .innerJoin(articles, eq(articles.id, annotations.articleId))
    .where(and(sql`${annotations.assignees} @> array[${userId}]::uuid[]`, or(...visible)))
    .orderBy(sql`${annotations.dueAt} asc nulls last`, asc(annotations.createdAt), asc(annotations.id))
    .limit(500);
  const progress = await progressOf(db, found.map((f) => f.row));
  const items = found.map(({ row, title }) => {
    const p = progress.get(row.id)!;
    const answeredAt = p.assignees.find((a) => a.userId === userId)?.answeredAt ?? null;
    return {
      annotation: { id: row.id, kind: row.kind, status: row.status, quote: row.quote, claim: row.claim, body: row.body.slice(0, 280) },
      article: { id: row.articleId, title },
      groupId: row.groupId,
      dueAt: row.dueAt,
      // Overdue for me: the deadline passed and I have not answered.
      overdue: row.dueAt !== null && row.dueAt.getTime() < now && answeredAt === null,
      answered: answeredAt !== null,
      answeredAt: iso(answeredAt),
      progress: { answered: p.answered, total: p.assignees.length, done: p.done },
      createdAt: row.createdAt,
    };
  });
  return options.open ? items.filter((item) => !item.answered) : items;
}
