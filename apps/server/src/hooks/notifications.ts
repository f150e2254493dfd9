import { type InferInsertModel, and, eq, inArray } from "drizzle-orm";
import { parseRoom } from "@marginalia/schema";
import { annotations, memberships, users } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type NewNotification, notifyMembers } from "../services/notifications.ts";
import type { CommitHook } from "../sync/commit-hooks.ts";

type Row = InferInsertModel<typeof annotations>;

const MENTION = /(?:^|[^\w@.])@([\p{L}\p{N}._-]{2,64})/gu;

/** The handles a body mentions, lower-cased: `@ana` or `@ana.lopez`. */
export function mentionedHandles(body: string): Set<string> {
  const handles = new Set<string>();
  for (const match of body.matchAll(MENTION)) handles.add(match[1]!.toLowerCase().replace(/[._-]+$/, ""));
  return handles;
}

/** A member answers to their email's local part and to their name without spaces. */
export function handlesOf(member: { email: string; name: string }): string[] {
  return [member.email.split("@")[0]!.toLowerCase(), member.name.replace(/\s+/g, "").toLowerCase()];
}

/**
 * Whether `notifyFor` has anything to look up for these rows: a reply, or a
 * body that mentions a handle, in a group document. No query, so that a commit
 * without either can skip the notification step and its transaction.
 */
export function mayNotify(ctx: DocContext, rows: readonly Row[]): boolean {
  // Hidden work notifies nobody: a reply moved into the hidden document after its thread told its author
  // and everyone it mentioned of what they may no longer see.
  if (ctx.visibility !== "group" || parseRoom(ctx.docName)?.kind === "hidden") return false;
  return rows.some((row) => !!row.parentId || (!!row.body && row.body.includes("@") && mentionedHandles(row.body).size > 0));
}

/**
 * Notifications that follow from annotations as they are projected: replies
 * to someone's annotation and @mentions of members. Written in the commit's
 * transaction; the unique key makes a re-projection a no-op. Private
 * documents notify no one (the moderators told that a passage has its expert
 * reviews hear of it from quorum.ts).
 */
export async function notifyFor(tx: Tx, ctx: DocContext, rows: readonly Row[]) {
  if (!mayNotify(ctx, rows)) return;
  const pending: NewNotification[] = [];

  const parentIds = [...new Set(rows.map((r) => r.parentId).filter((p): p is string => !!p))];
  const parents = parentIds.length
    ? await tx
        .select({ id: annotations.id, authorId: annotations.authorId, docName: annotations.docName })
        .from(annotations)
        // A parent id is whatever the client wrote: only a parent on this article is anyone's to be told about.
        .where(and(inArray(annotations.id, parentIds), eq(annotations.articleId, ctx.articleId)))
    : [];
  const parentOf = new Map(parents.map((p) => [p.id, p]));
  // A reply to a thread that is not in this document (hidden meanwhile: the reply follows it there a moment
  // later) is news to moderators only, and notifies nobody: its author and mentions were told of hidden work.
  const inSight = rows.filter((row) => !row.parentId || parentOf.get(row.parentId)?.docName === ctx.docName);
  for (const row of inSight) {
    const parentAuthor = row.parentId ? parentOf.get(row.parentId)?.authorId : null;
    if (parentAuthor && parentAuthor !== row.authorId) {
      pending.push({ userId: parentAuthor, kind: "reply", annotationId: row.id, articleId: ctx.articleId, actorId: row.authorId ?? null, data: { parentId: row.parentId } });
    }
  }

  const mentioning = inSight.map((row) => ({ row, handles: mentionedHandles(row.body ?? "") })).filter((m) => m.handles.size);
  if (mentioning.length) {
    const members = await tx
      .select({ id: users.id, email: users.email, name: users.name })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.groupId, ctx.groupId));
    for (const { row, handles } of mentioning) {
      for (const member of members) {
        if (member.id === row.authorId || !handlesOf(member).some((h) => handles.has(h))) continue;
        pending.push({ userId: member.id, kind: "mention", annotationId: row.id, articleId: ctx.articleId, actorId: row.authorId ?? null });
      }
    }
  }
  await notifyMembers(tx, ctx.groupId, pending);
}

/** Replies and mentions, once the commit's rows are projected. */
export const notificationsHook: CommitHook = {
  name: "notifications",
  wants: (doc) => mayNotify(doc.context, doc.upserts),
  afterProjection: (tx, doc) => notifyFor(tx, doc.context, doc.upserts),
};
