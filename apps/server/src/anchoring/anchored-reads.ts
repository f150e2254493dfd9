import { type SQL, sql } from "drizzle-orm";
import { articles } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { ApiError } from "../errors.ts";
import type { SyncHub } from "../sync/hub.ts";
import { resumeReanchoring } from "./resume.ts";

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
/**
 * After a re-anchoring that reads joined has failed, how long reads of that article answer 503 at once rather than
 * start it again: a failure that repeats (a bug met by one article's text, say) would otherwise cost a whole
 * re-anchoring per read of that article. Loads and the start-up's pass still try (resume.ts).
 */
export const FAILED_BACKOFF_MS = 10_000;
/** Articles whose re-anchoring failed for a read, and until when reads leave it alone; bounded, oldest out first. */
const failedUntil = new Map<string, number>();
const MAX_FAILED = 10_000;

/** Whether the article's annotations are not yet all on its current revision, as one statement's snapshot sees it. */
export const articleBehind = (articleId: string | SQL) =>
  sql<boolean>`(select ${articles.anchoredRevision} < ${articles.currentRevision} from ${articles} where ${articles.id} = ${articleId})`.mapWith(Boolean);

/** What a row of `articles` read for access says: a read of it waits before reading (readAnchored's `behind`). */
export const behindNow = (article: { anchoredRevision: number; currentRevision: number }) => article.anchoredRevision < article.currentRevision;

export const reanchoringBehind = () =>
  Object.assign(new ApiError("reanchoring", "The article's annotations are being moved onto its corrected text; try again shortly"), { retryAfterSeconds: RETRY_AFTER_SECONDS });

const isBehind = (err: unknown) => err instanceof ApiError && err.code === "reanchoring";

/**
 * Runs `read`, and when it finds the article behind, joins this process's re-anchoring of it (resume.ts, which
 * is safe beside another process's) and reads again, until `waitMs` has passed: then the refusal stands (503).
 * `behind`: what the request's access read already said, so that a read known to be behind waits first.
 */
export async function readAnchored<T>(deps: { db: Db; hub: SyncHub }, articleId: string, read: () => Promise<T>, behind = false, waitMs = anchoredReadWait.ms): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let wait = behind; ; wait = true) {
    if (wait) {
      const left = deadline - Date.now();
      if (left <= 0 || (failedUntil.get(articleId) ?? 0) > Date.now()) throw reanchoringBehind();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), left)));
      const caughtUp = resumeReanchoring(deps.db, deps.hub, articleId).then(() => "done" as const, () => "failed" as const);
      const outcome = await Promise.race([caughtUp, bound]).finally(() => clearTimeout(timer));
      if (outcome === "failed") backOff(articleId);
      else failedUntil.delete(articleId);
      if (outcome !== "done") throw reanchoringBehind();
    }
    try {
      return await read();
    } catch (err) {
      if (!isBehind(err) || Date.now() >= deadline) throw err;
    }
  }
}

function backOff(articleId: string) {
  failedUntil.delete(articleId);
  failedUntil.set(articleId, Date.now() + FAILED_BACKOFF_MS);
  for (const oldest of failedUntil.keys()) {
    if (failedUntil.size <= MAX_FAILED) break;
    failedUntil.delete(oldest);
  }
}
