import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { type SQL, and, asc, count, eq, getTableColumns, gt, inArray, like, or } from "drizzle-orm";
import { parseRoom } from "@marginalia/schema";
import {
  annotationTombstones,
  annotations,
  articleRevisions,
  articles,
  docClientIds,
  docSnapshots,
  docUpdates,
  flags,
  groupInvitations,
  groups,
  memberIds,
  memberships,
  moderationLog,
  notifications,
  users,
} from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { DocStore } from "../sync/persist/doc-store.ts";
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupRecord, type Header } from "./format.ts";
import { userIdsOf } from "./users.ts";

/** Rows read per query: a large group streams through in pages and is never held whole. */
const PAGE = 500;
const { search: _generated, ...annotationColumns } = getTableColumns(annotations);

export type Progress = (done: number, total: number) => void;

/**
 * Writes the group's backup to `file`, gzip'd as it goes. Everything is read
 * in one read-only repeatable-read transaction, so the file is one consistent
 * moment of the group even while a server writes to it. The file appears
 * under its name only once complete. Returns the records written, by type.
 */
export async function writeBackup(db: Db, groupId: string, file: string, onProgress: Progress = () => {}) {
  const partial = `${file}.partial`;
  try {
    const counts = await db.transaction(
      async (tx) => {
        const source = new GroupReader(tx, groupId, onProgress);
        await pipeline(Readable.from(source.lines()), createGzip(), createWriteStream(partial));
        return source.counts;
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    await rename(partial, file);
    return counts;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

class GroupReader {
  readonly counts: Record<string, number> = {};
  private readonly referenced = new Set<string>();
  private done = 0;
  private total = 0;

  constructor(
    private readonly db: Db,
    private readonly groupId: string,
    private readonly onProgress: Progress,
  ) {}

  async *lines(): AsyncGenerator<string> {
    for await (const record of this.records()) {
      if (record.type !== "header" && record.type !== "end") this.counts[record.type] = (this.counts[record.type] ?? 0) + 1;
      for (const id of record.type === "header" ? [] : userIdsOf(record)) this.referenced.add(id);
      yield `${JSON.stringify(record)}\n`;
    }
  }

  private async *records(): AsyncGenerator<Header | BackupRecord> {
    const { db, groupId } = this;
    const [group] = await db.select().from(groups).where(eq(groups.id, groupId));
    if (!group) throw new Error(`No group has the id ${groupId}`);
    const articleRows = await db.select().from(articles).where(eq(articles.groupId, groupId)).orderBy(asc(articles.createdAt), asc(articles.id));
    const articleIds = articleRows.map((a) => a.id);
    const documents = await documentNames(db, articleIds);
    const [annotationCount] = await db.select({ n: count() }).from(annotations).where(eq(annotations.groupId, groupId));
    this.total = (annotationCount?.n ?? 0) + documents.length;
    this.onProgress(0, this.total);

    yield { type: "header", format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), groupId };
    yield { type: "group", ...group };
    // Before the memberships: adding one gives a member id unless the member has one already.
    const ids = await db.select().from(memberIds).where(eq(memberIds.groupId, groupId)).orderBy(asc(memberIds.userId));
    for (const { groupId: _group, ...memberId } of ids) yield { type: "memberId", ...memberId };
    const members = await db.select().from(memberships).where(eq(memberships.groupId, groupId)).orderBy(asc(memberships.createdAt), asc(memberships.userId));
    for (const { groupId: _group, ...member } of members) yield { type: "member", ...member };
    const invitations = await db.select().from(groupInvitations).where(eq(groupInvitations.groupId, groupId)).orderBy(asc(groupInvitations.createdAt), asc(groupInvitations.id));
    for (const invitation of invitations) yield { type: "invitation", ...invitation };

    for (const article of articleRows) {
      yield { type: "article", ...article };
      // Revisions are whole texts (up to 10 MiB each): a few at a time.
      const revisions = pages(
        (after?: number) =>
          db
            .select()
            .from(articleRevisions)
            .where(and(eq(articleRevisions.articleId, article.id), after === undefined ? undefined : gt(articleRevisions.number, after)))
            .orderBy(asc(articleRevisions.number))
            .limit(4),
        (r) => r.number,
        4,
      );
      for await (const revision of revisions) yield { type: "revision", ...revision };
    }

    const annotationRows = pages(
      (after?: string) =>
        db
          .select(annotationColumns)
          .from(annotations)
          .where(and(eq(annotations.groupId, groupId), after === undefined ? undefined : gt(annotations.id, after)))
          .orderBy(asc(annotations.id))
          .limit(PAGE),
      (a) => a.id,
    );
    for await (const annotation of annotationRows) {
      yield { type: "annotation", ...annotation };
      this.onProgress(++this.done, this.total);
    }

    if (articleIds.length) {
      const tombstones = await db.select().from(annotationTombstones).where(inArray(annotationTombstones.articleId, articleIds)).orderBy(asc(annotationTombstones.id));
      for (const tombstone of tombstones) yield { type: "tombstone", ...tombstone };
    }
    for await (const { id: _id, ...entry } of byId(db, moderationLog, eq(moderationLog.groupId, groupId))) yield { type: "moderation", ...entry };
    for await (const { id: _id, ...flag } of byId(db, flags, eq(flags.groupId, groupId))) yield { type: "flag", ...flag };
    if (articleIds.length) {
      for await (const { id: _id, ...notification } of byId(db, notifications, inArray(notifications.articleId, articleIds))) {
        yield { type: "notification", ...notification };
      }
    }

    const store = new DocStore(db);
    for (const name of documents) {
      const state = await store.state(name);
      const claims = await db.select().from(docClientIds).where(eq(docClientIds.docName, name)).orderBy(asc(docClientIds.clientId));
      const clientIds = claims.map(({ docName: _name, ...claim }) => claim);
      yield { type: "document", name, state: state ? Buffer.from(state).toString("base64") : null, clientIds };
      this.onProgress(++this.done, this.total);
    }

    // Last, once every record has named its users; a restore reads the whole file before writing.
    const referenced = [...this.referenced];
    for (let i = 0; i < referenced.length; i += PAGE) {
      const accounts = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(inArray(users.id, referenced.slice(i, i + PAGE))).orderBy(asc(users.id));
      for (const account of accounts) yield { type: "account", ...account };
    }
    yield { type: "end", counts: { ...this.counts } };
  }
}

/** Keyset pages of a query, in the order of its key. */
async function* pages<T, K>(page: (after?: K) => Promise<T[]>, keyOf: (row: T) => K, size = PAGE): AsyncGenerator<T> {
  let after: K | undefined;
  for (;;) {
    const rows = await page(after);
    yield* rows;
    if (rows.length < size) return;
    after = keyOf(rows.at(-1)!);
  }
}

type Logged = typeof moderationLog | typeof flags | typeof notifications;

/** The rows of a table with an identity id, in the order they were written. */
function byId<T extends Logged>(db: Db, table: T, where: SQL): AsyncGenerator<T["$inferSelect"]> {
  return pages(
    (after?: number) =>
      db
        .select()
        .from(table as Logged)
        .where(and(where, after === undefined ? undefined : gt(table.id, after)))
        .orderBy(asc(table.id))
        .limit(PAGE) as Promise<T["$inferSelect"][]>,
    (r) => r.id,
  );
}

/** Every stored document of these articles: group, hidden and private ones, whichever tables hold them. */
export async function documentNames(db: Db, articleIds: string[]): Promise<string[]> {
  const names = new Set<string>();
  const wanted = new Set(articleIds);
  for (let i = 0; i < articleIds.length; i += 100) {
    const some = articleIds.slice(i, i + 100);
    for (const table of [docUpdates, docSnapshots, docClientIds]) {
      const rows = await db
        .selectDistinct({ name: table.docName })
        .from(table)
        .where(or(...some.map((id) => like(table.docName, `article:${id}%`))));
      for (const { name } of rows) if (wanted.has(parseRoom(name)?.articleId ?? "")) names.add(name);
    }
  }
  return [...names].sort();
}
