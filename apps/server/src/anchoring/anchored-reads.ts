import { type SQL, and, eq, lt, sql } from "drizzle-orm";
import { articles } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import { ApiError } from "../errors.ts";
import type { SyncHub } from "../sync/hub.ts";
import { backedOff, resumeReanchoring } from "./resume.ts";

/**
 * Reads that serve placements wait for an article's re-anchoring (docs/architecture.md, "Anchoring"): a
 * correction commits its revision before it moves the annotations, a slice at a time, and a read in between
 * mixed targets on both texts under the new revision's number. A read finds the article behind in a
 * statement it makes anyway (`articleBehind`, an index lookup of the article's row in the same snapshot as
 * the rows served), throws `reanchoringBehind()`, and `readAnchored` waits for the moves, then reads again.
 */

/** How long a read waits for the moves before it answers 503: a 10,000-annotation correction takes a few seconds. */
export const REANCHOR_WAIT_MS = 5_000;
/** The wait in force: tests on a loaded host raise it, so that what they check is the answer, not the host's speed. */
export const anchoredReadWait = { ms: REANCHOR_WAIT_MS };
const RETRY_AFTER_SECONDS = 2;

/** Whether the article's annotations are not yet all on its current revision, as one statement's snapshot sees it. */
export const articleBehind = (articleId: string | SQL) =>
  sql<boolean>`(select ${articles.anchoredRevision} < ${articles.currentRevision} from ${articles} where ${articles.id} = ${articleId})`.mapWith(Boolean);

/**
 * The group's articles whose annotations are not yet all on their current revision, as one statement's snapshot
 * sees them: a group's listing spans them all (an index scan of the group's articles, evaluated once).
 */
export const groupArticlesBehind = (groupId: string) =>
  sql<string[]>`array(select ${articles.id} from ${articles} where ${articles.groupId} = ${groupId} and ${articles.anchoredRevision} < ${articles.currentRevision})`;

/** The same, read on its own: for a listing of the group that found no rows to carry it. */
export async function groupArticlesBehindNow(db: Db | Tx, groupId: string): Promise<string[]> {
  const rows = await db
    .select({ id: articles.id })
    .from(articles)
    .where(and(eq(articles.groupId, groupId), lt(articles.anchoredRevision, articles.currentRevision)));
  return rows.map((r) => r.id);
}

/** What a row of `articles` read for access says: a read of it waits before reading (readAnchored's `behind`). */
export const behindNow = (article: { anchoredRevision: number; currentRevision: number }) => article.anchoredRevision < article.currentRevision;

/** The refusal a read that found articles behind throws; `articleIds`, when the read spans several, names those behind. */
export const reanchoringBehind = (articleIds?: readonly string[]) =>
  Object.assign(new ApiError("reanchoring", "The article's annotations are being moved onto its corrected text; try again shortly"), { retryAfterSeconds: RETRY_AFTER_SECONDS, articleIds });

const behindIn = (err: unknown): readonly string[] | null => (err instanceof ApiError && err.code === "reanchoring" ? ((err as { articleIds?: readonly string[] }).articleIds ?? []) : null);

/** Of a read of several articles, those it waits for: not those whose re-anchoring failed a moment ago (readAnchored). */
export const stillToWaitFor = (articleIds: readonly string[]) => articleIds.filter((id) => !backedOff(id));

/**
 * Runs `read`, and when it finds articles behind, joins this process's re-anchoring of each (resume.ts, which
 * is safe beside another process's) and reads again, until `waitMs` has passed: then the refusal stands (503).
 * `articleId`: the article read, or null for a read of several, whose refusal names those behind.
 * `behind`: what the request's access read already said, so that a read known to be behind waits first.
 * An article whose re-anchoring failed a moment ago is not started again (resume.ts, FAILED_BACKOFF_MS): a read of
 * it answers 503 at once, while a read of several serves that article's rows as they stand, so that one article
 * whose moves keep failing does not take its whole group's listing down with it.
 */
export async function readAnchored<T>(deps: { db: Db; hub: SyncHub }, articleId: string | null, read: () => Promise<T>, behind = false, waitMs = anchoredReadWait.ms): Promise<T> {
  const deadline = Date.now() + waitMs;
  let waitFor: readonly string[] = behind && articleId ? [articleId] : [];
  for (;;) {
    if (waitFor.length) await caughtUp(deps, waitFor, deadline, articleId === null);
    try {
      return await read();
    } catch (err) {
      const named = behindIn(err);
      if (!named || Date.now() >= deadline) throw err;
      waitFor = named.length ? named : articleId ? [articleId] : [];
      if (!waitFor.length) throw err;
    }
  }
}

/**
 * Waits for the articles' re-anchorings, all at once, until `deadline`; throws the 503 if one is late, or, for
 * a read of one article, if it fails or is backed off. A read of several (`spansSeveral`) leaves those that
 * failed to be served as they stand (stillToWaitFor) and reads again.
 */
async function caughtUp(deps: { db: Db; hub: SyncHub }, articleIds: readonly string[], deadline: number, spansSeveral: boolean): Promise<void> {
  const left = deadline - Date.now();
  const waitOn = spansSeveral ? stillToWaitFor(articleIds) : articleIds;
  if (left <= 0 || (!spansSeveral && articleIds.some(backedOff))) throw reanchoringBehind(articleIds);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), left)));
  const moves = Promise.all(waitOn.map((id) => resumeReanchoring(deps.db, deps.hub, id))).then(() => "done" as const, () => "failed" as const);
  const outcome = await Promise.race([moves, bound]).finally(() => clearTimeout(timer));
  if (outcome === "late" || (outcome === "failed" && !spansSeveral)) throw reanchoringBehind(articleIds);
}

