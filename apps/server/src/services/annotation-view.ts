import { type InferSelectModel, eq } from "drizzle-orm";
import { type Role, withTitle } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";
import { type NameBook, nameBook } from "./identities.ts";

export type AnnotationRow = InferSelectModel<typeof annotations>;

/**
 * The API's JSON for one projected annotation, with people named as `book`'s
 * viewer may see them: by member id, and by name or pseudonym.
 */
export function presentAnnotation(row: AnnotationRow, book: NameBook) {
  return {
    id: row.id,
    articleId: row.articleId,
    groupId: row.groupId,
    kind: row.kind,
    author: book.person(row.authorId),
    visibility: row.visibility,
    status: row.status,
    revision: row.revision,
    target: row.target,
    body: row.body,
    language: row.language,
    tags: row.tags,
    color: row.color,
    factcheck:
      row.kind === "factcheck" || row.claim !== null
        ? { claim: row.claim, verdict: row.verdict, confidence: row.confidence, sources: row.sources.map(withTitle) }
        : null,
    resolved: row.resolved,
    parentId: row.parentId,
    assignment: row.assignees.length ? { assignees: row.assignees.flatMap((id) => book.id(id) ?? []), dueAt: row.dueAt } : null,
    anchor: { state: row.anchorState, score: row.anchorScore },
    stale: row.stale,
    staleness: row.staleness,
    votes: { agree: row.votesAgree, disagree: row.votesDisagree },
    canonical: row.canonical,
    via: row.via,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    editedAt: row.editedAt,
  };
}

export type AnnotationView = ReturnType<typeof presentAnnotation>;

/** Who is looking, for an annotation reached through `annotationAccess`. */
export const viewerOf = (access: { account: string; role: Role }) => ({ id: access.account, role: access.role });

/**
 * The projected row, once a write through the document has committed, with
 * its author named as `viewer` may see them (anonymous groups).
 */
export async function presentById(db: Db, id: string, viewer: { id: string; role: Role }) {
  const [row] = await db.select().from(annotations).where(eq(annotations.id, id));
  if (!row) throw notFound("Annotation");
  const book = await nameBook(db, row.groupId, viewer);
  return presentAnnotation(row, book);
}
