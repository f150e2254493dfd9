import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { asc, eq } from "drizzle-orm";
import { annotations, articles, groups, memberIds, memberships, users } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../src/auth/password.ts";
import { NO_PASSWORD_HASH } from "../src/backup/restore.ts";
import { documentNames } from "../src/backup/write.ts";
import { CliError } from "../src/cli/command.ts";
import type { Database } from "../src/db.ts";
import { createUser } from "../src/services/users.ts";
import { type TestApp, TestClient, createTestApp } from "./support/app.ts";
import { contentsOf, emptyDatabase, rowCount, run } from "./support/backup-compare.ts";
import { buildBusyGroup, buildSmallGroup } from "./support/backup-groups.ts";
import { openTestDatabase } from "./support/database.ts";
import type { SyncClient } from "./support/sync-client.ts";

/*
 * A group backed up and restored in-process, into a second database: every row and document survives,
 * existing ids are refused or replaced, accounts are matched by email, and a bad file writes nothing.
 * The command line as a person runs it: backup-cli.test.ts.
 */

const work = mkdtempSync(path.join(tmpdir(), "marginalia-backup-"));

let source: Database;
let app: TestApp;
let stopped = false;
let restoreTarget: Awaited<ReturnType<typeof emptyDatabase>>;
const sockets: SyncClient[] = [];
let busy: Awaited<ReturnType<typeof buildBusyGroup>>;
let small: Awaited<ReturnType<typeof buildSmallGroup>>;
let backupFile = "";

beforeAll(async () => {
  source = await openTestDatabase();
  app = await createTestApp({ database: source });
  const base = await app.listen();
  busy = await buildBusyGroup(app, source, base);
  sockets.push(...busy.sockets);
  small = await buildSmallGroup(app);
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
    expect(before.flags).toHaveLength(2);
    expect(before.moderation.map((m) => m.action)).toEqual(expect.arrayContaining(["flag", "hide", "dismiss"]));
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
    const recounted = (kept: string[], type = "annotation", by = -1) => {
      const end = JSON.parse(kept.at(-1)!);
      end.counts[type] += by;
      return [...kept.slice(0, -1), JSON.stringify(end)].join("\n");
    };
    // A record repeated, and counted: the survey's checks pass, the table's do not.
    const twice = (n: number) => recounted([...lines.slice(0, n + 1), lines[n]!, ...lines.slice(n + 1)], JSON.parse(lines[n]!).type, 1);
    const documentLine = lines.findIndex((l) => l.startsWith('{"type":"document"'));
    const bytes = readFileSync(backupFile);
    const lineOf = (test: (r: Record<string, any>) => boolean) => lines.findIndex((l) => test(JSON.parse(l)));
    const privateLine = lineOf((r) => r.type === "annotation" && r.visibility === "private");
    const factcheckLine = lineOf((r) => r.type === "annotation" && r.kind === "factcheck" && r.verdict !== "true");
    const accountLine = lineOf((r) => r.type === "account");
    const flagLine = lineOf((r) => r.type === "flag");
    const moderationLine = lineOf((r) => r.type === "moderation");
    const unlike = (n: number, columns: string) => new RegExp(`^line ${n + 1} \\(annotation\\): the row does not match its document \\S+ \\(${columns}\\)`);
    const othersNamed = new RegExp(`^Nothing was restored: flags, moderation or notifications of the backup name 1 annotation of other groups here \\(${small.shared}\\)$`);
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
      // The same line dropped, and the count made to match: the document still holds the annotation.
      [file("recounted.jsonl", recounted(lines.filter((_, i) => i !== annotationLine))), /does not agree with itself: the document .* holds the annotation .*, which has no annotation record$/],
      [file("moved.jsonl", edit(annotationLine, (r) => (r.docName = `${r.docName}:hidden`)).join("\n")), /does not agree with itself: /],
      [work, /^cannot read .*: it is a directory$/],
    ];
    // Over the group this database holds: a file the checks let through would replace it.
    const overwriting: [string, RegExp][] = [
      // Rows are the projection of their documents: a private note made the group's, a fact-check's row edited.
      [file("unveiled.jsonl", edit(privateLine, (r) => (r.visibility = "group")).join("\n")), unlike(privateLine, "visibility")],
      [file("reworded.jsonl", edit(factcheckLine, (r) => Object.assign(r, { verdict: "true", body: "Edited in the row only" })).join("\n")), unlike(factcheckLine, "body, verdict")],
      // The API's rules for text: names, and what Postgres can store.
      [file("bidi.jsonl", edit(accountLine, (r) => (r.name = "Eve\u202Eevil")).join("\n")), new RegExp(`^line ${accountLine + 1} \\(account\\): name: must be one line`)],
      [file("long.jsonl", edit(1, (r) => (r.name = "g".repeat(100_000))).join("\n")), /^line 2 \(group\): name: /],
      [file("nul.jsonl", edit(annotationLine, (r) => (r.body = "a\u0000b")).join("\n")), new RegExp(`^line ${annotationLine + 1} \\(annotation\\): body: contains a NUL character \\(U\\+0000\\)$`)],
      // A name in Latin-1: decoded, the row would have held U+FFFD.
      [file("latin1.jsonl", Buffer.concat(lines.map((l, i) => Buffer.from(`${i === accountLine ? JSON.stringify({ ...JSON.parse(l), name: "Caf\xe9" }) : l}\n`, i === accountLine ? "latin1" : "utf8")))), new RegExp(`^line ${accountLine + 1}: not UTF-8 text$`)],
      // Flags and the moderation log may name deleted annotations, but not another group's.
      [file("flag.jsonl", edit(flagLine, (r) => (r.annotationId = small.shared)).join("\n")), othersNamed],
      [file("log.jsonl", edit(moderationLine, (r) => (r.annotationId = small.shared)).join("\n")), othersNamed],
      // A time JavaScript reads and Postgres does not: the write fails, and the message quotes no value.
      [file("bc.jsonl", edit(moderationLine, (r) => (r.createdAt = "-005000-01-01T00:00:00.000Z")).join("\n")), /^Nothing was restored: the moderation records could not be written \(database error \w+\)$/],
    ];
    for (const [at, message] of cases) {
      const attempt = run(db, ["restore", at]);
      await expect(attempt, path.basename(at)).rejects.toThrow(CliError);
      await expect(run(db, ["restore", at]), path.basename(at)).rejects.toThrow(message);
    }
    for (const [at, message] of overwriting) await expect(run(db, ["restore", at, "--overwrite"]), path.basename(at)).rejects.toThrow(message);
    await expect(run(db, ["restore", path.join(work, "nowhere.gz")])).rejects.toThrow(/^cannot read .*nowhere\.gz: no such file$/);
    // Over the group this database holds, so that the insert is reached: the whole replacement rolls back.
    const repeated = file("twice.jsonl", twice(lines.findIndex((l) => l.startsWith('{"type":"member"'))));
    await expect(run(db, ["restore", repeated, "--overwrite"])).rejects.toThrow(/^Nothing was restored: the backup lists one member twice$/);
    // A file written before annotations had an edited mark or a language restores, with neither.
    const older = lines.map((l) => {
      if (!l.startsWith('{"type":"annotation"')) return l;
      const { editedAt: _edited, language: _language, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    await run(db, ["restore", file("older.jsonl", older.join("\n")), "--overwrite"]);
    expect(await rowCount(db)).toEqual(counts);
  }, 60_000);
});
