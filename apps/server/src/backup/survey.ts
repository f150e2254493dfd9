import * as Y from "yjs";
import { annotationsOf, parseRoom } from "@marginalia/schema";
import type { BackupRecord, Header, RecordOf } from "./format.ts";
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
  /** Annotation ids by document: as the rows name them, and as the documents hold them. */
  const rowIds = new Map<string, Set<string>>();
  const heldIds = new Map<string, Set<string>>();
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
          const held = record.state === null ? new Set<string>() : annotationIds(record.state);
          if (!held) fail("its state is not a whole Yjs update");
          heldIds.set(record.name, held!);
        }
        if (record.type === "annotation") idsOf(rowIds, record.docName).add(record.id);
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
  const astray = disagreement(rowIds, heldIds);
  if (astray) throw new BackupError(`${file} does not agree with itself: ${astray}`);
  const records = Object.entries(counts).reduce((n, [type, c]) => n + (type === "account" ? 0 : c), 0);
  return {
    header,
    group,
    accounts: [...accounts.values()],
    ids: Object.fromEntries(KEPT_IDS.map((k) => [k, [...ids[k]]])) as Record<KeptIdKind, string[]>,
    records,
    counts,
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
 * The ids of the annotations a document's state holds; null when the bytes are not one Yjs update that
 * applies completely (nothing left waiting for missing parts). One reading serves both checks.
 */
function annotationIds(state64: string): Set<string> | null {
  const doc = new Y.Doc();
  let ids: Set<string> | null = null;
  try {
    Y.applyUpdate(doc, Buffer.from(state64, "base64"));
    if (doc.store.pendingStructs === null && doc.store.pendingDs === null) ids = new Set(annotationsOf(doc).keys());
  } catch {
    ids = null;
  } finally {
    doc.destroy();
  }
  return ids;
}

const idsOf = (map: Map<string, Set<string>>, docName: string): Set<string> => {
  let ids = map.get(docName);
  if (!ids) map.set(docName, (ids = new Set()));
  return ids;
};

/**
 * Where an annotation's row and its document part ways: members would see it
 * live and nowhere else (no listing, export or REST), or the reverse. Each is
 * the other's record of one annotation, written in one statement; a file in
 * which they differ was changed after it was written.
 */
function disagreement(rows: Map<string, Set<string>>, held: Map<string, Set<string>>): string | null {
  for (const name of new Set([...rows.keys(), ...held.keys()])) {
    const inRows = rows.get(name) ?? new Set<string>();
    const inDoc = held.get(name) ?? new Set<string>();
    const noRow = [...inDoc].find((id) => !inRows.has(id));
    if (noRow) return `the document ${name} holds the annotation ${noRow}, which has no annotation record`;
    const noDoc = [...inRows].find((id) => !inDoc.has(id));
    if (noDoc) return `the annotation ${noDoc} is recorded in ${name}, whose document does not hold it`;
  }
  return null;
}
