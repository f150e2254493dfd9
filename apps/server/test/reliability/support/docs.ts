import { eq } from "drizzle-orm";
import * as Y from "yjs";
import { annotationsOf, notesOf, readAnnotations, voteCounts, votesOf } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import type { Db } from "../../../src/db.ts";
import type { DocContext } from "../../../src/sync/projection.ts";

/** Everything a document holds, as plain data: annotations (bodies as strings), votes and notes. */
export function docState(doc: Y.Doc) {
  return {
    annotations: annotationsOf(doc).toJSON() as Record<string, unknown>,
    votes: votesOf(doc).toJSON() as Record<string, string>,
    notes: notesOf(doc).toString(),
  };
}

/** The state vector as a plain, comparable object. */
export function stateVector(doc: Y.Doc): Record<string, number> {
  return Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b));
}

/** A document rebuilt from an update (what the server loaded, or a snapshot of a live one). */
export function docFrom(update: Uint8Array | null): Y.Doc {
  const doc = new Y.Doc();
  if (update) Y.applyUpdate(doc, update);
  return doc;
}

/** The projection row fields that follow from the document, as the server must write them. */
export type ProjectedRow = {
  id: string;
  authorId: string | null;
  kind: string;
  status: string;
  body: string;
  tags: string[];
  resolved: boolean;
  parentId: string | null;
  votesAgree: number;
  votesDisagree: number;
  docName: string;
};

/** The rows the projection should hold for this document, sorted by id. */
export function expectedRows(doc: Y.Doc, docName: string): ProjectedRow[] {
  return readAnnotations(doc)
    .map((a) => {
      const votes = voteCounts(doc, a.id);
      return {
        id: a.id,
        authorId: a.authorId,
        kind: a.kind,
        status: a.status,
        body: a.body,
        tags: a.tags,
        resolved: a.resolved,
        parentId: a.parentId,
        votesAgree: votes.agree,
        votesDisagree: votes.disagree,
        docName,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** What the `annotations` table holds for an article, sorted by id. */
export async function projectedRows(db: Db, articleId: string): Promise<ProjectedRow[]> {
  const rows = await db
    .select({
      id: annotations.id,
      authorId: annotations.authorId,
      kind: annotations.kind,
      status: annotations.status,
      body: annotations.body,
      tags: annotations.tags,
      resolved: annotations.resolved,
      parentId: annotations.parentId,
      votesAgree: annotations.votesAgree,
      votesDisagree: annotations.votesDisagree,
      docName: annotations.docName,
    })
    .from(annotations)
    .where(eq(annotations.articleId, articleId));
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** The context of an article's group document, as the hub keys it. */
export function groupContext(article: { id: string; groupId: string }, revision = 1): DocContext {
  return { docName: `article:${article.id}`, articleId: article.id, groupId: article.groupId, visibility: "group", revision };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
