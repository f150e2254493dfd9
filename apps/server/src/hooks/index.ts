import type { Db } from "../db.ts";
import { recordModeration } from "../services/moderation-log.ts";
import type { SyncHooks } from "../sync/persist/commit-hooks.ts";
import { assignmentsHook } from "./assignments.ts";
import { deletedFlagsHook } from "./flags.ts";
import { lockedVerdictsHook } from "./locked-verdicts.ts";
import { notificationsHook } from "./notifications.ts";
import { quorumHook } from "./quorum.ts";
import { staleHook } from "./stale.ts";
import { submissionsHook } from "./submissions.ts";
import { webhooksHook } from "./webhooks.ts";

// Without a deliverer (tools, some tests) events still go into the outbox; a running server sends them.
const NO_DELIVERY = { origin: () => "", wake: () => {} };

/**
 * The server's side effects of the realtime core, in one list: what a commit notifies, and where a
 * socket's moderation steps are logged. main.ts, the tests and the bench hand it to the SyncHub.
 */
export function serverHooks(db: Db, webhooks: { origin: () => string; wake: () => void } = NO_DELIVERY): SyncHooks {
  return {
    commit: [lockedVerdictsHook, assignmentsHook, notificationsHook, quorumHook, submissionsHook, staleHook, deletedFlagsHook, webhooksHook(webhooks.origin, webhooks.wake)],
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
