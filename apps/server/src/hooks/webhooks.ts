import { and, arrayContains, eq, inArray } from "drizzle-orm";
import { annotationPath, articlePath } from "@marginalia/schema";
import { annotations, webhookDeliveries, webhooks } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { CommitHook, CommittedDoc } from "../sync/commit-hooks.ts";

const isPublishedCheck = (row: CommittedDoc["upserts"][number]) => row.status === "published" && !!row.verdict;

/**
 * `factcheck.published`: a verdict that became public in this commit (created published, approved out
 * of review, or unhidden), one delivery per subscribed webhook, written in the commit's transaction
 * (the outbox). Runs before the projection so that the rows still say what the status was.
 */
async function enqueuePublished(tx: Tx, doc: CommittedDoc, origin: string) {
  const candidates = doc.upserts.filter(isPublishedCheck);
  const before = await tx
    .select({ id: annotations.id, status: annotations.status })
    .from(annotations)
    .where(inArray(annotations.id, candidates.map((r) => r.id)));
  const was = new Map(before.map((r) => [r.id, r.status]));
  const newly = candidates.filter((r) => was.get(r.id) !== "published");
  if (!newly.length) return;
  const subscribed = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.groupId, doc.context.groupId), arrayContains(webhooks.events, ["factcheck.published"])));
  if (!subscribed.length) return;
  const rows = newly.flatMap((row) => {
    const body = JSON.stringify({
      event: "factcheck.published",
      createdAt: new Date().toISOString(),
      groupId: doc.context.groupId,
      article: { id: doc.context.articleId, url: `${origin}${articlePath(doc.context.articleId)}` },
      factcheck: {
        annotationId: row.id,
        url: `${origin}${annotationPath(doc.context.articleId, row.id)}`,
        claim: row.claim,
        verdict: row.verdict,
        quote: row.quote ?? null,
        sources: row.sources ?? [],
      },
    });
    return subscribed.map((hook) => ({ webhookId: hook.id, event: "factcheck.published", body }));
  });
  await tx.insert(webhookDeliveries).values(rows);
}

/** The webhook outbox as a commit hook; `wake` starts delivery once the commit has landed. */
export function webhooksHook(origin: () => string, wake: () => void): CommitHook {
  return {
    name: "webhooks",
    wants: (doc) => doc.context.visibility === "group" && doc.upserts.some(isPublishedCheck),
    beforeProjection: (tx, doc) => enqueuePublished(tx, doc, origin()),
    afterCommit: () => wake(),
  };
}
