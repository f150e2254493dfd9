import { and, eq, inArray } from "drizzle-orm";
import { isLocked } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import { membershipOf } from "../access/membership.ts";
import type { CommitHook, CommittedDoc } from "../sync/persist/commit-hooks.ts";
import { RefusedAtCommit } from "../sync/persist/commit-errors.ts";

/**
 * A published fact-check is locked to all but moderators (policy: `isLocked`), and the socket's authorizer
 * checks that against the live document. A publish made through another process is stored at once but
 * reaches this process's copy a moment later: a member deleting live meanwhile was let through, and the
 * published fact-check was gone. Its stored row is what every process last decided, so the commit that
 * would remove it checks it there too, and refuses the update (its document is then reloaded from what is
 * stored, publish included): docs/architecture.md, "The policy".
 */
async function refuseLockedRemovals(tx: Tx, doc: CommittedDoc) {
  const { context, removed, writers } = doc;
  const published = await tx
    .select({ id: annotations.id, kind: annotations.kind, status: annotations.status, authorId: annotations.authorId })
    .from(annotations)
    .where(and(eq(annotations.docName, context.docName), inArray(annotations.id, [...removed]), eq(annotations.kind, "factcheck"), eq(annotations.status, "published")));
  for (const row of published) {
    // The server's own changes (moves between documents, ids it takes back) name no writer.
    const writer = writers.get(row.id);
    if (!writer) continue;
    const role = (await membershipOf(tx, context.groupId, writer))?.role ?? "viewer";
    if (isLocked({ ...row, authorId: row.authorId ?? "" }, role)) throw new RefusedAtCommit(`annotation ${row.id} is a published fact-check, locked to its moderators`);
  }
}

/** Removals from a group's document, checked against the stored rows before the projection deletes them. */
export const lockedVerdictsHook: CommitHook = {
  name: "locked verdicts",
  wants: (doc) => doc.context.visibility === "group" && doc.removed.length > 0,
  beforeProjection: refuseLockedRemovals,
};
