import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import postgres from "postgres";
import * as Y from "yjs";
import { annotationsOf, createAnnotation, notesOf, votesOf, withheldOf } from "@marginalia/schema";
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
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyPassword } from "../src/auth/password.ts";
import { NO_PASSWORD_HASH } from "../src/backup/restore.ts";
import { documentNames } from "../src/backup/write.ts";
import { type CliContext, CliError, parseCommandLine } from "../src/cli/command.ts";
import { COMMANDS } from "../src/cli/commands.ts";
import { type Database, type Db, databaseOnPostgres } from "../src/db.ts";
import { startEmbeddedDatabase } from "../src/embedded/database.ts";
import { createGroup as createGroupRow } from "../src/services/groups.ts";
import { createUser } from "../src/services/users.ts";
import { DocStore } from "../src/sync/doc-store.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, testConfig } from "./support/app.ts";
import { articleWithMembers, seedTarget } from "./support/article.ts";
import { runCli } from "./support/cli.ts";
import { openTestDatabase } from "./support/database.ts";
import { SEED_ARTICLE } from "./support/fixtures.ts";
import { type SyncClient, eventually, openSyncClient } from "./support/sync-client.ts";

const work = mkdtempSync(path.join(tmpdir(), "marginalia-backup-"));
const target = seedTarget;
const fc = (claim: string, verdict: string) => ({ claim, verdict, confidence: 0.7, sources: [{ url: "https://example.org/trade", title: "Trade data" }] });

/** A second, empty database: a throwaway one on the test Postgres, or another embedded one from the template. */
async function emptyDatabase(): Promise<{ database: Database; drop(): Promise<void> }> {
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
async function run(db: Db, argv: string[]) {
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
async function contentsOf(db: Db, groupId: string) {
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
    const { state } = await store.load(name);
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

const rowCount = async (db: Db) => {
  const [u] = await db.select({ n: count() }).from(users);
  const [g] = await db.select({ n: count() }).from(groups);
  const [a] = await db.select({ n: count() }).from(annotations);
  return { users: u!.n, groups: g!.n, annotations: a!.n };
};

let source: Database;
let app: TestApp;
let stopped = false;
let restoreTarget: Awaited<ReturnType<typeof emptyDatabase>>;
const sockets: SyncClient[] = [];
let busy: Awaited<ReturnType<typeof buildBusyGroup>>;
let small: Awaited<ReturnType<typeof buildSmallGroup>>;
let backupFile = "";

/**
 * A desk at work, through the real app: fact-checks with verdicts and sources, a thread with a mention,
 * votes, an assignment, a flag and a hide (so a hidden document), a private note and notes typed over a
 * socket, an annotation written live, a deletion, a compaction halfway, a revised text, a second article,
 * a pending invitation, and anonymity to peers (so random member ids).
 */
async function buildBusyGroup(base: string) {
  const desk = await articleWithMembers(app.app, ["annotator", "moderator", "viewer"]);
  const [ann, mod, viewer] = desk.members as [(typeof desk.members)[0], (typeof desk.members)[0], (typeof desk.members)[0]];
  const articleId = desk.article.id;
  const post = async (who: TestClient, body: object) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, body);
    if (res.status !== 201) throw new Error(`annotation: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const ok = (res: { status: number; body: any }, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  // A seminar's setting, which may change only before the first annotation.
  ok(await desk.owner.patch(`/api/groups/${desk.group.id}`, { anonymousToPeers: true }), "settings");
  // Documents, and what clients send, name members by member id: random ones now.
  const [member] = await source.db.select().from(memberIds).where(and(eq(memberIds.groupId, desk.group.id), eq(memberIds.userId, ann.user.id)));
  const annMemberId = member!.memberId;
  const claim = await post(desk.owner, { kind: "factcheck", body: "Compared with trade data", target: target(200, "West"), tags: ["iran"], factcheck: fc("The revival is ineffective", "misleading") });
  const comment = await post(ann, { kind: "comment", body: "Sanctions on banking are the key lever", target: target(10, "Russia"), tags: ["sanctions"], color: "#ffcc00" });
  await post(ann, { kind: "comment", body: "Only for me", target: target(300, "military"), visibility: "private" });
  const reply = ok(await ann.post(`/api/annotations/${claim}/replies`, { body: `Agreed, @${mod.email.split("@")[0]} should look` }), "reply").body.id as string;
  ok(await mod.post(`/api/annotations/${reply}/replies`, { body: "Looking", factcheck: fc("Trade fell in 2023", "true") }), "nested reply");
  ok(await mod.put(`/api/annotations/${claim}/vote`, { value: "agree" }), "vote");
  ok(await ann.put(`/api/annotations/${claim}/vote`, { value: "disagree" }), "vote");
  ok(await desk.owner.put(`/api/annotations/${claim}/assignment`, { assignees: [annMemberId], dueAt: "2031-01-01T12:00:00.000Z" }), "assignment");
  ok(await mod.post(`/api/annotations/${comment}/resolve`), "resolve");
  const spam = await post(ann, { kind: "comment", body: "Buy now", target: target(500, "Iran") });
  ok(await viewer.post(`/api/annotations/${spam}/flag`, { reason: "Spam" }), "flag");
  ok(await mod.post(`/api/annotations/${spam}/hide`, { reason: "Spam" }), "hide");
  const gone = await post(ann, { kind: "highlight", target: target(10, "Russia") });
  ok(await ann.delete(`/api/annotations/${gone}`), "delete");
  await app.hub.compact(desk.article.sync.room);

  // Live: an annotation in the group's document, notes in the annotator's private one, each acknowledged as durable.
  const own = (await ann.get(`/api/articles/${articleId}`)).body.sync as { room: string; privateRoom: string };
  const live = openSyncClient(base, own.room, ann.token, { acks: true });
  const notes = openSyncClient(base, own.privateRoom, ann.token, { acks: true });
  sockets.push(live, notes);
  await Promise.all([live.synced, notes.synced]);
  const liveId = createAnnotation(live.doc, { kind: "comment", authorId: annMemberId, body: "Written over the socket", target: target(10, "Russia"), tags: ["live"] });
  notesOf(notes.doc).insert(0, "Notes typed live: check the 2022 figures.");
  await eventually(() => {
    expect(live.acks.at(-1)).toBeGreaterThanOrEqual(2);
    expect(notes.acks.at(-1)).toBeGreaterThanOrEqual(2);
  }, 5_000);

  ok(await desk.owner.put(`/api/articles/${articleId}/text`, `${SEED_ARTICLE}\nA correction was added.`, { "content-type": "text/plain" }), "revision");
  const second = ok(await desk.owner.post(`/api/groups/${desk.group.id}/articles`, { format: "markdown", title: "Notes", content: "# Notes\n\nA second article." }), "article").body.id as string;
  ok(await desk.owner.post(`/api/groups/${desk.group.id}/invitations`, { email: freshEmail("invitee"), role: "annotator" }), "invitation");
  const listing = (await desk.owner.get(`/api/articles/${articleId}/annotations?sort=created&order=asc`)).body;
  return { desk, ann, articleId, second, liveId, hiddenId: spam, goneId: gone, listing };
}

/** A small group whose annotator will already have an account (under another id) where it is restored. */
async function buildSmallGroup() {
  const desk = await articleWithMembers(app.app, ["annotator"]);
  const ann = desk.members[0]!;
  const body = { kind: "comment", body: "Mine", target: target(10, "Russia") };
  const shared = (await ann.post(`/api/articles/${desk.article.id}/annotations`, body)).body.id as string;
  await ann.post(`/api/articles/${desk.article.id}/annotations`, { ...body, visibility: "private" });
  return { desk, ann, shared };
}

beforeAll(async () => {
  source = await openTestDatabase();
  app = await createTestApp({ database: source });
  const base = await app.listen();
  busy = await buildBusyGroup(base);
  small = await buildSmallGroup();
  for (const s of sockets) s.destroy();
  // Flushes every accepted update before the backups read the database.
  await app.stop();
  stopped = true;
  restoreTarget = await emptyDatabase();
}, 120_000);

afterAll(async () => {
  if (!stopped) await app.stop();
  await source?.close();
  await restoreTarget?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe("backup and restore of a group", () => {
  it("restores a busy group into an empty database: every row, every live document", async () => {
    const groupId = busy.desk.group.id;
    backupFile = path.join(work, "busy.jsonl.gz");
    const backup = await run(source.db, ["backup", "--group", groupId, "--out", backupFile]);
    expect(backup.out).toBe(`${backupFile}\n`);
    expect(backup.notes).toMatch(/2 articles, 3 revisions, \d+ annotations, \d+ documents, 4 members/);

    const lines = gunzipSync(readFileSync(backupFile)).toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: "header", format: "marginalia-backup", version: 1, groupId });
    expect(lines.at(-1)).toMatchObject({ type: "end" });
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/argon2|passwordHash|password_hash|secretHash/);
    const documents = lines.filter((l) => l.type === "document").map((l) => l.name as string);
    expect(documents).toEqual(
      expect.arrayContaining([`article:${busy.articleId}`, `article:${busy.articleId}:hidden`, `article:${busy.articleId}:private:${busy.ann.user.id}`]),
    );

    const before = await contentsOf(source.db, groupId);
    expect(before.annotations.map((a) => a.id)).toEqual(expect.arrayContaining([busy.liveId, busy.hiddenId]));
    expect(before.revisions).toHaveLength(3);
    expect(before.moderation.length).toBeGreaterThan(0);
    expect(before.flags).toHaveLength(1);
    // And "stale" when the revision loses the fact-check's one-word quote, given without context: re-anchoring's
    // accuracy decides that, not the backup, which must carry whichever notifications there are.
    expect([...new Set(before.notifications.map((n) => n.kind))]).toEqual(expect.arrayContaining(["mention", "reply", "assignment", "moderation"]));
    expect(before.tombstones.map((t) => t.id)).toContain(busy.goneId);

    const restored = await run(restoreTarget.database.db, ["restore", backupFile]);
    expect(restored.out).toBe(`${groupId}\n`);
    expect(restored.notes).toMatch(/Created 4 accounts without a password/);
    expect(restored.notes).toContain(busy.desk.owner.email);

    const after = await contentsOf(restoreTarget.database.db, groupId);
    expect(after).toEqual(before);
    const privateNotes = after.documents[`article:${busy.articleId}:private:${busy.ann.user.id}`] as { content: { notes: string } };
    expect(privateNotes.content.notes).toBe("Notes typed live: check the 2022 figures.");

    // The restored instance serves it: the owner, given a password, lists the same annotations.
    const [owner] = await restoreTarget.database.db.select().from(users).where(eq(users.email, busy.desk.owner.email));
    expect(owner!.passwordHash).toBe(NO_PASSWORD_HASH);
    expect(await verifyPassword(owner!.passwordHash, busy.desk.owner.password)).toBe(false);
    await run(restoreTarget.database.db, ["set-password", "--email", busy.desk.owner.email, "--password", busy.desk.owner.password]);
    const second = await createTestApp({ database: restoreTarget.database });
    try {
      const client = new TestClient(second.app);
      expect((await client.post("/api/auth/login", { email: busy.desk.owner.email, password: busy.desk.owner.password })).status).toBe(200);
      const listing = (await client.get(`/api/articles/${busy.articleId}/annotations?sort=created&order=asc`)).body;
      expect(listing).toEqual(busy.listing);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("refuses existing ids without --overwrite, writing nothing, and with it replaces the group", async () => {
    const db = restoreTarget.database.db;
    const groupId = busy.desk.group.id;
    const counts = await rowCount(db);
    await expect(run(db, ["restore", backupFile])).rejects.toThrow(CliError);
    await expect(run(db, ["restore", backupFile])).rejects.toThrow(
      new RegExp(`^Nothing was restored: group ${groupId}, 2 article ids, 3 revision ids, \\d+ annotation ids, \\d+ invitation ids, \\d+ tombstone ids?, \\d+ stored documents of its articles already exist here\\. Run with --overwrite`),
    );
    expect(await rowCount(db)).toEqual(counts);

    // Changes made here since are replaced: a renamed group, an article the backup does not have, a lost annotation.
    await db.update(groups).set({ name: "Renamed here" }).where(eq(groups.id, groupId));
    await db.delete(annotations).where(eq(annotations.id, busy.liveId));
    const [owner] = await db.select().from(users).where(eq(users.email, busy.desk.owner.email));
    await db.insert(articles).values({ groupId, title: "Only here", createdBy: owner!.id });
    const replaced = await run(db, ["restore", backupFile, "--overwrite"]);
    expect(replaced.notes).toMatch(/^Replaced "Desk"/);
    expect(replaced.notes).not.toMatch(/Created \d+ account/);
    expect(await contentsOf(db, groupId)).toEqual(await contentsOf(source.db, groupId));
  }, 60_000);

  it("finds accounts by email and moves the group's rows to the id they have here", async () => {
    const db = restoreTarget.database.db;
    const here = await createUser(db, { email: small.ann.email, name: "Already here", password: "another password" });
    expect(here.id).not.toBe(small.ann.user.id);
    const file = path.join(work, "small.jsonl.gz");
    await run(source.db, ["backup", "--group", small.desk.group.id, "--out", file]);
    const restored = await run(db, ["restore", file]);
    expect(restored.notes).toMatch(/Created 1 account without a password/);

    const articleId = small.desk.article.id;
    const [membership] = await db.select().from(memberships).where(eq(memberships.userId, here.id));
    expect(membership).toMatchObject({ groupId: small.desk.group.id, role: "annotator" });
    const rows = await db.select().from(annotations).where(eq(annotations.articleId, articleId)).orderBy(asc(annotations.visibility));
    expect(rows.map((r) => [r.authorId, r.docName])).toEqual([
      [here.id, `article:${articleId}`],
      [here.id, `article:${articleId}:private:${here.id}`],
    ]);
    // Documents keep naming the member as before: their member id stays, now pointing at the account found here.
    const [memberId] = await db.select().from(memberIds).where(eq(memberIds.userId, here.id));
    expect(memberId).toMatchObject({ groupId: small.desk.group.id, memberId: small.ann.user.id });
    const names = await documentNames(db, [articleId]);
    expect(names).toEqual([`article:${articleId}`, `article:${articleId}:private:${here.id}`]);
    const [account] = await db.select().from(users).where(eq(users.id, here.id));
    expect(account!.name).toBe("Already here");
  }, 60_000);

  it("refuses a damaged or foreign file with a clear message, writing nothing", async () => {
    const db = restoreTarget.database.db;
    const counts = await rowCount(db);
    const raw = gunzipSync(readFileSync(backupFile)).toString("utf8");
    const lines = raw.trimEnd().split("\n");
    const file = (name: string, content: string | Buffer) => {
      const at = path.join(work, name);
      writeFileSync(at, content);
      return at;
    };
    const edit = (n: number, change: (record: Record<string, unknown>) => void) =>
      lines.map((l, i) => {
        if (i !== n) return l;
        const record = JSON.parse(l);
        change(record);
        return JSON.stringify(record);
      });
    const annotationLine = lines.findIndex((l) => l.startsWith('{"type":"annotation"'));
    const documentLine = lines.findIndex((l) => l.startsWith('{"type":"document"'));
    const bytes = readFileSync(backupFile);
    const cases: [string, RegExp][] = [
      [file("missing.gz", ""), /is empty$/],
      [file("archive.zip", Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00 not a backup", "latin1")), /is not a Marginalia backup$/],
      [file("other.json", '{"hello":"world"}\n'), /is not a Marginalia backup$/],
      [file("future.jsonl", edit(0, (r) => (r.version = 2)).join("\n")), /is a version 2 backup; this Marginalia reads version 1$/],
      [file("cut.gz", bytes.subarray(0, Math.floor(bytes.length / 2))), /the compressed data is damaged or cut short/],
      [file("short.jsonl.gz", gzipSync(lines.slice(0, -1).join("\n"))), /is cut short: its end record is missing$/],
      [file("kind.jsonl", edit(annotationLine, (r) => (r.kind = "rant")).join("\n")), new RegExp(`^line ${annotationLine + 1} \\(annotation\\): kind: `)],
      [file("date.jsonl", edit(annotationLine, (r) => (r.createdAt = "yesterday")).join("\n")), /\(annotation\): createdAt: /],
      [file("yjs.jsonl", edit(documentLine, (r) => (r.state = Buffer.from("not yjs at all").toString("base64"))).join("\n")), /\(document\): its state is not a whole Yjs update$/],
      [file("json.jsonl", [...lines.slice(0, 3), "{oops", ...lines.slice(3)].join("\n")), /^line 4: not JSON$/],
      [file("dropped.jsonl", lines.filter((_, i) => i !== annotationLine).join("\n")), /holds \d+ annotation records where its end record counts \d+$/],
    ];
    for (const [at, message] of cases) {
      const attempt = run(db, ["restore", at]);
      await expect(attempt, path.basename(at)).rejects.toThrow(CliError);
      await expect(run(db, ["restore", at]), path.basename(at)).rejects.toThrow(message);
    }
    await expect(run(db, ["restore", path.join(work, "nowhere.gz")])).rejects.toThrow(/^cannot read .*nowhere\.gz: no such file$/);
    expect(await rowCount(db)).toEqual(counts);
  }, 60_000);

  // Three processes of a few CPU-seconds each: the command line as a person runs it, embedded database to embedded database.
  // Two processes on one data directory: the commands' plumbing (arguments, output, exit codes). A successful
  // restore into another database is the in-process tests' work; a third process booting a fresh data
  // directory would double this test's time for nothing they do not check.
  it("backs up from the command line, and refuses to restore over the same group with exit code 1", async () => {
    const from = path.join(work, "cli-from");
    const embedded = await startEmbeddedDatabase({ dataDir: from });
    await embedded.migrate();
    const user = await createUser(embedded.db, { email: freshEmail("cli"), name: "Cli Owner", password: "correct horse battery" });
    const group = await createGroupRow(embedded.db, user.id, { name: "Command line desk", moderation: "pre" });
    await embedded.close();

    const out = path.join(work, "cli.jsonl.gz");
    const cli = (args: string[]) => runCli(args, { DATA_DIR: from });
    const backup = await cli(["backup", "--group", group.id, "--out", out]);
    expect(backup).toMatchObject({ code: 0, stdout: `${out}\n` });
    expect(statSync(out).size).toBeGreaterThan(0);
    const again = await cli(["restore", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^marginalia: Nothing was restored: group .* already exist here\. Run with --overwrite/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
