import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { flags } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { CommitHook, CommittedDoc } from "../sync/persist/commit-hooks.ts";

/**
 * Open flags of what a commit deleted are settled: nothing is left for a moderator to do, and an open flag
 * would otherwise wait, in its group's queue and under the one-open-flag rule, for whatever annotation
 * takes the id next. Run after the projection, so that a move between documents (a hide, an unhide),
 * whose row lives on under the same id in the same group, settles nothing.
 */
async function settleFlagsOfDeleted(tx: Tx, doc: CommittedDoc) {
  const { groupId } = doc.context;
  await tx
    .update(flags)
    .set({ resolvedAt: new Date() })
    .where(
      and(
        eq(flags.groupId, groupId),
        inArray(flags.annotationId, [...doc.removed]),
        isNull(flags.resolvedAt),
        sql`not exists (select 1 from annotations a where a.id = ${flags.annotationId} and a.group_id = ${groupId})`,
      ),
    );
}

export const deletedFlagsHook: CommitHook = {
  name: "flags of deleted annotations",
  // Removals already take the commit's long way (sync/persist/batch-write.ts), so this adds no round trip to a plain edit.
  wants: (doc) => doc.removed.length > 0,
  afterProjection: settleFlagsOfDeleted,
};
