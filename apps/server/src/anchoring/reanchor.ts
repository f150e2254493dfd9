import { eq, like, or } from "drizzle-orm";
import {
  type AnnotationValue,
  CodePointIndex,
  annotationsOf,
  buildTarget,
  judgementBeforeMove,
  parseRoom,
  readAnnotation,
  resolveTarget,
} from "@marginalia/schema";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { contextFor } from "../documents/context.ts";
import type { SyncHub } from "../sync/hub.ts";

export type ReanchorSummary = { anchored: number; fuzzy: number; orphaned: number; documents: number };

/** Every stored document of an article: the group's and each member's private one. */
async function documentsOf(db: Db, articleId: string): Promise<string[]> {
  const pattern = `article:${articleId}:private:%`;
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
 */
export async function reanchorArticle(
  db: Db,
  hub: SyncHub,
  article: { id: string; groupId: string },
  from: { text: string },
  to: { revision: number; text: string },
): Promise<ReanchorSummary> {
  const summary: ReanchorSummary = { anchored: 0, fuzzy: 0, orphaned: 0, documents: 0 };
  const index = new CodePointIndex(to.text);
  const oldLength = new CodePointIndex(from.text).length;
  for (const name of await documentsOf(db, article.id)) {
    const room = parseRoom(name);
    if (!room) continue;
    summary.documents++;
    await hub.change(contextFor(room, article.groupId, to.revision), { userId: null }, (doc) => {
      for (const map of annotationsOf(doc).values()) {
        const value = readAnnotation(map);
        if (!value.target || value.target.revision >= to.revision) continue;
        const anchor = resolveTarget(index, value.target, { oldLength });
        summary[anchor.state]++;
        // A verdict stays pinned to the passage it was given on (docs/architecture.md, "Verdicts pinned to the text").
        const judged = judgementBeforeMove(value);
        if (judged) map.set("judged", judged);
        for (const [key, field] of Object.entries(changesFor(anchor, index, to.revision))) map.set(key, field);
      }
    });
  }
  return summary;
}

function changesFor(
  anchor: ReturnType<typeof resolveTarget>,
  index: CodePointIndex,
  revision: number,
): Partial<AnnotationValue> {
  if (anchor.state === "orphaned") return { anchor: { state: "orphaned", score: anchor.score, revision } };
  return {
    target: buildTarget(index, anchor, revision),
    anchor: anchor.state === "anchored" ? { state: "anchored" } : { state: "fuzzy", score: anchor.score },
  };
}
