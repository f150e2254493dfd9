import type { Db } from "../db.ts";
import { recordModeration } from "../services/moderation-log.ts";
import type { SyncHooks } from "../sync/commit-hooks.ts";
import { assignmentsHook } from "./assignments.ts";
import { notificationsHook } from "./notifications.ts";
import { quorumHook } from "./quorum.ts";

/**
 * The server's side effects of the realtime core, in one list: what a commit notifies, and where a
 * socket's moderation steps are logged. main.ts, the tests and the bench hand it to the SyncHub.
 */
export function serverHooks(db: Db): SyncHooks {
  return {
    commit: [assignmentsHook, notificationsHook, quorumHook],
    moderated: (context, step, authorAccount, moderator) =>
      recordModeration(
        db,
        { id: step.annotationId, groupId: context.groupId, articleId: context.articleId, authorId: authorAccount },
        moderator,
        step.action,
        { oldStatus: step.oldStatus, newStatus: step.newStatus },
      ),
  };
}
