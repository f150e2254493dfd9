import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { announceSkip, anotherPage, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, annotate, call, openReader, selectWithMouse, storedDrafts, threadCard, twoReaders } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";
/** A correction that adds words before both passages, and one that rewords OTHER. */
const EARLIER = SEED_ARTICLE.replace("Russian President visited Iran July 2022.", "Russian President Vladimir Putin visited Tehran, Iran, in July 2022.");
const REWORDED = SEED_ARTICLE.replace("under tough sanctions", "under tougher sanctions");

announceSkip("drafts' lifecycle");

describe.skipIf(skipBrowserSuites)("drafts' lifecycle, in Chromium", () => {
  const suite = chromiumSuite();

  /** Alice has a comment on one passage, Bob one on another; both read the article. */
  async function twoThreads() {
    const readers = await twoReaders(suite.browser, suite.base);
    const { base, a, b, articleId } = readers;
    const alicesId = await annotate(a.context, base, articleId, OTHER, { kind: "comment", body: "Which sanctions?" });
    const bobsId = await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    return { ...readers, alicesId, bobsId };
  }

  it("a draft for an annotation deleted elsewhere is let go, and what was written in it is told, live and when the page opens again", async () => {
    const { base, a, b, alice, bob, articleId, alicesId, bobsId } = await twoThreads();
    const page = b.page;
    await threadCard(page, "Comment", alice.name).getByRole("textbox", { name: "Reply" }).fill("Half a reply");
    const mine = threadCard(page, "Comment", bob.name);
    await mine.getByRole("button", { name: "Edit", exact: true }).click();
    await mine.getByLabel("Comment").fill("Which reasons, exactly?");
    expect((await storedDrafts(page)).length).toBe(2);

    // Alice deletes the comment Bob was answering: the page learns it from the live document.
    await call(a.context, base, "DELETE", `/api/annotations/${alicesId}`);
    const told = page.getByRole("alert").filter({ hasText: "your reply" });
    await told.waitFor();
    expect(await told.textContent()).toContain("deleted");
    expect(await told.getByRole("textbox").inputValue()).toContain("Half a reply");
    await expect.poll(() => storedDrafts(page)).toHaveLength(1);

    // The tab is closed with the edit kept; Bob deletes the comment from elsewhere meanwhile.
    await page.close();
    await call(b.context, base, "DELETE", `/api/annotations/${bobsId}`);
    const again = await anotherPage(b);
    await openReader(again, base, articleId);
    const toldAgain = again.getByRole("alert").filter({ hasText: "your edit" });
    await toldAgain.waitFor();
    expect(await toldAgain.getByRole("textbox").inputValue()).toContain("Which reasons, exactly?");
    await expect.poll(() => storedDrafts(again)).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("a reply to a thread a moderator hides is told and let go from storage, and is back in its box if the thread is unhidden while the page is open", async () => {
    const { base, a, b, bob, bobsId } = await twoThreads();
    const page = b.page;
    const mine = threadCard(page, "Comment", bob.name);
    await mine.getByRole("textbox", { name: "Reply" }).fill("Which reasons, in 1991?");
    await call(a.context, base, "POST", `/api/annotations/${bobsId}/hide`, { reason: "A look" });
    await mine.waitFor({ state: "detached" });
    const told = page.getByRole("alert").filter({ hasText: "your reply" });
    await told.waitFor();
    expect(await told.textContent()).toContain("hidden by a moderator");
    expect(await told.getByRole("textbox").inputValue()).toBe("Which reasons, in 1991?");
    await expect.poll(() => storedDrafts(page)).toEqual([]);

    await call(a.context, base, "POST", `/api/annotations/${bobsId}/unhide`);
    expect(await mine.getByRole("textbox", { name: "Reply" }).inputValue()).toBe("Which reasons, in 1991?");
    // The text is back where it was written: the notice that it was not sent is taken back.
    await told.waitFor({ state: "detached" });
    await mine.getByRole("textbox", { name: "Reply" }).press("End");
    await mine.getByRole("textbox", { name: "Reply" }).pressSequentially(" And since?");
    await expect.poll(() => storedDrafts(page)).toHaveLength(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("two tabs writing the same reply each keep their own text, and a reload offers the newest and tells of the other", async () => {
    const { base, b, alice, articleId } = await twoThreads();
    const first = b.page;
    const second = await anotherPage(b);
    await openReader(second, base, articleId);
    const replyIn = (page: Page) => threadCard(page, "Comment", alice.name).getByRole("textbox", { name: "Reply" });
    await replyIn(first).fill("From the first tab");
    await replyIn(second).fill("From the second tab");
    expect(await replyIn(first).inputValue()).toBe("From the first tab");

    // The second tab wrote last: a reload of the first offers that, and does not drop its own text unsaid.
    await second.close();
    await openReader(first, base, articleId);
    await expect.poll(() => replyIn(first).inputValue()).toBe("From the second tab");
    const told = first.getByRole("alert").filter({ hasText: "another tab" });
    await told.waitFor();
    expect(await told.getByRole("textbox").inputValue()).toContain("From the first tab");
    expect(b.errors).toEqual([]);
    await b.context.close();
  }, 120_000);

  /**
   * Bob writes a comment on OTHER in the selection popover; Alice (the owner) then stores a correction. Her
   * comment on PASSAGE is placed on the new revision, which is what offers Bob to load it.
   */
  async function writingWhileCorrected(content: string) {
    const { base, a, b, alice, articleId } = await twoReaders(suite.browser, suite.base);
    await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    await threadCard(b.page, "Comment", alice.name).waitFor();
    await selectWithMouse(b.page, OTHER);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    const popover = b.page.getByRole("dialog", { name: "New comment" });
    await popover.getByLabel("Comment").fill("Which sanctions?");
    await expect.poll(() => storedDrafts(b.page)).toHaveLength(1);
    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, { data: { format: "text", content } });
    expect(corrected.status()).toBe(201);
    await b.page.getByRole("button", { name: "Load the new revision" }).click();
    return { base, a, b, articleId, popover };
  }

  it("a comment being written when the reader loads a correction stays on its passage, placed again in the new text", async () => {
    const { base, a, b, articleId, popover } = await writingWhileCorrected(EARLIER);
    await expect.poll(() => b.page.locator("#article").textContent()).toContain("Vladimir Putin");
    expect(await popover.locator(".popover-quote").textContent()).toBe(`“${OTHER}”`);
    expect(await popover.getByLabel("Comment").inputValue()).toBe("Which sanctions?");
    await popover.getByRole("button", { name: "Post comment" }).click();
    await popover.waitFor({ state: "detached" });
    type Saved = { annotations: Array<{ body: string; target: { exact: string; revision: number } }> };
    const saved = async () => (await call<Saved>(b.context, base, "GET", `/api/articles/${articleId}/annotations`)).annotations.filter((x) => x.body === "Which sanctions?");
    await expect.poll(saved).toHaveLength(1);
    const [comment] = await saved();
    expect(comment).toMatchObject({ body: "Which sanctions?", target: { exact: OTHER, revision: 2 } });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("a comment being written on a passage a correction rewords is closed, and what was written is told to copy", async () => {
    const { a, b, popover } = await writingWhileCorrected(REWORDED);
    await popover.waitFor({ state: "detached" });
    const told = b.page.getByRole("alert").filter({ hasText: "new revision" });
    await told.waitFor();
    expect(await told.getByRole("textbox").inputValue()).toContain("Which sanctions?");
    await expect.poll(() => storedDrafts(b.page)).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);
});
