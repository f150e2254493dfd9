import type { Logger } from "../../logger.ts";
import type { ModerationStep } from "../authorize/authorize.ts";
import type { ClientIdStore } from "../authorize/client-id-store.ts";
import { SERVER_WRITER } from "../authorize/client-ids.ts";
import type { DocumentHooks, LiveDocument } from "./document.ts";
import type { Hiding } from "../persist/hiding.ts";
import { articleTexts } from "../authorize/article-text.ts";
import type { OlderTargetsDue } from "./older-targets-due.ts";
import { cutMergedToLimits } from "../validate/merged-limits.ts";
import type { GroupCommitter } from "../persist/persist.ts";
import type { Reprojection } from "../persist/reprojection.ts";
import type { SyncOptions } from "../sync-options.ts";
import { RefusedStructs } from "../validate/refused-structs.ts";

/** The hub's parts a live document reaches through its hooks. */
export type HubParts = {
  committer: GroupCommitter;
  hiding: Hiding;
  reprojection: Reprojection;
  clientIdStore: ClientIdStore;
  olderTargets: OlderTargetsDue;
  options: Pick<SyncOptions, "relay" | "observer" | "hooks">;
  logger: Logger;
};

/**
 * What a live document's hooks do in the hub: commit, move between audiences, relay, observe, claim, log;
 * and for what other processes changed, what only this one can put right (hiding.ts, reprojection.ts).
 */
export function documentHooks(hub: HubParts): DocumentHooks {
  // Outlives each load of a document: a refusal is what reloads it.
  const refused = new RefusedStructs();
  return {
    persist: (source, update, userId, touched, { memberId, needs, serverId }) => {
      const durable = hub.committer.enqueue(source, update, userId, touched, memberId, serverId, needs);
      refused.watch(source.context.docName, update, durable);
      hub.hiding.after(source.context, touched, durable);
      hub.reprojection.local(source, touched, durable);
      return durable;
    },
    refusedBefore: (live, update) => refused.carries(live.name, update),
    received: (live, touched) => {
      hub.hiding.received(live.context, live.doc, touched);
      hub.reprojection.remote(live, touched);
      cutMergedToLimits(live, touched);
    },
    olderTargetKept: ({ context: { articleId, docName } }, failed) => {
      if (failed) hub.logger.error({ err: failed, doc: docName }, "could not judge the targets a change replaced");
      const revision = articleTexts.currentRevision(articleId);
      if (revision !== null) hub.olderTargets.soon({ kind: "article-revised", articleId, revision });
    },
    relay: (live, update, durable) => hub.options.relay.publishUpdate(live, update, durable),
    relayAwareness: (live, update) => hub.options.relay.publishAwareness(live, update),
    broadcast: (recipients, delayMs) => hub.options.observer.broadcast(recipients, delayMs),
    built: (live) => hub.hiding.reconcile(live.context, live.doc),
    claimClient: (live, clientId, userId) => keepClaim(hub, live, clientId, userId),
    // Kept with the server's writes themselves (batch-write.ts); relayed now, ahead of the first of them.
    claimServer: (live, clientId) => hub.options.relay.publishClaim(live, clientId, SERVER_WRITER),
    moderated: (live, steps, account) => void logSteps(hub, live, steps, account),
  };
}

/** A claim is relayed before the presence or the update that made it, and kept beside the log for later loads. */
function keepClaim(hub: HubParts, live: LiveDocument, clientId: number, userId: string) {
  hub.clientIdStore.record(live.name, clientId, userId);
  hub.options.relay.publishClaim(live, clientId, userId);
}

/** A moderator's socket steps go in the moderation log, and their authors are told, as for the REST steps. */
async function logSteps(hub: HubParts, live: LiveDocument, steps: readonly ModerationStep[], account: string) {
  for (const step of steps) {
    try {
      await hub.options.hooks.moderated(live.context, step, live.members.accountOf(step.authorId), account);
    } catch (err) {
      hub.logger.warn({ err, doc: live.name, annotation: step.annotationId }, "could not log a moderation step");
    }
  }
}
