import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, type TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { holdBeforeQuery } from "../support/held-writes.ts";
import { importArticle } from "../../src/import/index.ts";
import { DRAFT_BLOCKS, DRAFT_TEXT_UNITS } from "../../src/services/revision-drafts.ts";

// A large revision is written as a draft, a part a statement, before the one transaction that makes it
// (services/revision-drafts.ts). These hold an import at the last statement before that transaction, where
// every part is written: the statement that gathers the blocks, which only a draft of many blocks has.
const GATHERING_BLOCKS = /jsonb_agg/;

let t: TestApp;
beforeAll(async () => void (t = await createTestApp()));
afterAll(() => t.close());

/** A text past one draft part, with more blocks than one part holds, opening with `marker`. */
function largeText(marker: string): string {
  const paragraph = (i: number) => `Paragraph ${i} of ${marker} says 😀 and "quotes" at length: ${"lorem ipsum ".repeat(20)}`;
  const count = Math.ceil(Math.max(DRAFT_BLOCKS * 1.1, (DRAFT_TEXT_UNITS * 1.5) / paragraph(0).length));
  const content = Array.from({ length: count }, (_, i) => paragraph(i)).join("\n\n");
  const read = importArticle({ format: "text", content });
  expect(read.text.length).toBeGreaterThan(DRAFT_TEXT_UNITS);
  expect(read.blocks.length).toBeGreaterThan(DRAFT_BLOCKS);
  return content;
}

/** Rows of the drafts whose text mentions `marker` (every part of the text does). */
async function draftRows(marker: string): Promise<number> {
  const rows = (await t.database.db.execute(sql`
    select count(*)::int as n from revision_drafts
    where draft_id in (select draft_id from revision_drafts where strpos(text, ${marker}) > 0)`)) as unknown as Array<{ n: number }>;
  return rows[0]!.n;
}

/** Sends `send` held before the blocks are gathered, and waits until it is held there. */
async function heldAtLastPart<T>(send: () => Promise<T>) {
  const held = holdBeforeQuery(t.database.db, GATHERING_BLOCKS, send);
  const first = await Promise.race([held.reached.then(() => "held" as const), held.answer.then(() => "answered" as const)]);
  expect(first, "the import writes its text as a draft, in parts, before storing it").toBe("held");
  return held;
}

/** A writer in another group, with an article to comment on. */
async function bystander(): Promise<{ client: TestClient; articleId: string }> {
  const client = await signUp(t.app, "Bystander");
  const group = await createGroup(client, "Other desk");
  const article = await client.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  expect(article.status).toBe(201);
  return { client, articleId: article.body.id };
}

describe("a large import", () => {
  it("shows nothing of the article until it is stored whole, while others' writes go on between its parts", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const other = await bystander();
    const marker = randomUUID();
    const content = largeText(marker);
    const held = await heldAtLastPart(() => owner.post(`/api/groups/${group.id}/articles?title=Large`, content, { "content-type": "text/plain" }));
    try {
      expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toEqual([]);
      expect(await draftRows(marker)).toBeGreaterThan(1);
      // The embedded database has one connection: a transaction held open here would hold this write too.
      const comment = await other.client.post(`/api/articles/${other.articleId}/annotations`, { kind: "comment", body: "meanwhile" });
      expect(comment.status).toBe(201);
    } finally {
      held.release();
    }
    const res = await held.answer;
    expect(res.status).toBe(201);
    const expected = importArticle({ format: "text", title: "Large", content });
    expect(res.body.text).toBe(expected.text);
    expect(res.body.blocks).toEqual(expected.blocks);
    const read = await owner.get(`/api/articles/${res.body.id}`);
    expect(read.body.text).toBe(expected.text);
    expect(read.body.blocks).toEqual(expected.blocks);
    expect(await draftRows(marker)).toBe(0);
  });

  it("stores nothing and leaves no draft when it fails after its parts are written", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const moderator = await signUp(t.app, "Moderator");
    await addMember(owner, group.id, moderator, "moderator");
    const marker = randomUUID();
    const held = await heldAtLastPart(() => moderator.post(`/api/groups/${group.id}/articles`, largeText(marker), { "content-type": "text/plain" }));
    try {
      expect((await owner.patch(`/api/groups/${group.id}/members/${moderator.user.id}`, { role: "annotator" })).status).toBe(200);
    } finally {
      held.release();
    }
    expect((await held.answer).status).toBe(403);
    expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toEqual([]);
    expect(await draftRows(marker)).toBe(0);
  });

  it("corrects a large text as one new revision, the old one standing until it is stored", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const created = await owner.post(`/api/groups/${group.id}/articles?title=Small`, SEED_ARTICLE, { "content-type": "text/plain" });
    const articleId = created.body.id as string;
    const marker = randomUUID();
    const content = largeText(marker);
    const held = await heldAtLastPart(() => owner.put(`/api/articles/${articleId}/text`, content, { "content-type": "text/plain" }));
    try {
      const during = await owner.get(`/api/articles/${articleId}`);
      expect(during.body).toMatchObject({ revision: 1, currentRevision: 1, text: created.body.text });
      expect((await owner.get(`/api/articles/${articleId}/revisions`)).body.revisions).toHaveLength(1);
    } finally {
      held.release();
    }
    const put = await held.answer;
    expect(put.status).toBe(201);
    const expected = importArticle({ format: "text", title: "Small", content });
    expect(put.body).toMatchObject({ revision: 2, text: expected.text });
    expect((await owner.get(`/api/articles/${articleId}`)).body.blocks).toEqual(expected.blocks);
    expect(await draftRows(marker)).toBe(0);
    // The same text again makes no revision, and writes no draft on the way.
    const again = holdBeforeQuery(t.database.db, /revision_drafts/, () => owner.put(`/api/articles/${articleId}/text`, content, { "content-type": "text/plain" }));
    const first = await Promise.race([again.reached.then(() => "drafted" as const), again.answer.then(() => "answered" as const)]);
    again.release();
    expect(first).toBe("answered");
    expect((await again.answer).status).toBe(200);
  });

  it("deletes a draft that an import left behind over an hour ago, and not one under way", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const [left, underWay] = [randomUUID(), randomUUID()];
    await t.database.db.execute(sql`
      insert into revision_drafts (draft_id, seq, text, created_at)
      values (${left}, 0, 'left behind', now() - interval '2 hours'), (${underWay}, 0, 'under way', now() - interval '5 minutes')`);
    const drafts = async (id: string) =>
      ((await t.database.db.execute(sql`select count(*)::int as n from revision_drafts where draft_id = ${id}`)) as unknown as Array<{ n: number }>)[0]!.n;
    try {
      expect((await owner.post(`/api/groups/${group.id}/articles`, largeText(randomUUID()), { "content-type": "text/plain" })).status).toBe(201);
      expect(await drafts(left)).toBe(0);
      expect(await drafts(underWay)).toBe(1);
    } finally {
      await t.database.db.execute(sql`delete from revision_drafts where draft_id in (${left}, ${underWay})`);
    }
  });
});
