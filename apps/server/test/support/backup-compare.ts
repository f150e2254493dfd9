import { randomBytes } from "node:crypto";
import { asc, count, eq, inArray } from "drizzle-orm";
import postgres from "postgres";
import * as Y from "yjs";
import { annotationsOf, notesOf, votesOf, withheldOf } from "@marginalia/schema";
import {
  annotationTombstones,
  annotations,
  articleRevisions,
  articles,
  docClientIds,
  flags,
  groupInvitations,
  groups,
  memberIds,
  memberships,
  moderationLog,
  notifications,
  users,
} from "@marginalia/schema/tables";
import { inject } from "vitest";
import { documentNames } from "../../src/backup/write.ts";
import { type CliContext, parseCommandLine } from "../../src/cli/command.ts";
import { COMMANDS } from "../../src/cli/commands.ts";
import { type Database, type Db, databaseOnPostgres } from "../../src/db.ts";
import { DocStore } from "../../src/sync/persist/doc-store.ts";
import { testConfig } from "./app.ts";
import { openTestDatabase } from "./database.ts";

/*
 * The backup tests' means of comparing two databases (backup.test.ts): a second, empty one to restore
 * into, the commands run in-process as the command line runs them, and a group's contents as stored.
 */

/** A second, empty database: a throwaway one on the test Postgres, or another embedded one from the template. */
export async function emptyDatabase(): Promise<{ database: Database; drop(): Promise<void> }> {
  const url = inject("databaseUrl");
  if (!url) {
    const database = await openTestDatabase();
    return { database, drop: () => database.close() };
  }
  // A name, not an input: it only has to differ from other runs' on the shared server, as a seed would not.
  const name = `marginalia_restore_${randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const address = new URL(url);
  address.pathname = `/${name}`;
  const database = databaseOnPostgres(address.toString(), { max: 4 });
  await database.migrate();
  return {
    database,
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Runs a command as the command line would, on `db`: parsed with its registered options, loaded the same way. */
export async function run(db: Db, argv: string[]) {
  const command = COMMANDS.find((c) => argv.join(" ").startsWith(`${c.name} `))!;
  const args = parseCommandLine(command, argv.slice(command.name.split(" ").length));
  const out: string[] = [];
  const notes: string[] = [];
  const ctx: CliContext = { db, config: testConfig(), out: async (text) => void out.push(text), note: (text) => void notes.push(text), interactive: false };
  await (await command.load())(args, ctx);
  return { out: out.join(""), notes: notes.join("\n") };
}

/**
 * Everything of a group as stored, for comparing two databases. Volatile, by design: the identity ids of
 * the moderation log, flags and notifications (assigned afresh on restore, in the same order), password
 * hashes (never backed up), and how a document is split between snapshot and log (a restore stores the
 * merged state as one log row), which is why documents are compared as their merged state and content.
 */
export async function contentsOf(db: Db, groupId: string) {
  const articleRows = await db.select().from(articles).where(eq(articles.groupId, groupId)).orderBy(asc(articles.id));
  const articleIds = articleRows.map((a) => a.id);
  const withoutId = <T extends { id: number }>(rows: T[]) => rows.map(({ id: _id, ...rest }) => rest);
  const members = await db.select().from(memberships).where(eq(memberships.groupId, groupId)).orderBy(asc(memberships.userId));
  const annotationRows = await db.select().from(annotations).where(eq(annotations.groupId, groupId)).orderBy(asc(annotations.id));
  const userIds = [...new Set([...members.map((m) => m.userId), ...annotationRows.flatMap((a) => (a.authorId ? [a.authorId] : []))])];
  const names = await documentNames(db, articleIds);
  const store = new DocStore(db);
  const documents: Record<string, unknown> = {};
  for (const name of names) {
    const state = await store.state(name);
    documents[name] = { state: state && Buffer.from(state).toString("base64"), content: state && contentOf(state) };
  }
  return {
    group: await db.select().from(groups).where(eq(groups.id, groupId)),
    members,
    memberIds: await db.select().from(memberIds).where(eq(memberIds.groupId, groupId)).orderBy(asc(memberIds.userId)),
    invitations: await db.select().from(groupInvitations).where(eq(groupInvitations.groupId, groupId)).orderBy(asc(groupInvitations.id)),
    articles: articleRows,
    revisions: await db.select().from(articleRevisions).where(inArray(articleRevisions.articleId, articleIds)).orderBy(asc(articleRevisions.id)),
    annotations: annotationRows,
    tombstones: await db.select().from(annotationTombstones).where(inArray(annotationTombstones.articleId, articleIds)).orderBy(asc(annotationTombstones.id)),
    moderation: withoutId(await db.select().from(moderationLog).where(eq(moderationLog.groupId, groupId)).orderBy(asc(moderationLog.id))),
    flags: withoutId(await db.select().from(flags).where(eq(flags.groupId, groupId)).orderBy(asc(flags.id))),
    notifications: withoutId(await db.select().from(notifications).where(inArray(notifications.articleId, articleIds)).orderBy(asc(notifications.id))),
    accounts: await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(inArray(users.id, userIds)).orderBy(asc(users.id)),
    clientIds: names.length ? await db.select().from(docClientIds).where(inArray(docClientIds.docName, names)).orderBy(asc(docClientIds.docName), asc(docClientIds.clientId)) : [],
    documents,
  };
}

function contentOf(state: Uint8Array) {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const content = { annotations: annotationsOf(doc).toJSON(), votes: votesOf(doc).toJSON(), notes: notesOf(doc).toString(), withheld: withheldOf(doc).toJSON() };
  doc.destroy();
  return content;
}

export const rowCount = async (db: Db) => {
  const [u] = await db.select({ n: count() }).from(users);
  const [g] = await db.select({ n: count() }).from(groups);
  const [a] = await db.select({ n: count() }).from(annotations);
  return { users: u!.n, groups: g!.n, annotations: a!.n };
};
