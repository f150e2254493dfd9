import { type InferSelectModel, eq } from "drizzle-orm";
import { annotations, users } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";

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

/** The projected row, once a write through the document has committed. */
export async function presentById(db: Db, id: string) {
  const [found] = await db
    .select({ row: annotations, authorName: users.name })
    .from(annotations)
    .leftJoin(users, eq(users.id, annotations.authorId))
    .where(eq(annotations.id, id));
  if (!found) throw notFound("Annotation");
  return presentAnnotation(found.row, found.authorName);
}

