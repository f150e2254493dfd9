import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { articleTexts } from "../src/sync/authorize/article-text.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers, seedTarget } from "./support/article.ts";

let t: TestApp;
beforeAll(async () => void (t = await createTestApp()));
afterAll(() => t.close());

it("loads an article's text again when it was dropped from the cache while its sockets stay open", async () => {
  const { article } = await articleWithMembers(t.app, []);
  const target = seedTarget(0, "Iran");
  await articleTexts.load(t.database.db, article.id);
  expect(articleTexts.problem(t.database.db, t.logger, article.id, target, "someone")).toBeNull();
  // What the cache's bound does to the least recently joined article.
  (articleTexts as unknown as { known: Map<string, unknown> }).known.delete(article.id);
  expect(articleTexts.problem(t.database.db, t.logger, article.id, target, "someone")).toMatch(/loading/);
  // The refusal started a reload: a later attempt is judged on the text, with nobody joining meanwhile.
  await vi.waitFor(() => expect(articleTexts.problem(t.database.db, t.logger, article.id, target, "someone")).toBeNull(), { timeout: 5_000 });
  expect(articleTexts.problem(t.database.db, t.logger, article.id, { ...target, exact: "Iraq" }, "someone")).toMatch(/^target\.exact/);
});

it("refuses a revision as missing only to whoever named it before the read that did not find it", async () => {
  const { article } = await articleWithMembers(t.app, []);
  await articleTexts.load(t.database.db, article.id);
  const next = { ...seedTarget(0, "Iran"), revision: 2 };
  // Named before it exists: put off, and read again.
  expect(articleTexts.problem(t.database.db, t.logger, article.id, next, "early")).toMatch(/loading/);
  await vi.waitFor(() => expect(articleTexts.problem(t.database.db, t.logger, article.id, next, "early")).toMatch(/no revision 2/), { timeout: 5_000 });
  // Someone else naming it now (it may have been stored meanwhile, its event still on the way) is put off, not refused.
  expect(articleTexts.problem(t.database.db, t.logger, article.id, next, "honest")).toMatch(/loading/);
});

it("logs a background read of a text that failed, and reads it again at the next attempt", async () => {
  const { article } = await articleWithMembers(t.app, []);
  const target = seedTarget(0, "Iran");
  const warn = vi.spyOn(t.logger, "warn");
  try {
    // The database away: every query fails as a lost connection does.
    const away = {
      select: () => {
        throw new Error("connection ended");
      },
    } as unknown as typeof t.database.db;
    (articleTexts as unknown as { known: Map<string, unknown> }).known.delete(article.id);
    expect(articleTexts.problem(away, t.logger, article.id, target, "someone")).toMatch(/loading/);
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.objectContaining({ article: article.id }), expect.stringMatching(/could not be read/)), { timeout: 5_000 });
    await vi.waitFor(() => expect(articleTexts.problem(t.database.db, t.logger, article.id, target, "someone")).toBeNull(), { timeout: 5_000 });
  } finally {
    warn.mockRestore();
  }
});

it("keeps the newer of two revisions stored here when the older one's correction reports last", async () => {
  const { article } = await articleWithMembers(t.app, []);
  // Two corrections at once: the second's text is taken first, the first's reaches the cache after it.
  articleTexts.revised(article.id, 3, "the third text");
  articleTexts.revised(article.id, 2, "the second text");
  expect(articleTexts.currentRevision(article.id)).toBe(3);
  expect(articleTexts.indexOf(article.id, 3)?.text).toBe("the third text");
  // Work on the second text is still judged on it, as work on any earlier revision is, and moved afterwards.
  const onSecond = { revision: 2, start: 4, end: 10, exact: "second", prefix: "the ", suffix: " text" };
  expect(articleTexts.problem(t.database.db, t.logger, article.id, onSecond, "someone")).toBeNull();
});
