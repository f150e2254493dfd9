import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { twoReaders, groupWithSeedArticle, highlightSizes, openReader, pointInText, selectWithMouse, signUpApi, threadCard } from "./support/flows.ts";

const SENTENCE = "The second option for the West is a military operation against Iran and its nuclear facilities.";
const OTHER = "Considering the economic and geopolitical challenges of the West in Ukraine and East Asia";

announceSkip("reader collaboration");

/** Long enough for a busy CI host, far short of a reload or a poll: what arrives arrives over the socket. */
const LIVE_MS = 5_000;

describe.skipIf(skipBrowserSuites)("reader collaboration, in Chromium", () => {
  const suite = chromiumSuite();

  // Live, not timed: how soon a remote annotation is painted is `pnpm bench`'s reader case (bench/results/latest.md).
  it("A highlights and fact-checks a sentence as misleading; B sees both live and replies; A sees the reply", async () => {
    const { a, b, alice, bob } = await twoReaders(suite.browser, suite.base);
    await a.page.getByRole("group", { name: "2 readers here now" }).waitFor();

    // A highlights the sentence.
    await selectWithMouse(a.page, SENTENCE);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Highlight" }).click();
    await threadCard(b.page, "Highlight", alice.name).waitFor({ timeout: LIVE_MS });

    // A fact-checks it: the claim is prefilled with the quote.
    await selectWithMouse(a.page, SENTENCE);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = a.page.getByRole("dialog", { name: "New fact-check" });
    expect(await form.getByLabel("Claim").inputValue()).toBe(SENTENCE);
    await form.getByLabel("Verdict").selectOption("misleading");
    await form.getByLabel("Source 1 URL").fill("https://www.iaea.org/newscenter/focus/iran");
    await form.getByLabel("Source 1 title").fill("IAEA and Iran");
    await form.getByLabel("Explanation (optional)").fill("No Western government has proposed this.");
    await form.getByRole("button", { name: "Save fact-check" }).click();
    const bobsView = threadCard(b.page, "Fact-check", alice.name);
    await bobsView.waitFor({ timeout: LIVE_MS });
    await expect.poll(() => bobsView.textContent()).toContain("Misleading");
    expect(await bobsView.getByRole("link", { name: "IAEA and Iran" }).getAttribute("rel")).toBe("noopener noreferrer");
    // Both are painted in B's article, in their layers, without touching the text.
    await expect.poll(() => highlightSizes(b.page)).toMatchObject({ "mg-highlight": 1, "mg-fc-misleading": 1 });
    expect(await b.page.locator("article.article mark, article.article [data-block] *").count()).toBe(0);

    // B replies; A sees the reply.
    await bobsView.getByRole("textbox", { name: "Reply" }).fill("The IAEA report says nothing about strikes.");
    await bobsView.getByRole("button", { name: "Send reply" }).click();
    await threadCard(a.page, "Fact-check", alice.name).getByText("The IAEA report says nothing about strikes.").waitFor({ timeout: 2_000 });
    await b.page.getByRole("status", { name: "Saved" }).waitFor();
    await a.page.getByRole("status", { name: "Saved" }).waitFor();
    // The reply is durable, and so is A's notification of it, pushed to the bell without opening it (the
    // menu's poll comes every 30 s).
    await a.page.locator(".notifications summary[aria-label='Notifications, 1 unread']").waitFor({ timeout: 15_000 });
    await a.page.locator(".notifications summary").click();
    await a.page.getByRole("list", { name: "Notifications" }).getByRole("link", { name: new RegExp(`${bob.name} replied to your annotation`) }).waitFor();
    await a.page.locator(".notifications summary").click();

    // B's selection shows live in A's article, in B's colour, with B's name.
    await selectWithMouse(b.page, OTHER);
    await expect.poll(async () => Object.keys(await highlightSizes(a.page)).some((name) => name.startsWith("mg-peer-"))).toBe(true);
    await a.page.locator(".peer-flag", { hasText: bob.name }).waitFor();

    // Clicking painted text focuses its thread.
    const word = await pointInText(a.page, SENTENCE, 20);
    await a.page.mouse.click(word.x, word.y);
    await a.page.locator("article.thread.focused").waitFor();
    expect(await a.page.locator("article.thread.focused").getAttribute("aria-label")).toMatch(new RegExp(`(Highlight|Fact-check) by ${alice.name}`));

    await screenshot(a.page, "reader-alice");
    await screenshot(b.page, "reader-bob");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("annotates from the keyboard: Tab to Comment, Enter, type, Enter; Escape closes", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const carol = await signUpApi(a.context, base, "Carol");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await openReader(a.page, base, articleId);

    await selectWithMouse(a.page, OTHER);
    const menu = a.page.getByRole("dialog", { name: "Annotate selection" });
    await menu.waitFor();
    // Focus moved into the popover, on its first action.
    expect(await a.page.evaluate(() => document.activeElement?.textContent)).toBe("Highlight");
    await a.page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    expect(await a.page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Article");

    await selectWithMouse(a.page, OTHER);
    await menu.waitFor();
    await a.page.keyboard.press("Tab");
    await a.page.keyboard.press("Enter");
    const form = a.page.getByRole("dialog", { name: "New comment" });
    await form.waitFor();
    await a.page.keyboard.type("Which challenges, exactly?");
    await a.page.keyboard.press("Enter");
    await form.waitFor({ state: "detached" });
    await threadCard(a.page, "Comment", carol.name).getByText("Which challenges, exactly?").waitFor();
    await expect.poll(() => highlightSizes(a.page)).toMatchObject({ "mg-comment": 1 });
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);
});
