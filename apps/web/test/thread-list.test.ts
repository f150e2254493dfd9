import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, groupWithSeedArticle, openReader, signUpApi, threadCard } from "./support/flows.ts";

const EARLY = "The third option is a regime change policy.";

announceSkip("the thread list");

describe.skipIf(skipBrowserSuites)("the thread list, in Chromium", () => {
  const suite = chromiumSuite();

  it("the Filters panel stays as the reader left it when the last filter is cleared, and keeps the focus", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    const fay = await signUpApi(a.context, base, "Fay");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    await openReader(a.page, base, articleId);
    const card = threadCard(a.page, "Comment", fay.name);
    await card.waitFor();
    const panel = a.page.locator("details.filters");
    const isOpen = () => panel.evaluate((el) => (el as HTMLDetailsElement).open);
    const focusInPanel = () => panel.evaluate((el) => el.contains(document.activeElement) && document.activeElement !== el);

    await panel.locator("summary").click();
    const status = panel.getByLabel("Status");
    await status.focus();
    await status.selectOption("draft");
    await card.waitFor({ state: "detached" });
    // Back to "Any": the last filter goes, and the panel stays open under the pointer, the select still focused.
    await status.selectOption("");
    await card.waitFor();
    expect(await isOpen()).toBe(true);
    expect(await status.evaluate((el) => el === document.activeElement)).toBe(true);

    // "Clear filters" from the keyboard: the panel stays open and the focus stays in it.
    await status.selectOption("draft");
    await card.waitFor({ state: "detached" });
    await panel.getByRole("button", { name: "Clear filters" }).focus();
    await a.page.keyboard.press("Enter");
    await card.waitFor();
    expect(await isOpen()).toBe(true);
    expect(await focusInPanel()).toBe(true);

    // Closed by hand, it stays closed while a filter is set.
    await status.selectOption("draft");
    await panel.locator("summary").click();
    expect(await isOpen()).toBe(false);
    await expect.poll(() => panel.locator("summary").textContent()).toBe("Filters · 0 of 1");
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);

  it("a card's relative time moves on as time passes", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    const tim = await signUpApi(a.context, base, "Tim");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    // The page's clock, from now on, runs as the real one until it is moved on by hand.
    await a.page.clock.install();
    await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    await openReader(a.page, base, articleId);
    const time = threadCard(a.page, "Comment", tim.name).locator(".annotation-header time").first();
    await expect.poll(() => time.textContent()).toBe("just now");
    await a.page.clock.fastForward("02:00");
    await expect.poll(() => time.textContent(), { timeout: 15_000 }).toBe("2 minutes ago");
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);
});

describe.skipIf(skipBrowserSuites)("a long thread list, in Chromium", () => {
  const suite = chromiumSuite();
  /** More than two pages of cards (ThreadList's PAGE is 150), each on its own word of the article. */
  const COUNT = 320;

  it("focusing a thread far down renders the page around it rather than every card above it, and moves back up with the focus", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    await signUpApi(a.context, base, "Lena");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    const { text } = await call<{ text: string }>(a.context, base, "GET", `/api/articles/${articleId}`);
    // Evenly spread words, in text order: no randomness to seed.
    const words = [...text.matchAll(/\p{L}{4,}/gu)];
    const ids: string[] = [];
    for (let i = 0; i < COUNT; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => words[Math.floor(((i + j) * words.length) / COUNT)]!);
      const made = await Promise.all(
        batch.map((word) => {
          const start = [...text.slice(0, word.index)].length;
          const target = { revision: 1, exact: word[0], prefix: "", suffix: "", start, end: start + [...word[0]].length };
          return call<{ id: string }>(a.context, base, "POST", `/api/articles/${articleId}/annotations`, { kind: "highlight", target });
        }),
      );
      ids.push(...made.map((m) => m.id));
    }
    await openReader(a.page, base, articleId);
    await a.page.getByRole("tab", { name: `Threads (${COUNT})` }).waitFor();
    const cards = a.page.locator("ol.thread-list > li");
    const card = (id: string) => a.page.locator(`[data-annotation-id="${id}"]`);
    await expect.poll(() => cards.count()).toBe(150);

    await a.page.evaluate((id) => (location.hash = `annotation=${id}`), ids.at(-1)!);
    await card(ids.at(-1)!).waitFor();
    expect(await cards.count()).toBeLessThanOrEqual(150);
    expect(await card(ids[0]!).count()).toBe(0);
    const earlier = a.page.getByRole("button", { name: /^Show 150 earlier of 300$/ });
    expect(await earlier.count()).toBe(1);
    // The list's numbers are those of the whole list.
    expect(await a.page.locator("ol.thread-list").getAttribute("start")).toBe("301");

    await a.page.evaluate((id) => (location.hash = `annotation=${id}`), ids[0]!);
    await card(ids[0]!).waitFor();
    expect(await cards.count()).toBeLessThanOrEqual(150);
    expect(await card(ids.at(-1)!).count()).toBe(0);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 120_000);
});
