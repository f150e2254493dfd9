import { and, asc, eq, lt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { articleRevisions, articles } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { KeyedTurns } from "../keyed-turns.ts";
import type { Logger } from "../logger.ts";
import type { SyncHub } from "../sync/hub.ts";
import { ShuttingDown } from "../sync/shutdown.ts";
import { reanchorArticle } from "./reanchor.ts";

/** Articles read at a time by the start-up's pass over those behind, which then resumes them one by one. */
const BEHIND_PAGE = 100;

/**
 * Re-anchorings per article, one after another: a correction made here, and a resumption started by a
 * document's load meanwhile, would otherwise move the same targets twice.
 */
const turns = new KeyedTurns();
/** A resumption queued and not yet begun, per article: loads, retries and the start-up share it. */
const queued = new Map<string, Promise<void>>();

/**
 * After a resumption has failed, how long loads, reads and the start-up's pass leave the article alone (they
 * answer `ReanchoringBackedOff` at once): a failure that repeats (a bug met by one article's text, say) would
 * otherwise cost a whole re-anchoring per load or read of that article (docs/architecture.md, "Anchoring").
 */
export const FAILED_BACKOFF_MS = 10_000;
/** Articles whose resumption failed, and until when it is not started again; bounded, oldest out first. */
const failedUntil = new Map<string, number>();
const MAX_FAILED = 10_000;

/** A resumption not started: the article's last one failed less than FAILED_BACKOFF_MS ago. */
export class ReanchoringBackedOff extends Error {
  constructor(readonly articleId: string) {
    super(`re-anchoring of article ${articleId} failed a moment ago; left alone for now`);
    this.name = "ReanchoringBackedOff";
  }
}

/** Whether the article's last resumption failed less than FAILED_BACKOFF_MS ago. */
export const backedOff = (articleId: string) => (failedUntil.get(articleId) ?? 0) > Date.now();

function backOff(articleId: string) {
  failedUntil.delete(articleId);
  failedUntil.set(articleId, Date.now() + FAILED_BACKOFF_MS);
  for (const oldest of failedUntil.keys()) {
    if (failedUntil.size <= MAX_FAILED) break;
    failedUntil.delete(oldest);
  }
}

/** A correction made here: re-anchored in turn (`turns`). */
export function reanchorInTurn(...args: Parameters<typeof reanchorArticle>): ReturnType<typeof reanchorArticle> {
  return turns.run(args[2].id, () => reanchorArticle(...args));
}

/**
 * Finishes a correction's re-anchoring that was cut short (docs/architecture.md, "Anchoring"): the revision
 * was committed, and the process that moved the annotations stopped, or failed, before `anchored_revision`
 * reached it. Resolves at once when the article is up to date. Another process may be moving the same
 * annotations meanwhile; both place a target the same way, and each leaves alone one the other has moved.
 * Rejects at once with `ReanchoringBackedOff` while a failure backs the article off, unless `retryNow` (a
 * moderator sending the correction again).
 */
export function resumeReanchoring(db: Db, hub: SyncHub, articleId: string, { retryNow = false } = {}): Promise<void> {
  const waiting = queued.get(articleId);
  if (waiting) return waiting;
  if (!retryNow && backedOff(articleId)) return Promise.reject(new ReanchoringBackedOff(articleId));
  const run = turns
    .run(articleId, () => {
      queued.delete(articleId);
      return resume(db, hub, articleId);
    })
    .then(
      () => void failedUntil.delete(articleId),
      (err: unknown) => {
        backOff(articleId);
        throw err;
      },
    );
  queued.set(articleId, run);
  return run;
}

/** The same, for a caller that waits for nobody (a document's load): a failure is logged. Never rejects. */
export function resumeInBackground(db: Db, hub: SyncHub, logger: Logger, articleId: string): Promise<void> {
  return resumeReanchoring(db, hub, articleId).catch((err: unknown) => logFailure(logger, err, articleId));
}

/**
 * At start-up: every article whose re-anchoring is behind, oldest correction first, one at a time, read a page
 * at a time after the last one seen, so that an article that fails is not met again. Not awaited by readiness: a
 * re-anchor of a large article takes seconds. Loads and retried corrections resume their own meanwhile.
 */
export async function resumeBehind(db: Db, hub: SyncHub, logger: Logger, pageSize = BEHIND_PAGE): Promise<void> {
  // The time goes round as text: a Date keeps milliseconds, and the stored microseconds would then compare
  // after it, meeting the same article again.
  let after: { updatedAt: string; id: string } | null = null;
  let resumed = 0;
  for (;;) {
    const behind: { id: string; updatedAt: string }[] = await db
      .select({ id: articles.id, updatedAt: sql<string>`${articles.updatedAt}::text` })
      .from(articles)
      .where(
        and(
          lt(articles.anchoredRevision, articles.currentRevision),
          after ? sql`(${articles.updatedAt}, ${articles.id}) > (${after.updatedAt}::timestamptz, ${after.id})` : undefined,
        ),
      )
      .orderBy(asc(articles.updatedAt), asc(articles.id))
      .limit(pageSize);
    if (!behind.length) break;
    if (!after) logger.info("resuming re-anchoring that a stop cut short");
    for (const { id } of behind) {
      try {
        await resumeReanchoring(db, hub, id);
        resumed++;
      } catch (err) {
        logFailure(logger, err, id);
        if (err instanceof ShuttingDown) return;
      }
    }
    after = behind[behind.length - 1]!;
  }
  if (after) logger.info({ articles: resumed }, "re-anchoring that a stop cut short resumed");
}

async function resume(db: Db, hub: SyncHub, articleId: string): Promise<void> {
  const previous = alias(articleRevisions, "previous");
  // Filtered in the query, so that an article up to date (nearly always) costs no text read.
  const [row] = await db
    .select({
      groupId: articles.groupId,
      revision: articleRevisions.number,
      text: articleRevisions.text,
      previousLength: sql<number | null>`char_length(${previous.text})`,
    })
    .from(articles)
    .innerJoin(articleRevisions, and(eq(articleRevisions.articleId, articles.id), eq(articleRevisions.number, articles.currentRevision)))
    .leftJoin(previous, and(eq(previous.articleId, articles.id), eq(previous.number, sql`${articles.currentRevision} - 1`)))
    .where(and(eq(articles.id, articleId), lt(articles.anchoredRevision, articles.currentRevision)));
  if (!row) return;
  await reanchorArticle(db, hub, { id: articleId, groupId: row.groupId }, { length: row.previousLength ?? 0 }, { revision: row.revision, text: row.text });
}

function logFailure(logger: Logger, err: unknown, articleId: string) {
  // Its failure was logged when it failed; the next load after the backoff tries again.
  if (err instanceof ReanchoringBackedOff) logger.debug({ article: articleId }, "re-anchoring failed a moment ago: left for a later load");
  // A stop leaves it behind, for the next start.
  else if (err instanceof ShuttingDown) logger.info({ article: articleId }, "re-anchoring left for the next start");
  else logger.error({ err, article: articleId }, "re-anchoring that a stop cut short could not be resumed");
}
