import { and, arrayOverlaps, eq, inArray, sql } from "drizzle-orm";
import { annotationPath, articlePath } from "@marginalia/schema";
import { type WebhookEvent, annotations, webhookDeliveries, webhooks } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { CommitHook, CommittedDoc } from "../sync/persist/commit-hooks.ts";

type Row = CommittedDoc["upserts"][number];

/** A published fact-check's verdict: an assignee's verdict reply is an answer inside the group, not the group's verdict. */
const isPublishedCheck = (row: Row) => row.kind === "factcheck" && row.status === "published" && !!row.verdict;
const isStalePublished = (row: Row) => isPublishedCheck(row) && row.stale === true;

/** What each event says of the fact-check, beside the link, claim and verdict every event carries. */
const DETAIL: Record<WebhookEvent, (row: Row) => Record<string, unknown>> = {
  "factcheck.published": (row) => ({ quote: row.quote ?? null, sources: row.sources ?? [] }),
  "factcheck.stale": (row) => ({ ...row.staleness }),
};

/**
 * The events of this commit, one delivery per subscribed webhook, written in the commit's transaction (the
 * outbox). `factcheck.published`: a verdict that became public (created published, approved out of review,
 * or unhidden). `factcheck.stale`: a public verdict whose passage a revision changed (docs/architecture.md,
 * "Verdicts pinned to the text"). Runs before the projection so that the rows still say what they were.
 */
async function enqueueEvents(tx: Tx, doc: CommittedDoc, origin: string) {
  const candidates = doc.upserts.filter(isPublishedCheck);
  const before = await tx
    .select({ id: annotations.id, status: annotations.status, stale: annotations.stale })
    .from(annotations)
    .where(inArray(annotations.id, candidates.map((r) => r.id)));
  const was = new Map(before.map((r) => [r.id, r]));
  const events: Array<{ event: WebhookEvent; row: Row }> = [
    ...candidates.filter((r) => was.get(r.id)?.status !== "published").map((row) => ({ event: "factcheck.published" as const, row })),
    ...candidates.filter((r) => isStalePublished(r) && !was.get(r.id)?.stale).map((row) => ({ event: "factcheck.stale" as const, row })),
  ];
  if (!events.length) return;
  const subscribed = await tx
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.groupId, doc.context.groupId), arrayOverlaps(webhooks.events, [...new Set(events.map((e) => e.event))])));
  if (!subscribed.length) return;
  const rows = events.flatMap(({ event, row }) => {
    const body = JSON.stringify({
      event,
      createdAt: new Date().toISOString(),
      groupId: doc.context.groupId,
      article: { id: doc.context.articleId, url: `${origin}${articlePath(doc.context.articleId)}` },
      factcheck: {
        annotationId: row.id,
        url: `${origin}${annotationPath(doc.context.articleId, row.id)}`,
        claim: row.claim,
        verdict: row.verdict,
        ...DETAIL[event](row),
      },
    });
    return subscribed.filter((hook) => hook.events.includes(event)).map((hook) => ({ webhookId: hook.id, event, body }));
  });
  if (rows.length) await tx.insert(webhookDeliveries).values(rows);
}

/**
 * Pending deliveries about annotations that left the group's document (deleted, or hidden by a moderator,
 * which moves them to the hidden one): a retry would otherwise push out, up to a day later, a verdict the
 * group has taken back. One already in flight may still arrive.
 */
async function withdrawEvents(tx: Tx, doc: CommittedDoc) {
  const ofGroup = tx.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.groupId, doc.context.groupId));
  await tx
    .delete(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        inArray(webhookDeliveries.webhookId, ofGroup),
        inArray(sql`${webhookDeliveries.body}::jsonb #>> '{factcheck,annotationId}'`, [...doc.removed]),
      ),
    );
}

/** The webhook outbox as a commit hook; `wake` starts delivery once the commit has landed. */
export function webhooksHook(origin: () => string, wake: () => void): CommitHook {
  return {
    name: "webhooks",
    wants: (doc) => doc.context.visibility === "group" && (doc.removed.length > 0 || doc.upserts.some(isPublishedCheck)),
    beforeProjection: async (tx, doc) => {
      if (doc.removed.length) await withdrawEvents(tx, doc);
      if (doc.upserts.some(isPublishedCheck)) await enqueueEvents(tx, doc, origin());
    },
    afterCommit: () => wake(),
  };
}
