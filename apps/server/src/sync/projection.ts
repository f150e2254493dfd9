import { and, eq, inArray, type InferInsertModel, sql } from "drizzle-orm";
import type { AnnotationValue } from "@marginalia/schema";
import { annotationTombstones, annotations } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";

export type DocContext = {
  docName: string;
  articleId: string;
  groupId: string;
  visibility: "group" | "private";
  /** The article's current revision, for annotations without a target. */
  revision: number;
};

type Row = InferInsertModel<typeof annotations>;

/**
 * The relational row for one annotation of a live document. A pure function
 * of the document's state, so that replaying the log rebuilds the same rows.
 */
export function projectAnnotation(
  value: AnnotationValue,
  votes: { agree: number; disagree: number },
  ctx: DocContext,
): Row {
  const { target, factcheck } = value;
  return {
    id: value.id,
    articleId: ctx.articleId,
    groupId: ctx.groupId,
    docName: ctx.docName,
    revision: target?.revision ?? ctx.revision,
    authorId: value.authorId,
    kind: value.kind,
    visibility: ctx.visibility,
    status: value.status,
    target,
    quote: target?.exact ?? null,
    startPos: target?.start ?? null,
    body: value.body,
    tags: value.tags,
    color: value.color,
    claim: factcheck?.claim ?? null,
    verdict: factcheck?.verdict ?? null,
    confidence: factcheck?.confidence ?? null,
    sources: factcheck?.sources ?? [],
    resolved: value.resolved,
    parentId: value.parentId,
    votesAgree: votes.agree,
    votesDisagree: votes.disagree,
    anchorState: value.anchor?.state ?? "anchored",
    anchorScore: value.anchor?.score ?? null,
    createdAt: new Date(value.createdAt),
    updatedAt: new Date(value.updatedAt),
  };
}

const UPDATED_COLUMNS = [
  "docName", "revision", "authorId", "kind", "visibility", "status", "target", "quote", "startPos", "body", "tags",
  "color", "claim", "verdict", "confidence", "sources", "resolved", "parentId", "votesAgree", "votesDisagree",
  "anchorState", "anchorScore", "updatedAt",
] as const satisfies readonly (keyof typeof annotations.$inferInsert)[];

const onConflictSet = Object.fromEntries(
  UPDATED_COLUMNS.map((key) => [key, sql.raw(`excluded."${annotations[key].name}"`)]),
);

/** Writes the projection of the touched annotations, in the caller's transaction. */
export async function writeProjection(tx: Tx, ctx: DocContext, upserts: Row[], removed: string[]) {
  if (upserts.length) {
    await tx.insert(annotations).values(upserts).onConflictDoUpdate({ target: annotations.id, set: onConflictSet });
    // An id that lives again (re-created, or approved into the group) is no longer gone.
    await tx.delete(annotationTombstones).where(inArray(annotationTombstones.id, upserts.map((r) => r.id)));
  }
  if (removed.length) {
    // Only this document's row: an approved annotation lives on under the group document.
    const gone = await tx
      .delete(annotations)
      .where(and(eq(annotations.docName, ctx.docName), inArray(annotations.id, removed)))
      .returning({ id: annotations.id });
    if (gone.length) {
      await tx
        .insert(annotationTombstones)
        .values(gone.map(({ id }) => ({ id, articleId: ctx.articleId, docName: ctx.docName })))
        .onConflictDoNothing();
    }
  }
}
