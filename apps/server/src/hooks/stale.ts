import { and, eq, inArray } from "drizzle-orm";
import { mayReviseVerdict, promptsStaleness } from "@marginalia/schema";
import { annotations, memberships } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import { notifyMembers } from "../services/notifications.ts";
import type { CommitHook, CommittedDoc } from "../sync/persist/commit-hooks.ts";

// A rejected or hidden verdict is published nowhere: marked stale on its row, it asks nobody to confirm it.
const isStale = (row: CommittedDoc["upserts"][number]) => row.stale === true && !!row.verdict && promptsStaleness({ status: row.status ?? "published" });

/**
 * Tells a fact-check's author and the group's moderators when a revision leaves its verdict stale
 * (docs/architecture.md, "Verdicts pinned to the text"): once, as it turns stale, so later edits of a
 * stale fact-check notify nobody. Runs before the projection, while the rows say whether it was stale.
 */
async function notifyStale(tx: Tx, doc: CommittedDoc) {
  const candidates = doc.upserts.filter(isStale);
  const before = await tx
    .select({ id: annotations.id })
    .from(annotations)
    .where(and(inArray(annotations.id, candidates.map((r) => r.id)), eq(annotations.stale, true)));
  const already = new Set(before.map((r) => r.id));
  const turned = candidates.filter((r) => !already.has(r.id));
  if (!turned.length) return;
  const moderators = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.groupId, doc.context.groupId), inArray(memberships.role, ["owner", "moderator"])));
  const moderatorIds = new Set(moderators.map((m) => m.userId));
  const pending = turned.flatMap((row) => {
    // A private note is its author's alone; a submission waiting in a private document is the moderators' to review.
    const seenByModerators = doc.context.visibility === "group" || row.status === "pending";
    const people = new Set([...(row.authorId ? [row.authorId] : []), ...(seenByModerators ? moderators.map((m) => m.userId) : [])]);
    const detail = row.staleness!;
    const subject = { authorId: row.authorId ?? "", kind: row.kind!, status: row.status ?? "published" };
    return [...people].map((userId) => ({
      userId,
      kind: "stale" as const,
      annotationId: row.id,
      articleId: doc.context.articleId,
      event: `${detail.judgedRevision}:${detail.revision}`,
      // What the recipient may do about it, for the words it is told in: a published fact-check is locked to its author.
      data: { ...detail, claim: row.claim, verdict: row.verdict, may: mayReviseVerdict(subject, userId, moderatorIds.has(userId) ? "moderator" : "annotator") ? "revise" : "ask" },
    }));
  });
  await notifyMembers(tx, doc.context.groupId, pending);
}

/** Stale verdicts, as the projection sees their passage change (whichever path changed it). */
export const staleHook: CommitHook = {
  name: "stale verdicts",
  wants: (doc) => doc.upserts.some(isStale),
  beforeProjection: notifyStale,
};
