import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_TITLE, annotate, highlightSizes, pointInText, selectWithMouse, threadCard, twoReaders } from "./support/flows.ts";

const CLAIM = "The second option for the West is a military operation against Iran and its nuclear facilities.";
const COMMENTED = "Considering the economic and geopolitical challenges of the West in Ukraine and East Asia";
const SOURCED = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("accessibility");

/** Opens a screen by its path and waits for its main heading. */
async function visit(page: Page, base: string, path: string, heading: string | RegExp) {
  await page.goto(base + path);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

describe.skipIf(skipBrowserSuites)("accessibility (WCAG 2.2 AA, axe-core), in Chromium", () => {
  const suite = chromiumSuite();

  it("finds nothing serious or critical on any screen, popover and sidebar open", async () => {
    const { base, a, b, alice, bob, articleId, groupId } = await twoReaders(suite.browser, suite.base);
    // Something in every panel: Bob's fact-check waits for review, his comment opens a thread.
    await selectWithMouse(b.page, CLAIM);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = b.page.getByRole("dialog", { name: "New fact-check" });
    await form.getByLabel("Claim").fill("A military operation is on the table");
    await form.getByLabel("Verdict").selectOption("misleading");
    await form.getByRole("button", { name: "Save fact-check" }).click();
    await threadCard(a.page, "Fact-check", bob.name).waitFor();
    // A published fact-check whose sources have short titles: each link is a target of its own.
    await annotate(a.context, base, articleId, SOURCED, {
      kind: "factcheck",
      body: "Both are sanctioned.",
      factcheck: { claim: "Both are under sanctions", verdict: "true", sources: [{ url: "https://example.org/reuters", title: "Reuters" }, { url: "https://example.org/ap", title: "AP" }] },
    });
    await threadCard(a.page, "Fact-check", alice.name).getByRole("link", { name: "AP" }).waitFor();

    const findings: string[] = [];
    const check = async (page: Page, screen: string) => {
      findings.push(...(await axeFindings(page, screen)));
    };
    // The reader with its sidebar of threads, then each of the sidebar's tabs.
    await check(a.page, "reader and sidebar");
    for (const tab of ["Notes", /Orphans/, "Review"]) {
      await a.page.getByRole("tab", { name: tab }).click();
      await check(a.page, `sidebar tab ${tab}`);
    }
    await a.page.getByRole("tab", { name: /Threads/ }).click();

    // The popover, in each of its three forms.
    await selectWithMouse(a.page, COMMENTED);
    const menu = a.page.getByRole("dialog", { name: "Annotate selection" });
    await check(a.page, "popover menu");
    await menu.getByRole("button", { name: "Fact-check" }).click();
    const factcheck = a.page.getByRole("dialog", { name: "New fact-check" });
    await factcheck.getByRole("button", { name: "Add source" }).click();
    await check(a.page, "fact-check popover");
    // The sources sit inside the popover, however many there are.
    const overflow = await factcheck.evaluate((dialog) => {
      const box = dialog.getBoundingClientRect();
      return [...dialog.querySelectorAll("fieldset.sources, .source-row input")].map((el) => {
        const r = el.getBoundingClientRect();
        return Math.max(0, r.right - box.right, box.left - r.left);
      });
    });
    expect(overflow.length).toBeGreaterThan(2);
    expect(Math.max(...overflow)).toBe(0);
    await screenshot(a.page, "popover-factcheck-sources");
    await a.page.keyboard.press("Escape");

    await visit(a.page, base, "/", "Your groups");
    await check(a.page, "library");
    await visit(a.page, base, `/groups/${groupId}`, /^Desk /);
    await check(a.page, "group");
    await visit(a.page, base, `/groups/${groupId}/moderation`, "Moderation queue");
    await a.page.getByText("A military operation is on the table").first().waitFor();
    await check(a.page, "moderation queue");
    await visit(a.page, base, `/articles/${articleId}/dashboard`, "Live session");
    await check(a.page, "dashboard");
    await visit(a.page, base, `/articles/${articleId}/participation`, "Participation");
    await check(a.page, "participation");
    // The account screen, with a new token's secret shown and the list of tokens filled.
    await visit(a.page, base, "/account", "Your account");
    await a.page.getByLabel("Token name").fill("Accessibility sweep");
    await a.page.getByRole("button", { name: "Create token" }).click();
    await a.page.getByRole("group", { name: "Token “Accessibility sweep” created" }).waitFor();
    await check(a.page, "account");
    await visit(b.page, base, "/", "Your groups");
    await check(b.page, "library (annotator)");
    // Signed out: asking for a reset link, and the page the link opens.
    const anonymous = await newUserPage(suite.browser);
    await visit(anonymous.page, base, "/forgot-password", "Reset your password");
    await check(anonymous.page, "forgot password");
    await visit(anonymous.page, base, "/reset-password#token=abcdefghijkmnpqrstuvwxyz", "Choose a new password");
    await check(anonymous.page, "reset password");

    expect(findings).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("annotates without a mouse: Tab to the article, step by sentence, extend, Enter, comment; focus comes back", async () => {
    const { a, b, alice } = await twoReaders(suite.browser, suite.base);
    const page = a.page;
    // Tab from the top of the page reaches the article; nothing on the way is left without a name.
    await page.locator("body").focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(() => document.activeElement?.getAttribute("aria-label") === "Article")) break;
    }
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Article");
    const selected = () => page.evaluate(() => document.getSelection()?.toString().trim());
    // Step by sentence: the byline and title come first, in the text's order, which is also the order on screen,
    // so each step moves down the page.
    const tops: number[] = [];
    const selectionTop = () => page.evaluate(() => document.getSelection()?.getRangeAt(0).getBoundingClientRect().top ?? Number.NaN);
    await page.keyboard.press("Alt+ArrowDown");
    expect(await selected()).toBe("Hamid Bahrami");
    tops.push(await selectionTop());
    await page.keyboard.press("Alt+ArrowDown");
    expect(await selected()).toBe(SEED_TITLE);
    tops.push(await selectionTop());
    await page.keyboard.press("Alt+ArrowDown");
    tops.push(await selectionTop());
    expect(tops[1]).toBeGreaterThan(tops[0]!);
    expect(tops[2]).toBeGreaterThan(tops[1]!);
    for (let i = 0; i < 4; i++) await page.keyboard.press("Alt+ArrowDown");
    const second = await selected();
    expect(second).toBe("The use of Iranian drones to attack Ukraine, Russia’s support for the Iranian regime’s membership in the Shanghai Cooperation Organisation (SCO), the sale of Sukhoi Su-35, and Tehran-Moscow coordination in Iran’s nuclear blackmail are signs of deepening ties between the two authoritarian regimes.");
    await page.keyboard.press("Alt+ArrowUp");
    expect(await selected()).toMatch(/^Such relations in the economic/);
    await page.keyboard.press("Alt+Shift+ArrowDown");
    expect(await selected()).toMatch(/^Such relations in the economic.*authoritarian regimes\.$/);
    // Stepping is not annotating: no popover until Enter.
    expect(await page.getByRole("dialog").count()).toBe(0);
    await page.keyboard.press("Enter");
    const menu = page.getByRole("dialog", { name: "Annotate selection" });
    await menu.waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "New comment" }).waitFor();
    await page.keyboard.type("Two claims in one passage.");
    await page.keyboard.press("Enter");
    await threadCard(page, "Comment", alice.name).getByText("Two claims in one passage.").waitFor();
    expect((await threadCard(page, "Comment", alice.name).getByRole("button", { name: /Show in text/ }).textContent())?.includes("Such relations in the economic")).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Article");
    await expect.poll(() => highlightSizes(page)).toMatchObject({ "mg-comment": 1 });
    // The next step goes on from the annotated passage, though annotating cleared the selection.
    await page.keyboard.press("Alt+ArrowDown");
    expect(await selected()).toMatch(/^Western countries, especially the United States/);

    // Focus stays where it is while the sidebar re-renders under another member's work.
    const reply = threadCard(page, "Comment", alice.name).getByRole("textbox", { name: "Reply" });
    await reply.focus();
    await reply.fill("Drafting");
    await selectWithMouse(b.page, CLAIM);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Highlight" }).click();
    await expect.poll(() => highlightSizes(page)).toMatchObject({ "mg-highlight": 1 });
    expect(await page.evaluate(() => (document.activeElement as HTMLTextAreaElement | null)?.value)).toBe("Drafting");
    // And it is visible: the focused control draws an outline.
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("at 390×844 the reader keeps to the screen and the sidebar is a drawer that opens, annotates and closes", async () => {
    const { a, b, alice, bob } = await twoReaders(suite.browser, suite.base);
    const page = a.page;
    await page.setViewportSize({ width: 390, height: 844 });
    const toggle = page.getByRole("button", { name: /^Annotations \(\d+\)$/ });
    await toggle.waitFor();
    // Nothing runs off the side, and the sidebar waits behind its button.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByRole("tablist", { name: "Sidebar" }).count()).toBe(0);
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");

    // Selecting still opens the popover, inside the screen.
    await selectWithMouse(page, "The third option is a regime change policy.");
    const menu = page.getByRole("dialog", { name: "Annotate selection" });
    await menu.getByRole("button", { name: "Comment" }).click();
    const form = page.getByRole("dialog", { name: "New comment" });
    const box = (await form.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.keyboard.type("Which policy, and whose?");
    await page.keyboard.press("Enter");
    await form.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Annotations (1)" }).waitFor();
    await screenshot(page, "reader-narrow");

    // The drawer opens over the article with focus inside; a reply is written there; Escape closes it.
    await toggle.click();
    const drawer = page.getByRole("dialog", { name: "Annotations" });
    await drawer.waitFor();
    expect(await drawer.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    const drawerBox = (await drawer.boundingBox())!;
    expect(drawerBox.width).toBeLessThanOrEqual(390);
    const card = threadCard(page, "Comment", alice.name);
    await card.getByText("Which policy, and whose?").waitFor();
    await card.getByRole("textbox", { name: "Reply" }).fill("The author's own proposal.");
    await card.getByRole("button", { name: "Send reply" }).click();
    await threadCard(b.page, "Comment", alice.name).getByText("The author's own proposal.").waitFor();
    expect(await axeFindings(page, "drawer at 390×844")).toEqual([]);
    await screenshot(page, "reader-narrow-drawer");
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Annotations \(1\)$/);

    // A tap on annotated text opens the drawer on its thread.
    const word = await pointInText(page, "The third option is a regime change policy.", 6);
    await page.mouse.click(word.x, word.y);
    await drawer.waitFor();
    await page.locator("article.thread.focused").waitFor();
    await drawer.getByRole("button", { name: "Close" }).click();
    await drawer.waitFor({ state: "detached" });
    expect(bob.id).not.toBe(alice.id);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);
});
