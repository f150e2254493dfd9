import { type InferInsertModel, and, eq, inArray } from "drizzle-orm";
import { parseRoom } from "@marginalia/schema";
import { type Role, annotations, groups, memberIds, memberships, users } from "@marginalia/schema/tables";
import { pseudonym } from "../access/member-ids.ts";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type NewNotification, notifyMembers } from "../services/notifications.ts";
import { seesNames } from "../services/identities.ts";
import type { CommitHook } from "../sync/persist/commit-hooks.ts";
import { type MentionIndex, type Mentionable, handlesOf, mayMention, mentionIndex, mentionedMembers } from "./mentions.ts";

type Row = InferInsertModel<typeof annotations>;
type Member = { id: string; email: string; name: string; role: Role; memberId: string | null; anonymous: boolean };

/**
 * Whether `notifyFor` has anything to look up for these rows: a reply, or a
 * body that may mention someone, in a group document. No query, so that a commit
 * without either can skip the notification step and its transaction.
 */
export function mayNotify(ctx: DocContext, rows: readonly Row[]): boolean {
  // Hidden work notifies nobody: a reply moved into the hidden document after its thread told its author
  // and everyone it mentioned of what they may no longer see.
  if (ctx.visibility !== "group" || parseRoom(ctx.docName)?.kind === "hidden") return false;
  return rows.some((row) => !!row.parentId || (!!row.body && mayMention(row.body)));
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
  // A reply that also @mentions its parent's author is one message to them: told as the reply, not twice.
  const repliedTo = new Set<string>();
  for (const row of inSight) {
    const parentAuthor = row.parentId ? parentOf.get(row.parentId)?.authorId : null;
    if (parentAuthor && parentAuthor !== row.authorId) {
      repliedTo.add(`${row.id}:${parentAuthor}`);
      pending.push({ userId: parentAuthor, kind: "reply", annotationId: row.id, articleId: ctx.articleId, actorId: row.authorId ?? null, data: { parentId: row.parentId } });
    }
  }

  const mentioning = inSight.filter((row) => !!row.body && mayMention(row.body));
  if (mentioning.length) {
    const members: Member[] = await tx
      .select({ id: users.id, email: users.email, name: users.name, role: memberships.role, memberId: memberIds.memberId, anonymous: groups.anonymousToPeers })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(groups, eq(groups.id, memberships.groupId))
      .leftJoin(memberIds, and(eq(memberIds.groupId, memberships.groupId), eq(memberIds.userId, memberships.userId)))
      .where(eq(memberships.groupId, ctx.groupId));
    // One index per writer: a commit of a thousand bodies by one member (600 in the group) built it per body.
    const indexes = new Map<string | null, MentionIndex>();
    const indexFor = (writer: string | null) => {
      let index = indexes.get(writer);
      if (!index) indexes.set(writer, (index = mentionIndex(mentionablesFor(ctx.groupId, members, writer))));
      return index;
    };
    for (const row of mentioning) {
      for (const id of mentionedMembers(row.body!, indexFor(row.authorId ?? null))) {
        if (repliedTo.has(`${row.id}:${id}`)) continue;
        pending.push({ userId: id, kind: "mention", annotationId: row.id, articleId: ctx.articleId, actorId: row.authorId ?? null });
      }
    }
  }
  await notifyMembers(tx, ctx.groupId, pending);
}

/**
 * The group's other members as `writer` may name them: by what they are shown (names, or pseudonyms in a
 * group anonymous to them) and, where names are shown, by handle and first name too. The writer is left out:
 * `@Carol` by one of two Carols names the other.
 */
export function mentionablesFor(groupId: string, members: readonly Member[], writer: string | null): Mentionable[] {
  const role = members.find((m) => m.id === writer)?.role ?? null;
  const named = seesNames(members[0]?.anonymous ?? false, role);
  return members.flatMap((m): Mentionable[] => {
    if (m.id === writer) return [];
    const alias = m.anonymous && m.memberId ? [pseudonym(groupId, m.memberId)] : [];
    if (!named) return [{ id: m.id, names: alias, handles: [], firstName: null }];
    return [{ id: m.id, names: [m.name, ...alias], handles: handlesOf(m), firstName: m.name.trim().split(/\s+/u)[0] ?? null }];
  });
}

/** Replies and mentions, once the commit's rows are projected. */
export const notificationsHook: CommitHook = {
  name: "notifications",
  wants: (doc) => mayNotify(doc.context, doc.upserts),
  afterProjection: (tx, doc) => notifyFor(tx, doc.context, doc.upserts),
};
