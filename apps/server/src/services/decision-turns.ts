import { eq } from "drizzle-orm";
import { annotations } from "@marginalia/schema/tables";
import { type Db, underLock } from "../db.ts";
import { ApiError } from "../errors.ts";
import { KeyedTurns } from "../keyed-turns.ts";
import type { SyncHub } from "../sync/hub.ts";

/**
 * Moderation decisions on one article's annotations, and their authors' deletes, take turns, each reading
 * what the one before decided (docs/architecture.md, "The policy"): two hides, or an approval and a
 * rejection, made at once both succeeded, with two log entries and two notices for one change; a delete
 * through one process and a publish through another both succeeded, on copies of the document that had not
 * heard of each other. Keyed by article, since a reveal moves a passage's reviews together and a hide a
 * thread. The turns order this process's work; the database's lock orders it across processes sharing it
 * (the turns keep to one connection per article here held waiting for it).
 */
const decisions = new KeyedTurns();

export function inDecisionTurn<T>(db: Db, hub: Copies, articleId: string, decide: () => Promise<T>): Promise<T> {
  return inArticleTurn(db, articleId, () => {
    // The turn before may have been taken through another process, whose writes can reach copies here later.
    hub.mayTrail(articleId);
    return decide();
  });
}

/**
 * The article's turn, without telling its copies they may trail: for work that writes nothing new but must not
 * overlap a decision, as a row written again (sync/persist/reprojection.ts), which no decision may commit under.
 */
export function inArticleTurn<T>(db: Db, articleId: string, fn: () => Promise<T>): Promise<T> {
  return decisions.run(articleId, () => underLock(db, `moderation:${articleId}`, fn));
}

type Copies = Pick<SyncHub, "mayTrail">;

/** The annotation's turn, found by its id (its stored article); an id stored nowhere takes a turn of its own. */
export async function inAnnotationTurn<T>(db: Db, hub: Copies, annotationId: string, decide: () => Promise<T>): Promise<T> {
  const [found] = await db.select({ articleId: annotations.articleId }).from(annotations).where(eq(annotations.id, annotationId));
  return inDecisionTurn(db, hub, found?.articleId ?? annotationId, decide);
}

export type StoredState = { status: (typeof annotations.$inferSelect)["status"]; docName: string };

/** The annotation's status and document as stored now: what every process's last committed change left. */
export async function storedState(db: Db, annotationId: string): Promise<StoredState | null> {
  const [current] = await db.select({ status: annotations.status, docName: annotations.docName }).from(annotations).where(eq(annotations.id, annotationId));
  return current ?? null;
}

export const changedMeanwhile = () => new ApiError("conflict", "The annotation changed while this was being decided: reload it and decide again");
