import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import * as Y from "yjs";
import {
  type Source,
  annotationsOf,
  createAnnotation,
  newAnnotationValue,
  privateRoom,
  readAnnotations,
  updateAnnotation,
  writeAnnotation,
} from "@marginalia/schema";
import { annotations, docUpdates } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../src/db.ts";
import { reviewedVersion } from "../src/services/reviewed-version.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "./support/sync-client.ts";

let t: TestApp;
let url: string;
const clients: SyncClient[] = [];
const open = (...args: Parameters<typeof openSyncClient>) => {
  const client = openSyncClient(...args);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t.close();
});

const bodies = (doc: Y.Doc) => readAnnotations(doc).map((a) => a.body).sort();

describe("live sync", () => {
  it("shows each client the other's annotations in under a second, and catches up a late joiner", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const [ann] = members;
    expect(article.sync.url).toMatch(/^ws:\/\/.*\/sync$/);
    const a = open(url, article.sync.room, owner.token);
    const b = open(url, article.sync.room, ann!.token);
    await Promise.all([a.synced, b.synced]);

    createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: "from A" });
    createAnnotation(b.doc, { kind: "highlight", authorId: ann!.user.id, body: "from B" });
    await eventually(() => expect(bodies(a.doc)).toEqual(["from A", "from B"]), 1_000);
    await eventually(() => expect(bodies(b.doc)).toEqual(["from A", "from B"]), 1_000);

    const late = open(url, article.sync.room, ann!.token);
    await late.synced;
    expect(bodies(late.doc)).toEqual(["from A", "from B"]);
  });

  it("takes one update of a thousand annotations, near the frame limit: peers get it all, the projection holds it all, and it is acknowledged", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["viewer"]);
    const a = open(url, article.sync.room, owner.token, { acks: true });
    const watcher = open(url, article.sync.room, members[0]!.token);
    await Promise.all([a.synced, watcher.synced]);
    // The first update message is the client's sync step 2, acknowledged as 1.
    await eventually(() => expect(a.acks).toEqual([1]), 5_000);
    const ids: string[] = [];
    a.doc.transact(() => {
      for (let i = 0; i < 1_000; i++) ids.push(createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: `${i} `.padEnd(500, "x") }));
    });
    // Judged and applied over many turns (sync/connection/large-update.ts), committed in several batches.
    await eventually(() => expect(a.acks.at(-1)).toBe(2), 15_000);
    await eventually(() => expect(annotationsOf(watcher.doc).size).toBe(1_000), 5_000);
    const rows = await t.database.db.select({ id: annotations.id }).from(annotations).where(eq(annotations.articleId, article.id));
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
  });

  it("brings the state back from the database after a server restart", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token, { acks: true });
    await a.synced;
    const id = createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: "survives" });
    const body = annotationsOf(a.doc).get(id)!.get("body") as Y.Text;
    body.insert(body.length, " a restart");
    await eventually(() => expect(a.acks.at(-1)).toBeGreaterThanOrEqual(2), 2_000);
    a.destroy();

    await t.stop();
    const restarted = await createTestApp({ database: t.database });
    const restartedUrl = await restarted.listen();
    try {
      const b = openSyncClient(restartedUrl, article.sync.room, owner.token);
      await b.synced;
      expect(bodies(b.doc)).toEqual(["survives a restart"]);
      b.destroy();
    } finally {
      await restarted.stop();
      t = await createTestApp({ database: t.database });
      url = await t.listen();
    }
  });
});

describe("authorization on the socket", () => {
  it("closes a viewer's write with 4403 and persists nothing", async () => {
    const { article, members } = await articleWithMembers(t.app, ["viewer"]);
    const viewer = open(url, article.sync.room, members[0]!.token);
    await viewer.synced;
    createAnnotation(viewer.doc, { kind: "comment", authorId: members[0]!.user.id, body: "not allowed" });
    await eventually(() => expect(viewer.closes.map((c) => c.code)).toContain(4403), 2_000);
    await t.hub.committer.flush();
    const rows = await t.database.db.select().from(docUpdates).where(eq(docUpdates.docName, article.sync.room));
    expect(rows).toEqual([]);
  });

  it("closes with 4403 when an annotator edits someone else's annotation, and others never see it", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const a = open(url, article.sync.room, owner.token);
    const intruder = open(url, article.sync.room, members[0]!.token);
    await Promise.all([a.synced, intruder.synced]);
    const id = createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: "mine" });
    await eventually(() => expect(annotationsOf(intruder.doc).has(id)).toBe(true));
    updateAnnotation(intruder.doc, id, { body: "defaced" });
    await eventually(() => expect(intruder.closes.map((c) => c.code)).toContain(4403), 2_000);
    expect(intruder.closes[0]!.reason).toMatch(/own/);
    // The refusal came before the close: a client that joins now reads what the server holds.
    const reader = open(url, article.sync.room, owner.token);
    await reader.synced;
    expect(bodies(reader.doc)).toEqual(["mine"]);
    expect(bodies(a.doc)).toEqual(["mine"]);
  });

  it("refuses a non-member with 4403 and an anonymous socket with 4401 before any sync", async () => {
    const { article } = await articleWithMembers(t.app, []);
    const other = await articleWithMembers(t.app, []);
    const outsider = open(url, article.sync.room, other.owner.token);
    const anonymous = open(url, article.sync.room, "");
    await eventually(() => expect(outsider.closes[0]?.code).toBe(4403), 2_000);
    await eventually(() => expect(anonymous.closes[0]?.code).toBe(4401), 2_000);
    expect(outsider.provider.synced).toBe(false);
    expect(readAnnotations(outsider.doc)).toEqual([]);
  });

  it("keeps private annotations out of everyone else's documents", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const [ann] = members;
    const mine = open(url, article.sync.privateRoom, owner.token, { acks: true });
    await mine.synced;
    createAnnotation(mine.doc, { kind: "comment", authorId: owner.user.id, body: "private note" });
    await eventually(() => expect(mine.acks.at(-1)).toBe(2), 5_000); // its sync step 2, then the note: stored

    const group = open(url, article.sync.room, ann!.token);
    const snoop = open(url, privateRoom(article.id, owner.user.id), ann!.token);
    await group.synced;
    await eventually(() => expect(snoop.closes[0]?.code).toBe(4403), 2_000);
    expect(readAnnotations(group.doc)).toEqual([]);
    expect(readAnnotations(snoop.doc)).toEqual([]);
    const listed = await ann!.get(`/api/articles/${article.id}/annotations`);
    expect(listed.body.annotations).toEqual([]);
  });

  it("overwrites a spoofed awareness identity with the authenticated user", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const a = open(url, article.sync.room, owner.token);
    const b = open(url, article.sync.room, members[0]!.token);
    await Promise.all([a.synced, b.synced]);
    b.provider.awareness.setLocalStateField("user", { id: owner.user.id, name: "Owner", color: "#000000" });
    b.provider.awareness.setLocalStateField("selection", { start: 10, end: 20 });
    await eventually(() => {
      const seen = a.provider.awareness.getStates().get(b.doc.clientID) as { user: { id: string }; selection: unknown };
      expect(seen.user.id).toBe(members[0]!.user.id);
      expect(seen.selection).toEqual({ start: 10, end: 20 });
    }, 2_000);
  });
});

describe("persistence", () => {
  it("acknowledges each update after its commit, in order", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token, { acks: true });
    await a.synced;
    for (let i = 0; i < 5; i++) createAnnotation(a.doc, { kind: "highlight", authorId: owner.user.id, body: `h${i}` });
    await eventually(() => expect(a.acks.at(-1)).toBe(6), 2_000); // sync step 2, then five updates
    expect(a.acks).toEqual([...a.acks].sort((x, y) => x - y));
    const rows = await t.database.db.select().from(annotations).where(eq(annotations.articleId, article.id));
    expect(rows.map((r) => r.body).sort()).toEqual(["h0", "h1", "h2", "h3", "h4"]);
  });

  it("acknowledges the updates taken before one it refuses, before it closes for that one", async () => {
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const a = open(url, article.sync.room, owner.token, { acks: true });
    await a.synced;
    await eventually(() => expect(a.acks).toEqual([1]), 2_000); // its sync step 2
    // Sent in one go: two the owner may make, then one written as someone else, which closes the socket.
    createAnnotation(a.doc, { kind: "highlight", authorId: owner.user.id, body: "kept 1" });
    createAnnotation(a.doc, { kind: "highlight", authorId: owner.user.id, body: "kept 2" });
    createAnnotation(a.doc, { kind: "comment", authorId: members[0]!.user.id, body: "as another" });
    await eventually(() => expect(a.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    expect(a.acks).toEqual([1, 2, 3]);
    const rows = await t.database.db.select().from(annotations).where(eq(annotations.articleId, article.id));
    expect(rows.map((r) => r.body).sort()).toEqual(["kept 1", "kept 2"]);
  });

  it("loses nothing when compaction runs while writes arrive", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token, { acks: true });
    await a.synced;
    const writes = 120;
    let compactions = 0;
    for (let i = 0; i < writes; i++) {
      createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: `w${i}` });
      if (i % 10 === 5) {
        await new Promise((r) => setTimeout(r, 2));
        compactions += (await t.hub.store.compact(article.sync.room)) > 0 ? 1 : 0;
      }
    }
    await eventually(() => expect(a.acks.at(-1)).toBe(writes + 1), 5_000);
    await t.hub.store.compact(article.sync.room);
    expect(compactions).toBeGreaterThan(3);
    const state = await t.hub.store.state(article.sync.room);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, state!);
    expect(readAnnotations(stored)).toHaveLength(writes);
  });
});

describe("REST and socket see each other", () => {
  it("lists a socket annotation over REST within a second, and shows a REST one on the socket", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token);
    await a.synced;
    createAnnotation(a.doc, { kind: "comment", authorId: owner.user.id, body: "typed live" });
    await eventually(async () => {
      const res = await owner.get(`/api/articles/${article.id}/annotations`);
      expect(res.body.annotations.map((x: { body: string }) => x.body)).toEqual(["typed live"]);
    }, 1_000);

    const posted = await owner.post(`/api/articles/${article.id}/annotations`, {
      kind: "factcheck",
      body: "Checked against the budget tables",
      factcheck: { claim: "Exports doubled", verdict: "misleading", sources: [{ url: "https://example.org/t", title: "Tables" }] },
    });
    expect(posted.status).toBe(201);
    await eventually(() => expect(annotationsOf(a.doc).get(posted.body.id)?.get("factcheck")).toMatchObject({ verdict: "misleading" }), 1_000);
  });

  it("lists a socket fact-check's sources as the API documents them: a title always, \"\" when none was written", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token);
    await a.synced;
    const sources = [{ url: "https://example.org/untitled" }, { url: "https://example.org/t", title: "Tables" }];
    const id = createAnnotation(a.doc, {
      kind: "factcheck",
      authorId: owner.user.id,
      body: "Checked",
      factcheck: { claim: "Exports doubled", verdict: "misleading", sources: sources as unknown as Source[] },
    });
    // Every answer is checked against /api/openapi.json (test/support/openapi.ts), whose sources require a title.
    await eventually(async () => expect([a.closes, (await owner.get(`/api/annotations/${id}`)).status]).toEqual([[], 200]), 2_000);
    const expected = [{ url: "https://example.org/untitled", title: "" }, { url: "https://example.org/t", title: "Tables" }];
    expect((await owner.get(`/api/annotations/${id}`)).body.factcheck.sources).toEqual(expected);
    const [row] = await t.database.db.select({ sources: annotations.sources }).from(annotations).where(eq(annotations.id, id));
    expect(row!.sources).toEqual(expected);
    // A row projected before titles were filled in reads the same, and is the same version to a moderator.
    const version = reviewedVersion({ sources: expected });
    await t.database.db.update(annotations).set({ sources: sources as Source[] }).where(eq(annotations.id, id));
    expect((await owner.get(`/api/annotations/${id}`)).body.factcheck.sources).toEqual(expected);
    expect(reviewedVersion({ sources: sources as Source[] })).toBe(version);
  });

  it("stores a time the client's clock put in the future as the commit's own, and keeps one long past", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const a = open(url, article.sync.room, owner.token);
    await a.synced;
    const write = (body: string, at: number) => a.doc.transact(() => writeAnnotation(a.doc, newAnnotationValue({ kind: "comment", authorId: owner.user.id, body }, at)));
    const before = Date.now();
    write("from the year 9000", Date.UTC(9000, 0, 1));
    write("from 2019", Date.UTC(2019, 5, 1));
    let listed: { body: string; createdAt: string; updatedAt: string }[] = [];
    await eventually(async () => {
      listed = (await owner.get(`/api/articles/${article.id}/annotations?sort=created&order=desc`)).body.annotations;
      expect(listed).toHaveLength(2);
    }, 2_000);
    const [future, past] = [listed.find((x) => x.body === "from the year 9000")!, listed.find((x) => x.body === "from 2019")!];
    for (const time of [future.createdAt, future.updatedAt]) {
      expect(Date.parse(time)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(time)).toBeLessThanOrEqual(Date.now());
    }
    expect(past.createdAt).toBe("2019-06-01T00:00:00.000Z");
    expect(listed.map((x) => x.body)).toEqual(["from the year 9000", "from 2019"]);

    // A row stored with such a time before the rule is repaired by its migration.
    const in2058 = new Date(Date.UTC(2058, 0, 1));
    await t.database.db.update(annotations).set({ createdAt: in2058, updatedAt: in2058 }).where(eq(annotations.articleId, article.id));
    await t.database.db.execute(sql.raw(readFileSync(path.join(MIGRATIONS_FOLDER, "0019_future_times.sql"), "utf8")));
    const repaired = await t.database.db.select({ createdAt: annotations.createdAt, updatedAt: annotations.updatedAt }).from(annotations).where(eq(annotations.articleId, article.id));
    for (const row of repaired) for (const time of [row.createdAt, row.updatedAt]) expect(time.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("stores a clamped time to the millisecond, so that a listing's cursor pages past it, and repairs older rows", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const client = open(url, article.sync.room, owner.token);
    await client.synced;
    const ahead = Date.now() + 120_000;
    client.doc.transact(() => {
      for (let i = 0; i < 4; i++) writeAnnotation(client.doc, newAnnotationValue({ kind: "comment", authorId: owner.user.id, body: `fast clock ${i}` }, ahead));
    });
    const subMillisecond = async () =>
      (await t.database.db.execute(sql`select count(*)::int as n from annotations where article_id = ${article.id} and (created_at <> date_trunc('milliseconds', created_at) or updated_at <> date_trunc('milliseconds', updated_at))`)) as unknown as Array<{ n: number }>;
    await eventually(async () => expect((await owner.get(`/api/articles/${article.id}/annotations`)).body.annotations).toHaveLength(4), 3_000);
    expect((await subMillisecond())[0]!.n).toBe(0);
    // Oldest first, one a page: each row once, and the walk ends.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await owner.get(`/api/articles/${article.id}/annotations?sort=created&order=asc&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...res.body.annotations.map((a: { id: string }) => a.id));
      cursor = res.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(new Set(seen).size).toBe(4);
    expect(seen).toHaveLength(4);
    // A row stored with microseconds before the rule is repaired by its migration.
    await t.database.db.execute(sql`update annotations set created_at = now(), updated_at = now() where article_id = ${article.id}`);
    await t.database.db.execute(sql.raw(readFileSync(path.join(MIGRATIONS_FOLDER, "0020_millisecond_times.sql"), "utf8")));
    expect((await subMillisecond())[0]!.n).toBe(0);
  });
});
