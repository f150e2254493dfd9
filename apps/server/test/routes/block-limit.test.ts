import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { ArticleBuilder } from "../../src/import/builder.ts";
import { MAX_ARTICLE_BLOCKS } from "../../src/storable-text.ts";

// An article's block map is the bulk of its answer when its paragraphs are short: a 3 MB text of one-letter
// paragraphs made a million blocks, which took a minute to store and 70 MB to answer at every read.

let t: TestApp;
beforeAll(async () => void (t = await createTestApp()));
afterAll(() => t.close());

const TEXT = { "content-type": "text/plain; charset=utf-8" };
/** `count` paragraphs of one word each, far under the size limit. */
const tiny = (count: number, word = "a") => `${word}\n\n`.repeat(count);

/**
 * What an import into `groupId` stored: its articles and their revisions, and drafts of text holding
 * `marker` (services/revision-drafts.ts). Counted for this group alone: other files write meanwhile.
 */
async function stored(groupId: string, marker: string): Promise<number[]> {
  const rows = (await t.database.db.execute(sql`
    select (select count(*)::int from articles where group_id = ${groupId}) as a,
           (select count(*)::int from article_revisions r join articles a on a.id = r.article_id where a.group_id = ${groupId}) as r,
           (select count(*)::int from revision_drafts where strpos(text, ${marker}) > 0) as d`)) as unknown as Array<{ a: number; r: number; d: number }>;
  return [rows[0]!.a, rows[0]!.r, rows[0]!.d];
}

describe("the limit on an article's blocks", () => {
  it("lets an article have exactly the limit, and refuses one block more wherever the blocks are made", () => {
    const at = new ArticleBuilder();
    for (let i = 0; i < MAX_ARTICLE_BLOCKS; i++) at.add("paragraph", "a");
    expect(at.blocks.length).toBe(MAX_ARTICLE_BLOCKS);
    // What every reader builds through (text, Markdown, HTML, PDF): the refusal is the one an import answers.
    expect(() => at.add("paragraph", "a")).toThrowError(expect.objectContaining({ code: "payload_too_large", status: 413 }));
    // Blocks with nothing in them are dropped, not counted.
    expect(at.add("paragraph", "   ")).toBeNull();
  });

  it("refuses an import of more blocks than an article may hold with 413, in every text format, and stores nothing", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const marker = `w${randomUUID().slice(0, 8)}`;
    const over = MAX_ARTICLE_BLOCKS + 1;
    const sent = [
      () => owner.post(`/api/groups/${group.id}/articles`, tiny(over, marker), TEXT),
      () => owner.post(`/api/groups/${group.id}/articles`, { format: "markdown", content: tiny(over, marker) }),
      () => owner.post(`/api/groups/${group.id}/articles`, `<html><body><article>${`<p>${marker}</p>`.repeat(over)}</article></body></html>`, { "content-type": "text/html" }),
    ];
    for (const send of sent) {
      const res = await send();
      expect([res.status, res.body.error?.code]).toEqual([413, "payload_too_large"]);
      expect(res.body.error.message).toMatch(/blocks/);
    }
    expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toEqual([]);
    expect(await stored(group.id, marker)).toEqual([0, 0, 0]);
  }, 60_000);

  it("refuses a correction of more blocks than an article may hold with 413, and keeps the text as it was", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const created = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, TEXT);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const marker = `w${randomUUID().slice(0, 8)}`;
    const refused = await owner.put(`/api/articles/${id}/text`, tiny(MAX_ARTICLE_BLOCKS + 1, marker), TEXT);
    expect([refused.status, refused.body.error?.code]).toEqual([413, "payload_too_large"]);
    const read = await owner.get(`/api/articles/${id}`);
    expect([read.body.revision, read.body.text, read.body.blocks]).toEqual([1, created.body.text, created.body.blocks]);
    expect(await stored(group.id, marker)).toEqual([1, 1, 0]);
  });
});
