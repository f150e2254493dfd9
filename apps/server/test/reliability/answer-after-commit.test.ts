import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, databaseOnPostgres } from "../../src/db.ts";
import { type TestApp, type TestClient, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { holdBeforeQuery } from "../support/held-writes.ts";
import { NO_SHARED_POSTGRES, requiredInCi } from "../support/ci.ts";

/**
 * A write is answered from a read made after its commit. When that read's connection is cut (its backend
 * ended, as a failover or an administrator does), the write is still done, and must be answered as done:
 * a 503 saying it may not have been saved had clients send it again, and store it twice.
 *
 * The read is cut for certain, not by luck: it is held until the write has committed, a table it reads is
 * locked, and once it waits on that lock its backend is ended. The app's connections carry an
 * application_name of their own, so that only its backends are looked at, whatever else shares the database.
 */

const url = process.env.TEST_DATABASE_URL;
requiredInCi("answer-after-commit.test", url ? null : NO_SHARED_POSTGRES);

const APPLICATION = `answer-after-commit-${randomUUID().slice(0, 8)}`;
const TEXT = { "content-type": "text/plain; charset=utf-8" };
const TARGET = { revision: 1, exact: "July 2022", prefix: "", suffix: "" };
/** Drizzle's read of a whole annotation row by id (services/annotation-view.ts, presentById). */
const PRESENT_ANNOTATION = /^select "id", "article_id", .* from "annotations" where "annotations"\."id" = \$1$/;
/** The read of an article's row that starts its answer (services/articles.ts, articleAt). */
const ARTICLE_ROW = /^select "id", "group_id", .* from "articles" where "articles"\."id" = \$1$/;

let database: Database;
let t: TestApp;
let admin: postgres.Sql;
let owner: TestClient;
let group: { id: string };

beforeAll(async () => {
  if (!url) return;
  const named = new URL(url);
  named.searchParams.set("application_name", APPLICATION);
  database = databaseOnPostgres(named.href, { max: 4 });
  t = await createTestApp({ database });
  admin = postgres(url, { max: 2, onnotice: () => {} });
  owner = await signUp(t.app, "Owner");
  group = await createGroup(owner, "Desk");
});

afterAll(async () => {
  if (!url) return;
  await t.close();
  await database.close();
  await admin.end({ timeout: 5 });
});

/**
 * Sends a request held before its first statement matching `at`; once `committed` says its write is stored,
 * locks `table`, lets the request go on, and ends the backend of its first statement that waits on the lock
 * (the one matching `waiting`, in pg_stat_activity). The lock is let go once that backend is gone.
 */
async function cutAfterCommit<T>(options: { at: RegExp; table: string; waiting: string; committed: () => Promise<boolean> }, send: () => Promise<T>): Promise<T> {
  const held = holdBeforeQuery(t.database.db, options.at, send);
  const first = await Promise.race([held.reached.then(() => "held" as const), held.answer.then(() => "answered" as const)]);
  expect(first).toBe("held");
  expect(await options.committed(), "the write is stored before the read that answers it").toBe(true);
  let unlock!: () => void;
  const unlocked = new Promise<void>((resolve) => (unlock = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const locking = admin.begin(async (tx) => {
    await tx.unsafe(`lock table ${options.table} in access exclusive mode`);
    locked();
    await unlocked;
  });
  try {
    await isLocked;
    held.release();
    let pid: number | undefined;
    await expect
      .poll(
        async () => {
          const rows = await admin<{ pid: number }[]>`
            select pid from pg_stat_activity
            where application_name = ${APPLICATION} and wait_event_type = 'Lock' and query like ${options.waiting}`;
          pid = rows[0]?.pid;
          return pid;
        },
        { timeout: 15_000 },
      )
      .toBeDefined();
    await admin`select pg_terminate_backend(${pid!})`;
    await expect.poll(async () => (await admin`select 1 from pg_stat_activity where pid = ${pid!}`).length, { timeout: 15_000 }).toBe(0);
  } finally {
    unlock();
    await locking;
  }
  return held.answer;
}

async function newArticle(title: string) {
  const imported = await owner.post(`/api/groups/${group.id}/articles`, `${title}\n\n${SEED_ARTICLE}`, TEXT);
  expect(imported.status).toBe(201);
  return imported.body as { id: string };
}

async function annotationRows(articleId: string, body: string) {
  return admin<{ id: string }[]>`select id from annotations where article_id = ${articleId} and body = ${body}`;
}

describe.runIf(!!url)("a write whose answering read loses its connection", () => {
  it("creating an annotation answers 201 with the annotation, stored once", async () => {
    const article = await newArticle("Created");
    const body = `created ${randomUUID()}`;
    const answer = await cutAfterCommit(
      { at: PRESENT_ANNOTATION, table: "annotations", waiting: 'select "id", "article_id", % from "annotations" where "annotations"."id" = $1', committed: async () => (await annotationRows(article.id, body)).length === 1 },
      () => owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body, target: TARGET }),
    );
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 201, error: undefined });
    expect(answer.body).toMatchObject({ articleId: article.id, body, kind: "comment", target: { exact: "July 2022" } });
    expect(await annotationRows(article.id, body)).toEqual([{ id: answer.body.id }]);
    const listed = await owner.get(`/api/articles/${article.id}/annotations`);
    expect(listed.body.annotations.filter((a: { body: string }) => a.body === body)).toHaveLength(1);
  });

  it("changing an annotation answers 200 with the change", async () => {
    const article = await newArticle("Changed");
    const before = `before ${randomUUID()}`;
    const created = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: before, target: TARGET });
    expect(created.status).toBe(201);
    const after = `after ${randomUUID()}`;
    const answer = await cutAfterCommit(
      { at: PRESENT_ANNOTATION, table: "annotations", waiting: 'select "id", "article_id", % from "annotations" where "annotations"."id" = $1', committed: async () => (await annotationRows(article.id, after)).length === 1 },
      () => owner.patch(`/api/annotations/${created.body.id}`, { body: after }),
    );
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 200, error: undefined });
    expect(answer.body).toMatchObject({ id: created.body.id, body: after });
    expect(await annotationRows(article.id, after)).toEqual([{ id: created.body.id }]);
  });

  it("importing an article answers 201 with its text, stored once", async () => {
    const title = `Imported ${randomUUID()}`;
    const stored = () => admin<{ id: string }[]>`select id from articles where group_id = ${group.id} and title = ${title}`;
    // Held at the article's row, read before its revision's text (services/article-answer.ts), which is cut.
    const answer = await cutAfterCommit(
      { at: ARTICLE_ROW, table: "article_revisions", waiting: "%from article_revisions where article_id = $1 and number = $2%", committed: async () => (await stored()).length === 1 },
      () => owner.post(`/api/groups/${group.id}/articles`, `${title}\n\n${SEED_ARTICLE}`, TEXT),
    );
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 201, error: undefined });
    expect(answer.body).toMatchObject({ groupId: group.id, title, revision: 1 });
    expect(answer.body.text).toContain("July 2022");
    expect(await stored()).toEqual([{ id: answer.body.id }]);
  });
});
