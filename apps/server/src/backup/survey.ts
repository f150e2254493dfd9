import * as Y from "yjs";
import { parseRoom } from "@marginalia/schema";
import { illFormedText } from "../http/well-formed.ts";
import type { BackupRecord, Header, RecordOf } from "./format.ts";
import { type Digest, agrees, differences, digestOf, projectDocument } from "./projected.ts";
import { BackupError, readBackupFile } from "./read.ts";
import { userIdsOf } from "./users.ts";

/** The kinds of record whose ids a restore keeps, and so must find free (or in the group it replaces). */
export const KEPT_IDS = ["article", "revision", "annotation", "invitation", "tombstone"] as const;
export type KeptIdKind = (typeof KEPT_IDS)[number];

export type Plan = {
  header: Header;
  group: RecordOf<"group">;
  accounts: RecordOf<"account">[];
  ids: Record<KeptIdKind, string[]>;
  /** Records to write (all but header, accounts and end), for progress. */
  records: number;
  counts: Record<string, number>;
  /** Annotation ids that flags, moderation and notifications name but the file holds no annotation or tombstone of. */
  named: string[];
};

/**
 * The first of a restore's two readings: checks the whole file (shape, order,
 * references, the end record's counts, that every document decodes) before
 * anything is written, and keeps only ids and accounts.
 */
export async function survey(file: string): Promise<Plan> {
  let header: Header | null = null;
  let group: RecordOf<"group"> | null = null;
  let end: RecordOf<"end"> | null = null;
  const ids = Object.fromEntries(KEPT_IDS.map((k) => [k, new Set<string>()])) as Record<KeptIdKind, Set<string>>;
  const documents = new Set<string>();
  /** Annotations by document: as the rows give them, and as the documents project them. */
  const rows = new Map<string, Map<string, Digest & { line: number }>>();
  const held = new Map<string, Map<string, Digest>>();
  /** Member ids to accounts, as the `memberId` records give them: documents name members by member id. */
  const accountOf = new Map<string, string>();
  const named = new Set<string>();
  const accounts = new Map<string, RecordOf<"account">>();
  const emails = new Set<string>();
  const referenced = new Set<string>();
  const counts: Record<string, number> = {};

  for await (const { line, record } of readBackupFile(file)) {
    const fail = (problem: string): never => {
      throw new BackupError(`line ${line} (${record.type}): ${problem}`);
    };
    if (!header) {
      if (record.type !== "header") fail("the file does not start with a header");
      header = record as Header;
      continue;
    }
    if (end) fail("a record after the end record");
    // The text rule the API applies to what it stores (storable-text.ts): a NUL would fail the write, and a lone surrogate would be stored changed.
    const text = illFormedText(record);
    if (text) fail(`${text.path.join(".")}: ${text.message}`);
    if (record.type !== "header" && record.type !== "end") {
      counts[record.type] = (counts[record.type] ?? 0) + 1;
      for (const id of userIdsOf(record)) referenced.add(id);
    }
    switch (record.type) {
      case "header":
        fail("a second header");
        break;
      case "group":
        if (group) fail("a second group");
        if (record.id !== header.groupId) fail("not the group the header names");
        group = record;
        break;
      case "account": {
        const email = record.email.trim().toLowerCase();
        if (accounts.has(record.id) || emails.has(email)) fail("an account listed twice");
        accounts.set(record.id, { ...record, email });
        emails.add(email);
        break;
      }
      case "end":
        end = record;
        break;
      default: {
        if (!group) fail("comes before the group record");
        const problem = misplaced(record, group!.id, ids.article);
        if (problem) fail(problem);
        const kept = keptId(record);
        if (kept) {
          if (ids[kept.kind].has(kept.id)) fail(`the id ${kept.id} appears twice`);
          ids[kept.kind].add(kept.id);
        }
        if (record.type === "document") {
          if (documents.has(record.name)) fail(`the document ${record.name} appears twice`);
          documents.add(record.name);
          const projected = record.state === null ? new Map<string, Digest>() : projectedDigests(record.state, record.name, group!.id, accountOf);
          if (!projected) fail("its state is not a whole Yjs update");
          held.set(record.name, projected!);
        }
        if (record.type === "memberId") accountOf.set(record.memberId, record.userId);
        if (record.type === "annotation") inDoc(rows, record.docName).set(record.id, { ...digestOf(record), line });
        if ((record.type === "flag" || record.type === "moderation" || record.type === "notification") && !ids.annotation.has(record.annotationId)) {
          if (!ids.tombstone.has(record.annotationId)) named.add(record.annotationId);
        }
      }
    }
  }
  if (!header || !group) throw new BackupError(`${file} holds no group`);
  if (!end) throw new BackupError(`${file} is cut short: its end record is missing`);
  for (const type of new Set([...Object.keys(counts), ...Object.keys(end.counts)])) {
    if ((counts[type] ?? 0) !== (end.counts[type] ?? 0)) {
      throw new BackupError(`${file} holds ${counts[type] ?? 0} ${type} records where its end record counts ${end.counts[type] ?? 0}`);
    }
  }
  for (const id of referenced) {
    if (!accounts.has(id)) throw new BackupError(`${file} names the user ${id} but lists no account for it`);
  }
  const astray = disagreement(rows, held);
  if (typeof astray === "string") throw new BackupError(`${file} does not agree with itself: ${astray}`);
  if (astray) throw new BackupError(await unlike(file, astray));
  const records = Object.entries(counts).reduce((n, [type, c]) => n + (type === "account" ? 0 : c), 0);
  return {
    header,
    group,
    accounts: [...accounts.values()],
    ids: Object.fromEntries(KEPT_IDS.map((k) => [k, [...ids[k]]])) as Record<KeptIdKind, string[]>,
    records,
    counts,
    named: [...named],
  };
}

/** What is wrong with where a record sits: its group, or an article not (yet) seen. */
function misplaced(record: BackupRecord, groupId: string, articles: Set<string>): string | null {
  const inGroup = (id: string | null) => (id === groupId ? null : "belongs to another group");
  const ofArticle = (id: string | null) => (id !== null && articles.has(id) ? null : "names an article that does not come before it");
  switch (record.type) {
    case "invitation":
    case "moderation":
    case "flag":
    case "article":
      return inGroup(record.groupId);
    case "annotation":
      return inGroup(record.groupId) ?? ofArticle(record.articleId);
    case "revision":
    case "tombstone":
    case "notification":
      return ofArticle(record.articleId);
    case "document":
      return ofArticle(parseRoom(record.name)?.articleId ?? null);
    default:
      return null;
  }
}

function keptId(record: BackupRecord): { kind: KeptIdKind; id: string } | null {
  return (KEPT_IDS as readonly string[]).includes(record.type) ? { kind: record.type as KeptIdKind, id: (record as { id: string }).id } : null;
}

/**
 * The rows a document's state projects, as digests; null when the bytes are not one Yjs update that
 * applies completely (nothing left waiting for missing parts). One reading serves both checks.
 */
function projectedDigests(state64: string, name: string, groupId: string, accountOf: ReadonlyMap<string, string>): Map<string, Digest> | null {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, Buffer.from(state64, "base64"));
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return null;
    return new Map([...projectDocument(doc, name, groupId, accountOf)].map(([id, row]) => [id, digestOf(row)]));
  } catch {
    return null;
  } finally {
    doc.destroy();
  }
}

function inDoc<V>(map: Map<string, Map<string, V>>, docName: string): Map<string, V> {
  let ids = map.get(docName);
  if (!ids) map.set(docName, (ids = new Map()));
  return ids;
}

type Unlike = { id: string; docName: string; line: number };

/**
 * Where an annotation's row and its document part ways: members would see it
 * live and nowhere else (no listing, export or REST), or the reverse, or the
 * row says what the document does not (another audience, another verdict).
 * Each is the other's record of one annotation, written in one statement; a
 * file in which they differ was changed after it was written.
 */
function disagreement(rows: Map<string, Map<string, Digest & { line: number }>>, held: Map<string, Map<string, Digest>>): string | Unlike | null {
  for (const name of new Set([...rows.keys(), ...held.keys()])) {
    const inRows = rows.get(name) ?? new Map<string, Digest & { line: number }>();
    const inDoc = held.get(name) ?? new Map<string, Digest>();
    const noRow = [...inDoc.keys()].find((id) => !inRows.has(id));
    if (noRow) return `the document ${name} holds the annotation ${noRow}, which has no annotation record`;
    const noDoc = [...inRows.keys()].find((id) => !inDoc.has(id));
    if (noDoc) return `the annotation ${noDoc} is recorded in ${name}, whose document does not hold it`;
    for (const [id, row] of inRows) if (!agrees(row, inDoc.get(id)!)) return { id, docName: name, line: row.line };
  }
  return null;
}

/** The message for a row unlike its document's projection, naming the columns: read again from the file, as this is rare. */
async function unlike(file: string, { id, docName, line }: Unlike): Promise<string> {
  let row: RecordOf<"annotation"> | null = null;
  const accountOf = new Map<string, string>();
  let columns: string[] = [];
  for await (const { record } of readBackupFile(file)) {
    if (record.type === "memberId") accountOf.set(record.memberId, record.userId);
    if (record.type === "annotation" && record.id === id) row = record;
    if (record.type !== "document" || record.name !== docName || !row || record.state === null) continue;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(record.state, "base64"));
    columns = differences(row, projectDocument(doc, docName, row.groupId, accountOf).get(id)!);
    doc.destroy();
    break;
  }
  return `line ${line} (annotation): the row does not match its document ${docName} (${columns.join(", ")}); rows are restored only as their documents project them`;
}
