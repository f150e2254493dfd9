import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
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
import { type Db, type Tx, isUniqueViolation, sqlState } from "../db.ts";
import type { BackupRecord, RecordOf } from "./format.ts";
import { BackupError, readBackupFile } from "./read.ts";
import { KEPT_IDS, type KeptIdKind, type Plan, survey } from "./survey.ts";
import { remapRecord } from "./users.ts";
import { type Progress, documentNames } from "./write.ts";

/**
 * What an account made by a restore holds instead of a password hash: no
 * password verifies against it (argon2 cannot parse it), so the account
 * cannot sign in until `marginalia set-password` gives it one.
 */
export const NO_PASSWORD_HASH = "!restored-without-password";

const CHUNK = 500;
/** Rows, and characters of JSON, per insert: revisions are whole texts. */
const BATCH_ROWS = 200;
const BATCH_CHARS = 4_000_000;

export type RestoreResult = {
  groupId: string;
  name: string;
  slug: string;
  /** The backup's slug was taken here by another group. */
  slugChanged: boolean;
  replaced: boolean;
  counts: Record<string, number>;
  /** Emails of the accounts this restore created, without a password. */
  created: string[];
};

/**
 * Loads a backup in one transaction: it refuses, writing nothing, when any
 * kept id exists here, unless `overwrite`, which replaces the backup's
 * group (and only that group) with the file's.
 */
export async function restoreBackup(db: Db, file: string, options: { overwrite?: boolean; onProgress?: Progress } = {}): Promise<RestoreResult> {
  const plan = await survey(file);
  const groupId = plan.group.id;
  return db.transaction(async (tx) => {
    const existing = await conflicts(tx, plan);
    if (existing.elsewhere.length) {
      throw new BackupError(`Nothing was restored: ${existing.elsewhere.join(", ")} of the backup belong to other groups here.`);
    }
    const strangers = await othersAnnotations(tx, plan);
    if (strangers.length) {
      throw new BackupError(`Nothing was restored: flags, moderation or notifications of the backup name ${strangers.length} annotation${strangers.length === 1 ? "" : "s"} of other groups here (${strangers[0]})`);
    }
    if (existing.here.length && !options.overwrite) {
      throw new BackupError(
        `Nothing was restored: ${existing.here.join(", ")} already exist here. Run with --overwrite to replace group ${groupId} with the backup.`,
      );
    }
    if (existing.here.length) await removeGroup(tx, plan);
    const { ids, created } = await matchAccounts(tx, plan.accounts);
    const slug = await freeSlug(tx, plan.group.slug);
    const writer = new RecordWriter(tx, groupId, slug);
    let done = 0;
    for await (const { record, bytes } of readBackupFile(file)) {
      if (record.type === "header" || record.type === "account" || record.type === "end") continue;
      await writer.add(remapRecord(record, ids), bytes);
      options.onProgress?.(++done, plan.records);
    }
    await writer.flush();
    return { groupId, name: plan.group.name, slug, slugChanged: slug !== plan.group.slug, replaced: existing.here.length > 0, counts: plan.counts, created };
  });
}

const TABLES = {
  group: groups,
  memberId: memberIds,
  member: memberships,
  invitation: groupInvitations,
  article: articles,
  revision: articleRevisions,
  annotation: annotations,
  tombstone: annotationTombstones,
  moderation: moderationLog,
  flag: flags,
  notification: notifications,
} as const;
type RowType = keyof typeof TABLES;

/** Inserts rows in file order, several at a time; documents go one by one. */
class RecordWriter {
  private type: RowType | null = null;
  private rows: Record<string, unknown>[] = [];
  private chars = 0;

  constructor(
    private readonly tx: Tx,
    private readonly groupId: string,
    private readonly slug: string,
  ) {}

  async add(record: BackupRecord, bytes: number) {
    if (record.type === "document") {
      await this.flush();
      return this.document(record);
    }
    const type = record.type as RowType;
    if (this.type !== type || this.rows.length >= BATCH_ROWS || this.chars + bytes > BATCH_CHARS) await this.flush();
    const { type: _type, ...row } = record as Record<string, unknown>;
    if (type === "group") row.slug = this.slug;
    if (type === "member" || type === "memberId") row.groupId = this.groupId;
    this.type = type;
    this.rows.push(row);
    this.chars += bytes;
  }

  async flush() {
    try {
      if (this.type && this.rows.length) await this.tx.insert(TABLES[this.type]).values(this.rows as never);
    } catch (err) {
      // The survey checks the ids a restore keeps; a record repeated under another key (a member listed twice)
      // meets the table's own rule here, and the whole restore rolls back.
      if (isUniqueViolation(err)) throw new BackupError(`Nothing was restored: the backup lists one ${this.type} twice`);
      throw unwritable(this.type, err);
    }
    this.rows = [];
    this.chars = 0;
  }

  private async document(record: RecordOf<"document">) {
    // One log row: loading reads it like any other, and compaction folds it into a snapshot in time.
    try {
      if (record.state !== null) {
        await this.tx.insert(docUpdates).values({ docName: record.name, update: new Uint8Array(Buffer.from(record.state, "base64")), userId: null });
      }
      if (record.clientIds.length) {
        await this.tx.insert(docClientIds).values(record.clientIds.map((c) => ({ docName: record.name, ...c })));
      }
    } catch (err) {
      throw unwritable("document", err);
    }
  }
}

/**
 * A write the survey did not foresee failing. The database's message quotes the statement with every
 * value of the batch (private notes among them): only the kind of record and the database's error code
 * are said.
 */
function unwritable(type: string | null, err: unknown): BackupError {
  const code = sqlState(err);
  return new BackupError(`Nothing was restored: the ${type} records could not be written${code ? ` (database error ${code})` : ""}`);
}

/**
 * Flags, moderation and notifications may name an annotation since deleted (the log outlives it), so an id
 * the file does not hold is let through; but not one of another group here, which its open flag or its
 * log would then reach.
 */
async function othersAnnotations(tx: Tx, plan: Plan): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < plan.named.length; i += CHUNK) {
    const chunk = plan.named.slice(i, i + CHUNK);
    const rows = await tx.select({ id: annotations.id, groupId: annotations.groupId }).from(annotations).where(inArray(annotations.id, chunk));
    const gone = await FIND.tombstone(tx, chunk);
    found.push(...[...rows, ...gone].filter((r) => r.groupId !== null && r.groupId !== plan.group.id).map((r) => r.id));
  }
  return found;
}

type Found = { id: string; groupId: string | null };

/** The backup's kept ids that exist here, sorted into those of its own group and those of others. */
async function conflicts(tx: Tx, plan: Plan): Promise<{ here: string[]; elsewhere: string[] }> {
  const groupId = plan.group.id;
  const here: string[] = [];
  const elsewhere: string[] = [];
  const [group] = await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId));
  if (group) here.push(`group ${groupId}`);
  for (const kind of KEPT_IDS) {
    const found = await existing(tx, kind, plan.ids[kind]);
    const mine = found.filter((f) => f.groupId === groupId);
    const others = found.filter((f) => f.groupId !== groupId);
    if (mine.length) here.push(`${mine.length} ${kind} id${mine.length === 1 ? "" : "s"}`);
    if (others.length) elsewhere.push(`${others.length} ${kind} id${others.length === 1 ? "" : "s"} (${others[0]!.id}${others.length > 1 ? ", …" : ""})`);
  }
  // A deleted article leaves its documents behind; restoring its id would revive them.
  const stored = await documentNames(tx, plan.ids.article);
  if (stored.length) here.push(`${stored.length} stored document${stored.length === 1 ? "" : "s"} of its articles`);
  return { here, elsewhere };
}

async function existing(tx: Tx, kind: KeptIdKind, ids: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    found.push(...(await FIND[kind](tx, chunk)));
  }
  return found;
}

const FIND: Record<KeptIdKind, (tx: Tx, ids: string[]) => Promise<Found[]>> = {
  article: (tx, ids) => tx.select({ id: articles.id, groupId: articles.groupId }).from(articles).where(inArray(articles.id, ids)),
  annotation: (tx, ids) => tx.select({ id: annotations.id, groupId: annotations.groupId }).from(annotations).where(inArray(annotations.id, ids)),
  invitation: (tx, ids) =>
    tx.select({ id: groupInvitations.id, groupId: groupInvitations.groupId }).from(groupInvitations).where(inArray(groupInvitations.id, ids)),
  revision: (tx, ids) =>
    tx
      .select({ id: articleRevisions.id, groupId: articles.groupId })
      .from(articleRevisions)
      .leftJoin(articles, eq(articles.id, articleRevisions.articleId))
      .where(inArray(articleRevisions.id, ids)),
  tombstone: (tx, ids) =>
    tx
      .select({ id: annotationTombstones.id, groupId: articles.groupId })
      .from(annotationTombstones)
      .leftJoin(articles, eq(articles.id, annotationTombstones.articleId))
      .where(inArray(annotationTombstones.id, ids)),
};

/** Deletes the group (its rows go with it) and every stored document of its articles and of the backup's. */
async function removeGroup(tx: Tx, plan: Plan) {
  const current = await tx.select({ id: articles.id }).from(articles).where(eq(articles.groupId, plan.group.id));
  const names = await documentNames(tx, [...new Set([...current.map((a) => a.id), ...plan.ids.article])]);
  for (let i = 0; i < names.length; i += CHUNK) {
    const chunk = names.slice(i, i + CHUNK);
    await tx.delete(docUpdates).where(inArray(docUpdates.docName, chunk));
    await tx.delete(docSnapshots).where(inArray(docSnapshots.docName, chunk));
    await tx.delete(docClientIds).where(inArray(docClientIds.docName, chunk));
  }
  await tx.delete(groups).where(eq(groups.id, plan.group.id));
}

/**
 * Finds each account by email; creates the missing ones without a password,
 * under their old id when it is free here. Returns the ids that change.
 */
async function matchAccounts(tx: Tx, accounts: RecordOf<"account">[]): Promise<{ ids: Map<string, string>; created: string[] }> {
  const ids = new Map<string, string>();
  const created: string[] = [];
  for (let i = 0; i < accounts.length; i += CHUNK) {
    const chunk = accounts.slice(i, i + CHUNK);
    const byEmail = new Map(
      (await tx.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, chunk.map((a) => a.email)))).map((u) => [u.email, u.id]),
    );
    const taken = new Set(
      (await tx.select({ id: users.id }).from(users).where(inArray(users.id, chunk.map((a) => a.id)))).map((u) => u.id),
    );
    const missing = chunk.filter((a) => !byEmail.has(a.email));
    for (const account of chunk) {
      const id = byEmail.get(account.email);
      if (id && id !== account.id) ids.set(account.id, id);
    }
    if (!missing.length) continue;
    const rows = missing.map((a) => ({ id: taken.has(a.id) ? randomUUID() : a.id, email: a.email, name: a.name, passwordHash: NO_PASSWORD_HASH }));
    await tx.insert(users).values(rows);
    missing.forEach((a, n) => {
      if (rows[n]!.id !== a.id) ids.set(a.id, rows[n]!.id);
      created.push(a.email);
    });
  }
  return { ids, created };
}

/** The backup's slug, or (when another group here has it) the same with a short suffix, as group creation does. */
async function freeSlug(tx: Tx, slug: string): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = attempt === 0 ? slug : `${slug}-${Math.random().toString(36).slice(2, 7)}`;
    const [taken] = await tx.select({ id: groups.id }).from(groups).where(eq(groups.slug, candidate));
    if (!taken) return candidate;
  }
  throw new BackupError(`Could not find a free slug for the group (its own, ${slug}, is taken here)`);
}
