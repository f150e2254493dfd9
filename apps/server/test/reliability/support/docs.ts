import { eq } from "drizzle-orm";
import * as Y from "yjs";
import { annotationsOf, notesOf, readAnnotations, voteCounts, itemAt, votesOf } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import type { Db } from "../../../src/db.ts";
import { storableText } from "../../../src/storable-text.ts";
import type { DocContext } from "../../../src/sync/persist/projection.ts";

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

/** The projection row fields that follow from the document, as the server must write them (text as Postgres can store it). */
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
        body: storableText(a.body),
        tags: a.tags.map(storableText),
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

/**
 * Where two copies of a document differ, item by item, for a failure message: the annotations whose
 * values differ, with every item each side keeps under each of their keys (id, origins, deleted or
 * not, content), and what each side holds aside as pending. Convergence failures under fuzzing come
 * from one struct's placement; the values alone do not say which.
 */
export function divergence(a: Y.Doc, b: Y.Doc): string {
  const lines: string[] = [];
  const id = (ref: Y.ID | null) => (ref ? `${ref.client}:${ref.clock}` : "-");
  const keyChain = (map: Y.Map<unknown>, key: string) => {
    const items: string[] = [];
    for (let item = itemAt(map, key) ?? null; item; item = item.left) {
      const content = item.content instanceof Y.ContentType ? item.content.type.constructor.name : JSON.stringify(item.content.getContent()).slice(0, 40);
      items.unshift(`${id(item.id)}${item.deleted ? "(del)" : ""} o=${id(item.origin)} r=${id(item.rightOrigin)} ${content}`);
    }
    return items.join(" | ");
  };
  const aAnn = annotationsOf(a);
  const bAnn = annotationsOf(b);
  for (const key of new Set([...aAnn.keys(), ...bAnn.keys()])) {
    const x = aAnn.get(key);
    const y = bAnn.get(key);
    if (JSON.stringify(x?.toJSON()) === JSON.stringify(y?.toJSON())) continue;
    lines.push(`annotation ${key}: ${JSON.stringify(x?.toJSON())} vs ${JSON.stringify(y?.toJSON())}`);
    lines.push(`  root key: ${keyChain(aAnn as Y.Map<unknown>, key)} vs ${keyChain(bAnn as Y.Map<unknown>, key)}`);
    for (const field of new Set([...(x?.keys() ?? []), ...(y?.keys() ?? [])])) {
      const chains = [x, y].map((m) => (m ? keyChain(m as Y.Map<unknown>, field) : "none"));
      if (chains[0] !== chains[1]) lines.push(`  ${field}: ${chains[0]}  vs  ${chains[1]}`);
    }
  }
  const pending = (doc: Y.Doc) => {
    const p = doc.store.pendingStructs;
    const structs = p ? Y.decodeUpdate(p.update).structs.map((s) => `${id(s.id)}+${s.length}`).join(",") : "none";
    return `structs ${structs} missing ${p ? JSON.stringify([...p.missing]) : "-"}; ds ${doc.store.pendingDs ? "yes" : "none"}`;
  };
  lines.push(`pending: ${pending(a)}  vs  ${pending(b)}`);
  const ds = (doc: Y.Doc) => JSON.stringify([...Y.createDeleteSetFromStructStore(doc.store).clients].sort(([p], [q]) => p - q));
  if (ds(a) !== ds(b)) lines.push(`delete sets differ: ${ds(a).slice(0, 2_000)}  vs  ${ds(b).slice(0, 2_000)}`);
  return lines.join("\n");
}
