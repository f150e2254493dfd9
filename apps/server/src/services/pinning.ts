import { buildTarget, confirmedJudgement, judgementBeforeMove, refuseConfirm, refuseReattach, stalenessOf, updateAnnotation } from "@marginalia/schema";
import type { AnnotationAccess } from "../access/annotation.ts";
import type { Db } from "../db.ts";
import { ApiError, forbidden } from "../errors.ts";
import type { SyncHub } from "../sync/hub.ts";
import { asDecided, decidedValue, writerOf } from "./annotations.ts";
import { getArticleHead, textIndexAt } from "./articles.ts";
import { recordModeration } from "./moderation-log.ts";

/**
 * Where an annotation sits on the text, and what its verdict was given on (docs/architecture.md, "Verdicts
 * pinned to the text"), moved by its author or a moderator. Both are decided in the article's decision turn
 * (asDecided), under the role the caller has when their turn comes and against the annotation as its
 * document holds it then: either can wait there behind moderators' decisions for seconds, and a moderator
 * demoted or removed meanwhile, or a verdict revised or confirmed by someone else meanwhile, was judged as
 * the request had found them.
 */

/** Re-attaches an orphan or a fuzzy annotation to `range` of the article's current text. */
export function reattachAnnotation(db: Db, hub: SyncHub, access: AnnotationAccess, range: { start: number; end: number }) {
  return asDecided(db, hub, access, async (now, stored) => {
    const article = await getArticleHead(db, now.row.articleId);
    const index = await textIndexAt(db, now.row.articleId, article.revision);
    // Written by the server: the anchor state is not a field clients may set.
    await hub.change({ ...now.context, revision: article.revision }, writerOf(now), (doc) => {
      const value = decidedValue(doc, now, stored);
      const refused = refuseReattach(now.actor, { ...value, anchorState: value.anchor?.state ?? "anchored" });
      if (refused) throw refused.status === 403 ? forbidden(refused.reason) : new ApiError("conflict", refused.reason);
      // After the rule, as before the turns: a caller who may not re-attach learns nothing of the text's length.
      if (range.end > index.length) throw new ApiError("validation_failed", "end: past the end of the article", "end");
      const judged = judgementBeforeMove(value);
      updateAnnotation(doc, now.row.id, { target: buildTarget(index, range, article.revision), anchor: { state: "anchored" }, ...(judged && { judged }) });
    });
  });
}

/**
 * Confirms a stale verdict against the text now under it: recorded on the fact-check as what it judged
 * (by the server: `judged` is not a field clients write), and logged as a moderation action. Confirmed (or
 * revised) by someone else while this waited, it is stale no more: 409, and nothing is logged.
 */
export function confirmVerdict(db: Db, hub: SyncHub, access: AnnotationAccess) {
  return asDecided(db, hub, access, async (now, stored) => {
    await hub.change(now.context, writerOf(now), (doc) => {
      const value = decidedValue(doc, now, stored);
      const refused = refuseConfirm(now.actor, value);
      if (refused) throw forbidden(refused);
      if (stalenessOf(value, now.context.revision).state !== "stale") throw new ApiError("conflict", "This verdict is not stale: there is nothing to confirm");
      const judged = confirmedJudgement(value);
      if (!judged) throw new ApiError("conflict", "Re-attach the fact-check to the new text before confirming its verdict");
      updateAnnotation(doc, now.row.id, { judged });
    });
    await recordModeration(db, now.row, now.account, "confirm", { oldStatus: stored.status, newStatus: stored.status });
  });
}
