import { and, notExists, eq } from "drizzle-orm";
import { articles, docClientIds, docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import { ofArticle } from "./of-article.ts";

/**
 * Deletes an article's documents' logs, snapshots and client ids, which are keyed by document name and so
 * do not cascade with its rows: inside the deletion's transaction, and again on each process once what it
 * was writing for the article has settled, for a commit that landed after the deletion's (docs/sync.md,
 * "6. Acknowledgements"). Only ever of an article that no longer exists: run for one that does (an event
 * that named it by mistake), it deletes nothing.
 */
export async function forgetArticleDocuments(db: Db | Tx, articleId: string): Promise<void> {
  const gone = notExists(db.select({ id: articles.id }).from(articles).where(eq(articles.id, articleId)));
  await db.delete(docUpdates).where(and(ofArticle(docUpdates.docName, articleId), gone));
  await db.delete(docSnapshots).where(and(ofArticle(docSnapshots.docName, articleId), gone));
  await db.delete(docClientIds).where(and(ofArticle(docClientIds.docName, articleId), gone));
}
