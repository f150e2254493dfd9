import type { InferSelectModel } from "drizzle-orm";
import type { annotations } from "@marginalia/schema/tables";

export type AnnotationRow = InferSelectModel<typeof annotations>;

/** The API's JSON for one projected annotation. */
export function presentAnnotation(row: AnnotationRow, authorName?: string | null) {
  return {
    id: row.id,
    articleId: row.articleId,
    groupId: row.groupId,
    kind: row.kind,
    author: { id: row.authorId, name: authorName ?? null },
    visibility: row.visibility,
    status: row.status,
    revision: row.revision,
    target: row.target,
    body: row.body,
    tags: row.tags,
    color: row.color,
    factcheck:
      row.kind === "factcheck" || row.claim !== null
        ? { claim: row.claim, verdict: row.verdict, confidence: row.confidence, sources: row.sources }
        : null,
    resolved: row.resolved,
    parentId: row.parentId,
    anchor: { state: row.anchorState, score: row.anchorScore },
    votes: { agree: row.votesAgree, disagree: row.votesDisagree },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type AnnotationView = ReturnType<typeof presentAnnotation>;
