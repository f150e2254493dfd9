import { eq, like, or } from "drizzle-orm";
import { type Anchor, type AnnotationValue, CodePointIndex, type TextTarget, annotationsOf, buildTarget, judgementBeforeMove, parseRoom, readAnnotation } from "@marginalia/schema";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { contextFor } from "../documents/context.ts";
import { articleTexts } from "../sync/article-text.ts";
import type { SyncHub } from "../sync/hub.ts";
import { anchorWorker } from "./pool.ts";

export type ReanchorSummary = { anchored: number; fuzzy: number; orphaned: number; documents: number };

/** Annotations moved per transaction on a live document: each transaction is one short turn. */
const APPLY_SLICE = 500;

/**
 * Every stored document of an article: the group's, the hidden one (what moderators hid comes back on
 * the current revision when unhidden) and each member's private one.
 */
async function documentsOf(db: Db, articleId: string): Promise<string[]> {
  const pattern = `article:${articleId}:%`;
  const room = `article:${articleId}`;
  const [logged, snapshotted] = await Promise.all([
    db.selectDistinct({ name: docUpdates.docName }).from(docUpdates).where(or(eq(docUpdates.docName, room), like(docUpdates.docName, pattern))),
    db.select({ name: docSnapshots.docName }).from(docSnapshots).where(or(eq(docSnapshots.docName, room), like(docSnapshots.docName, pattern))),
  ]);
  return [...new Set([...logged, ...snapshotted].map((r) => r.name))];
}

/**
 * Moves every annotation of an article onto its new revision (docs/architecture.md,
 * "Anchoring"), in the live documents so that open readers see highlights move, and
 * through them in the projection. An annotation that cannot be placed with
 * confidence keeps its old target, with its quote, and is marked orphaned.
 *
 * Each document's targets are read in one transaction, resolved on the
 * re-anchoring worker (pool.ts) in slices, and written back in slices; a
 * target that someone changed meanwhile is left as they made it. `from.length`
 * is the replaced text's length in code points.
 */
export async function reanchorArticle(
  db: Db,
  hub: SyncHub,
  article: { id: string; groupId: string },
  from: { length: number },
  to: { revision: number; text: string },
): Promise<ReanchorSummary> {
  const summary: ReanchorSummary = { anchored: 0, fuzzy: 0, orphaned: 0, documents: 0 };
  // Sockets write targets on the new text from now on (sync/article-text.ts), on every process.
  const index = articleTexts.revised(article.id, to.revision, to.text);
  hub.access({ kind: "article-revised", articleId: article.id, revision: to.revision });
  for (const name of await documentsOf(db, article.id)) {
    const room = parseRoom(name);
    if (!room) continue;
    summary.documents++;
    const context = contextFor(room, article.groupId, to.revision);
    const pending: Array<{ id: string; target: TextTarget }> = [];
    await hub.change(context, { userId: null }, (doc) => {
      for (const [id, map] of annotationsOf(doc)) {
        const target = map.get("target") as TextTarget | null | undefined;
        if (target && target.revision < to.revision) pending.push({ id, target });
      }
    });
    const anchors = await anchorWorker.resolve(`${article.id}@${to.revision}`, to.text, from.length, pending.map((p) => p.target));
    for (let at = 0; at < pending.length; at += APPLY_SLICE) {
      await hub.change(context, { userId: null }, (doc) => {
        const annotations = annotationsOf(doc);
        for (let i = at; i < Math.min(pending.length, at + APPLY_SLICE); i++) {
          const { id, target } = pending[i]!;
          const map = annotations.get(id);
          // Yjs hands back the stored value itself: another object means someone set a new target.
          if (!map || map.get("target") !== target) continue;
          const anchor = anchors[i]!;
          summary[anchor.state]++;
          // A verdict stays pinned to the passage it was given on (docs/architecture.md, "Verdicts pinned to the text").
          const judged = judgementBeforeMove(readAnnotation(map));
          if (judged) map.set("judged", judged);
          for (const [key, field] of Object.entries(changesFor(anchor, index, to.revision))) map.set(key, field);
        }
      });
    }
  }
  return summary;
}

function changesFor(anchor: Anchor, index: CodePointIndex, revision: number): Partial<AnnotationValue> {
  if (anchor.state === "orphaned") return { anchor: { state: "orphaned", score: anchor.score, revision } };
  return {
    target: buildTarget(index, anchor, revision),
    anchor: anchor.state === "anchored" ? { state: "anchored" } : { state: "fuzzy", score: anchor.score },
  };
}
