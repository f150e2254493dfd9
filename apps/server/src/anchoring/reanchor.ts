import { and, eq, lt } from "drizzle-orm";
import { type Anchor, type AnnotationValue, CodePointIndex, type TextTarget, annotationsOf, buildTarget, judgementBeforeMove, parseRoom, readAnnotation, sameTarget } from "@marginalia/schema";
import { articleRevisions, articles, docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { contextFor } from "../documents/context.ts";
import { ofArticle } from "../documents/of-article.ts";
import { articleTexts } from "../sync/authorize/article-text.ts";
import { readRevision } from "../sync/authorize/older-texts.ts";
import type { SyncHub } from "../sync/hub.ts";
import type { SliceJob } from "./jobs.ts";
import { anchorWorker } from "./pool.ts";

export type ReanchorSummary = { anchored: number; fuzzy: number; orphaned: number; documents: number };

/**
 * Annotations moved per transaction on a live document: each transaction, with the update it makes and
 * what that update sets off (fan-out, the commit's rows), is one turn. 500 a turn held the loop 55–75 ms
 * on a busy 2-core host while a correction moved 10,000.
 */
const APPLY_SLICE = 100;

/**
 * Every stored document of an article: the group's, the hidden one (what moderators hid comes back on
 * the current revision when unhidden) and each member's private one.
 */
async function documentsOf(db: Db, articleId: string): Promise<string[]> {
  const [logged, snapshotted] = await Promise.all([
    db.selectDistinct({ name: docUpdates.docName }).from(docUpdates).where(ofArticle(docUpdates.docName, articleId)),
    db.select({ name: docSnapshots.docName }).from(docSnapshots).where(ofArticle(docSnapshots.docName, articleId)),
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
  // Read before the new text replaces it here.
  const replaced = await textBefore(db, article.id, to.revision - 1);
  const before = async () => (replaced === null ? undefined : { revision: to.revision - 1, text: replaced });
  // Sockets write targets on the new text from now on (sync/authorize/article-text.ts), on every process.
  const index = articleTexts.revised(article.id, to.revision, to.text);
  hub.access({ kind: "article-revised", articleId: article.id, revision: to.revision, previousLength: from.length });
  const names = await documentsOf(db, article.id);
  const move = (name: string) => moveTargets(hub, { ...article, name }, index, { ...from, before }, to, summary);
  try {
    for (const name of names) if (await move(name)) summary.documents++;
    // Work that another process took on the old text before it heard of this revision reaches this one
    // over the relay meanwhile: moved too, and that process moves what it still has (reanchorStragglers).
    // Read again, for a document first stored after the first reading.
    for (const name of await documentsOf(db, article.id)) if ((await move(name)) && !names.includes(name)) summary.documents++;
  } finally {
    anchorWorker.done(revisionKey(article.id, to.revision));
  }
  // Only now, once every move is durable (hub.change): a correction cut short before this is resumed (resume.ts).
  await db
    .update(articles)
    .set({ anchoredRevision: to.revision })
    .where(and(eq(articles.id, article.id), lt(articles.anchoredRevision, to.revision)));
  return summary;
}

/**
 * Moves what this process's loaded documents hold on a revision before the current one
 * (docs/architecture.md, "Anchoring"): work its sockets wrote on the old text before it learned of a
 * revision made elsewhere, or made offline on an earlier text. The hub calls it a moment after either
 * (SyncHub.onOlderTargets), so that the revising process's own moves have usually arrived; one moved
 * twice is moved the same way.
 */
export async function reanchorStragglers(db: Db, hub: SyncHub, event: { articleId: string; revision: number; previousLength?: number }) {
  const [current] = await db
    .select({ groupId: articles.groupId, revision: articleRevisions.number, text: articleRevisions.text })
    .from(articles)
    .innerJoin(articleRevisions, and(eq(articleRevisions.articleId, articles.id), eq(articleRevisions.number, articles.currentRevision)))
    .where(eq(articles.id, event.articleId));
  // A later revision moves everything again, where it was made and here.
  if (!current || current.revision !== event.revision) return;
  const index = new CodePointIndex(current.text);
  const summary: ReanchorSummary = { anchored: 0, fuzzy: 0, orphaned: 0, documents: 0 };
  const article = { id: event.articleId, groupId: current.groupId };
  const loaded = (await documentsOf(db, event.articleId)).filter((name) => hub.isLoaded(name));
  if (loaded.length === 0) return;
  // Work on the text just replaced is placed with the same edit map as the revising process used. Read only
  // once a document has something to move: usually none has, and the text can be megabytes.
  let replaced: Promise<string | null> | undefined;
  const before = async () => {
    replaced ??= textBefore(db, event.articleId, current.revision - 1);
    const text = await replaced;
    return text === null ? undefined : { revision: current.revision - 1, text };
  };
  const from = { length: event.previousLength ?? 0, before };
  try {
    for (const name of loaded) await moveTargets(hub, { ...article, name }, index, from, current, summary);
  } finally {
    anchorWorker.done(revisionKey(article.id, current.revision));
  }
}

/** Moves one document's targets that are on revisions before `to` and not yet judged orphaned on it; false for a name that is no room. */
async function moveTargets(
  hub: SyncHub,
  doc: { id: string; groupId: string; name: string },
  index: CodePointIndex,
  from: { length: number; before: () => Promise<SliceJob["before"]> },
  to: { revision: number; text: string },
  summary: ReanchorSummary,
): Promise<boolean> {
  const room = parseRoom(doc.name);
  if (!room) return false;
  const context = contextFor(room, doc.groupId, to.revision);
  const pending: Array<{ id: string; target: TextTarget }> = [];
  await hub.change(context, { userId: null }, (ydoc) => {
    for (const [id, map] of annotationsOf(ydoc)) {
      const target = map.get("target") as TextTarget | null | undefined;
      const anchor = map.get("anchor") as AnnotationValue["anchor"] | undefined;
      if (anchor?.state === "orphaned" && (anchor.revision ?? 0) >= to.revision) continue;
      if (target && target.revision < to.revision) pending.push({ id, target });
    }
  });
  if (pending.length === 0) return true;
  const anchors = await anchorWorker.resolve(revisionKey(doc.id, to.revision), to.text, from.length, pending.map((p) => p.target), await from.before());
  for (let at = 0; at < pending.length; at += APPLY_SLICE) {
    await hub.change(context, { userId: null }, (ydoc) => {
      const annotations = annotationsOf(ydoc);
      for (let i = at; i < Math.min(pending.length, at + APPLY_SLICE); i++) {
        const { id, target } = pending[i]!;
        const map = annotations.get(id);
        // Someone set a new target meanwhile. Compared by value: a document unloaded and loaded again while the
        // worker resolved hands back equal targets as new objects.
        if (!map || !sameTarget(map.get("target") as TextTarget | undefined, target)) continue;
        const anchor = anchors[i]!;
        summary[anchor.state]++;
        // A verdict stays pinned to the passage it was given on (docs/architecture.md, "Verdicts pinned to the text").
        const judged = judgementBeforeMove(readAnnotation(map));
        if (judged) map.set("judged", judged);
        for (const [key, field] of Object.entries(changesFor(anchor, index, to.revision))) map.set(key, field);
      }
    });
  }
  return true;
}

/** The replaced revision's text, for an edit map: as this process held it for its sockets, else as stored. */
async function textBefore(db: Db, articleId: string, revision: number): Promise<string | null> {
  return articleTexts.indexOf(articleId, revision)?.text ?? (await readRevision(db, articleId, revision));
}

/** What names an article's revision on the worker: the documents of one article share its index and edit map. */
const revisionKey = (articleId: string, revision: number) => `${articleId}@${revision}`;

function changesFor(anchor: Anchor, index: CodePointIndex, revision: number): Partial<AnnotationValue> {
  if (anchor.state === "orphaned") return { anchor: { state: "orphaned", score: anchor.score, revision } };
  return {
    target: buildTarget(index, anchor, revision),
    anchor: anchor.state === "anchored" ? { state: "anchored" } : { state: "fuzzy", score: anchor.score },
  };
}
