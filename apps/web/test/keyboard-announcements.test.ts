import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { recordAnnouncements } from "./support/announcements.ts";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { SEED_TITLE, annotate, openReader, selectWithMouse, setRole, threadCard, twoMembers } from "./support/flows.ts";

announceSkip("keyboard routes and announcements");

const FIRST = "After the collapse of the Soviet Union";
const SECOND = "both Iran and Russia";

const spoken = (page: Page) => page.evaluate(() => document.getElementById("announcer")?.textContent ?? "");
const selected = (page: Page) => page.evaluate(() => document.getSelection()?.toString().trim());
const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("aria-label"));

describe.skipIf(skipBrowserSuites)("keyboard routes and announcements, in Chromium", () => {
  const suite = chromiumSuite();

  it("steps from one annotated passage to the next with the keys, tells each one, and goes to its thread", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(b.context, base, articleId, FIRST, { kind: "comment", body: "Which year?" });
    await annotate(b.context, base, articleId, SECOND, { kind: "factcheck", factcheck: { claim: "Both found reasons", verdict: "false", sources: [] } });
    const page = a.page;
    await openReader(page, base, articleId);
    await threadCard(page, "Fact-check", bob.name).waitFor();
    const article = page.getByRole("article", { name: "Article" });
    expect(await article.getAttribute("aria-keyshortcuts")).toContain("Alt+PageDown");
    await article.focus();

    await page.keyboard.press("Alt+PageDown");
    expect(await selected(page)).toBe(FIRST);
    await expect.poll(() => spoken(page)).toBe(`Comment, by ${bob.name}: ${FIRST}. 1 of 2.`);
    await page.keyboard.press("Alt+PageDown");
    expect(await selected(page)).toBe(SECOND);
    await expect.poll(() => spoken(page)).toBe(`Fact-check, verdict False, by ${bob.name}: ${SECOND}. 2 of 2.`);
    // The thread is marked, but focus stays in the article so that the next key goes on from here.
    expect(await focusedLabel(page)).toBe("Article");
    await page.locator(`article.thread.focused[aria-label="Fact-check by ${bob.name}"]`).waitFor();
    await page.keyboard.press("Alt+PageDown");
    await expect.poll(() => spoken(page)).toBe("No more annotated passages after this one.");
    expect(await selected(page)).toBe(SECOND);
    // Alt+P is the same step backwards, for keyboards without Page Up.
    await page.keyboard.press("Alt+KeyP");
    expect(await selected(page)).toBe(FIRST);
    await expect.poll(() => spoken(page)).toMatch(/^Comment, by .*1 of 2\.$/);

    // Alt+Enter goes to the thread; its "Show in text" selects the passage and brings focus back to the article.
    await page.keyboard.press("Alt+Enter");
    await expect.poll(() => focusedLabel(page)).toBe(`Comment by ${bob.name}`);
    await page.evaluate(() => document.getSelection()?.removeAllRanges());
    await threadCard(page, "Fact-check", bob.name).getByRole("button", { name: /Show in text/ }).click();
    expect(await selected(page)).toBe(SECOND);
    expect(await focusedLabel(page)).toBe("Article");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("tells, without moving focus, what another member adds while the article is open, and a burst in one sentence", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await openReader(page, base, articleId);
    const tab = page.getByRole("tab", { name: /Threads/ });
    await tab.focus();
    await annotate(b.context, base, articleId, FIRST, { kind: "comment", body: "Which year was that?" });
    await expect.poll(() => spoken(page), { timeout: 10_000 }).toBe(`${bob.name} commented on “${FIRST}”: Which year was that?`);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("tab");
    await annotate(b.context, base, articleId, SECOND, { kind: "highlight" });
    await annotate(b.context, base, articleId, "several reasons", { kind: "highlight" });
    await expect.poll(() => spoken(page), { timeout: 10_000 }).toBe(`2 new annotations and replies, from ${bob.name}.`);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("tells who opens the article and who leaves it, once per person, and not who was already there", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    await openReader(b.page, base, articleId);
    const page = a.page;
    await openReader(page, base, articleId);
    await page.getByRole("group", { name: "2 readers here now" }).waitFor();
    const said = await recordAnnouncements(page);
    // A second tab of Bob's is not a new reader, and closing his first is not a departure.
    const second = await b.context.newPage();
    await openReader(second, base, articleId);
    await b.page.close();
    await second.close();
    await expect.poll(said, { timeout: 10_000 }).toEqual([`${bob.name} left this article.`]);
    await page.getByRole("group", { name: "1 reader here now" }).waitFor();
    const again = await b.context.newPage();
    await openReader(again, base, articleId);
    await expect.poll(said, { timeout: 10_000 }).toEqual([`${bob.name} left this article.`, `${bob.name} opened this article.`]);
    // Bob was reading before Alice came: that was never said.
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("names each screen in the title, puts focus on the new screen's heading after navigating, and back on the opener after closing a form", async () => {
    const { base, a, alice, articleId, groupId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await annotate(a.context, base, articleId, FIRST, { kind: "comment", body: "Which year?" });
    await openReader(page, base, articleId);
    expect(await page.title()).toBe(`${SEED_TITLE} · Marginalia`);
    const card = threadCard(page, "Comment", alice.name);
    const active = () => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim().slice(0, 40)}`);
    await card.getByRole("button", { name: "Edit", exact: true }).click();
    await card.getByRole("form", { name: "Edit annotation" }).waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(active).toBe("BUTTON Edit");
    await card.getByRole("button", { name: "Delete", exact: true }).click();
    await card.getByRole("button", { name: "Keep" }).click();
    await expect.poll(active).toBe("BUTTON Delete");
    await card.getByRole("button", { name: "Assign…" }).click();
    await page.keyboard.press("Escape");
    await expect.poll(active).toBe("BUTTON Assign…");

    await page.getByRole("link", { name: "Dashboard" }).click();
    await expect.poll(active).toBe("H1 Live session");
    expect(await page.title()).toBe(`Live session · ${SEED_TITLE} · Marginalia`);
    await page.goBack();
    await expect.poll(active, { timeout: 10_000 }).toMatch(/^H1 How to counter/);
    expect(await page.title()).toBe(`${SEED_TITLE} · Marginalia`);
    await page.goto(`${base}/groups/${groupId}/moderation`);
    await page.getByRole("heading", { level: 1, name: "Moderation queue" }).waitFor();
    await expect.poll(() => page.title()).toMatch(/^Moderation queue · Desk \d+ · Marginalia$/);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("does not chatter: typing in the shared notes changes no live region", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await openReader(page, base, articleId);
    await page.getByRole("tab", { name: "Notes" }).click();
    await page.getByRole("textbox", { name: "Shared notes" }).focus();
    await page.evaluate(() => {
      const w = window as unknown as { liveChanges: number };
      w.liveChanges = 0;
      const live = '[aria-live]:not([aria-live="off"]), [role=status]:not([aria-live="off"]), [role=alert]';
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target instanceof Element ? r.target : r.target.parentElement;
          if (el?.closest(live)) w.liveChanges++;
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.keyboard.type("The team agrees on the first two options.", { delay: 40 });
    await page.getByRole("status", { name: "Saved" }).waitFor();
    await page.waitForTimeout(2_500);
    expect(await page.evaluate(() => (window as unknown as { liveChanges: number }).liveChanges)).toBe(0);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("has a main landmark and a skip link to the article, fields with a visible edge, room under the top bar, and verdicts told apart by form", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await openReader(page, base, articleId);
    expect(await page.locator("main").count()).toBe(1);
    expect(await page.locator("main article#article").count()).toBe(1);
    await page.locator("body").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to the article");
    await page.keyboard.press("Enter");
    await expect.poll(() => focusedLabel(page)).toBe("Article");

    // A text field's edge has 3:1 against the page (WCAG 1.4.11); focus scrolled to stops below the top bar.
    const edge = await page.locator("#thread-search").evaluate((el) => getComputedStyle(el).borderTopColor);
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number).map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    expect(1.05 / (luminance(edge) + 0.05)).toBeGreaterThanOrEqual(3);
    const [padding, bar] = await page.evaluate(() => [parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop), document.querySelector(".topbar")!.getBoundingClientRect().height]);
    expect(padding).toBeGreaterThanOrEqual(bar!);

    // Neighbouring verdicts differ in the form of their line, not only in colour, and every line has 3:1 on white.
    const lines = await page.evaluate(() => {
      const found: Record<string, [string, string]> = {};
      for (const sheet of document.styleSheets)
        for (const rule of sheet.cssRules)
          if (rule instanceof CSSStyleRule && rule.selectorText.startsWith("::highlight(mg-fc-"))
            found[rule.selectorText.slice(18, -1)] = [`${rule.style.textDecorationStyle || "solid"} ${rule.style.textDecorationThickness}`, rule.style.textDecorationColor];
      return found;
    });
    const scale = ["true", "mostly-true", "mixed", "misleading", "mostly-false", "false"];
    for (let i = 1; i < scale.length; i++) expect(lines[scale[i]!]![0]).not.toBe(lines[scale[i - 1]!]![0]);
    for (const verdict of scale) expect(1.05 / (luminance(lines[verdict]![1]) + 0.05)).toBeGreaterThanOrEqual(3);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("closes menus, panels and inline forms with Escape, and a menu once focus has left it", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(b.context, base, articleId, FIRST, { kind: "comment", body: "Which year?" });
    const page = a.page;
    await openReader(page, base, articleId);
    const isOpen = (selector: string) => page.locator(selector).evaluate((el) => (el as HTMLDetailsElement).open);
    const active = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    // Escape from inside the menu (Export's first format, the first filter), or from the summary (nothing new is no stop).
    for (const [selector, summary, inside] of [["details.export-menu", "Export", true], ["details.notifications", "", false], ["details.filters", null, true]] as const) {
      await page.locator(`${selector} > summary`).click();
      expect(await isOpen(selector)).toBe(true);
      if (inside) await page.keyboard.press("Tab");
      await page.keyboard.press("Escape");
      expect(await isOpen(selector)).toBe(false);
      expect(await page.evaluate((s) => document.activeElement === document.querySelector(`${s} > summary`), selector)).toBe(true);
      if (summary !== null) expect(await active()).toContain(summary);
    }
    await page.locator("details.export-menu > summary").click();
    for (let i = 0; i < 8; i++) await page.keyboard.press("Tab");
    expect(await isOpen("details.export-menu")).toBe(false);

    const card = threadCard(page, "Comment", bob.name);
    await card.getByRole("button", { name: "Flag" }).click();
    await card.getByRole("textbox", { name: "Reason for flagging" }).waitFor();
    await page.keyboard.press("Escape");
    expect(await card.getByRole("textbox", { name: "Reason for flagging" }).count()).toBe(0);
    await expect.poll(active).toBe("Flag");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

});

// A second server: the first one's sign-in limit per IP (30 attempts in 10 minutes, kept in memory) would refuse the rest.
describe.skipIf(skipBrowserSuites)("forms, viewers, motion and sizes, in Chromium", () => {
  const suite = chromiumSuite();

  it("ties a form's error to its field: marked invalid, described by the error, and focused", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await openReader(page, base, articleId);
    const problem = () =>
      page.evaluate(() => {
        const el = document.activeElement!;
        const id = el.getAttribute("aria-describedby");
        return { label: el.getAttribute("aria-label") ?? el.getAttribute("name"), invalid: el.getAttribute("aria-invalid"), error: id ? document.getElementById(id)?.textContent : null };
      });
    await selectWithMouse(page, FIRST);
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await page.getByRole("dialog", { name: "New comment" }).getByRole("button", { name: "Post comment" }).click();
    await expect.poll(problem).toEqual({ label: "body", invalid: "true", error: "Write a comment first." });
    await page.keyboard.press("Escape");

    await selectWithMouse(page, FIRST);
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = page.getByRole("dialog", { name: "New fact-check" });
    // The claim starts as the quote, all of it selected: what is typed first replaces it.
    const claim = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLTextAreaElement;
        return { tag: el.tagName, value: el.value, selected: el.value.slice(el.selectionStart, el.selectionEnd) };
      });
    await expect.poll(claim).toEqual({ tag: "TEXTAREA", value: FIRST, selected: FIRST });
    await page.keyboard.type("Iran joined the SCO");
    expect((await claim()).value).toBe("Iran joined the SCO");
    await form.getByLabel("Verdict").selectOption("false");
    await form.getByRole("textbox", { name: "Source 1 URL" }).fill("ftp://example.org/report");
    await form.getByRole("button", { name: "Save fact-check" }).click();
    await expect.poll(problem).toEqual({ label: "Source 1 URL", invalid: "true", error: "Source 1: give a web address starting with http:// or https://." });
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("does not promise a viewer that Enter annotates, and tells them why it does not", async () => {
    const { base, a, b, bob, articleId, groupId } = await twoMembers(suite.browser, suite.base);
    await setRole(a.context, base, groupId, bob.id, "viewer");
    const page = b.page;
    await openReader(page, base, articleId);
    const article = page.getByRole("article", { name: "Article" });
    expect((await article.getAttribute("aria-keyshortcuts"))?.split(" ")).not.toContain("Enter");
    expect(await page.locator("#article-keys").textContent()).not.toContain("Enter annotates");
    await article.focus();
    await page.keyboard.press("Alt+ArrowDown");
    await page.keyboard.press("Enter");
    await expect.poll(() => spoken(page)).toBe("As a viewer in this group you can read the annotations but not add any.");
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("jumps rather than scrolls smoothly to a passage when the reader asked for less motion", async () => {
    const { base, a, alice, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(a.context, base, articleId, "The third option is a regime change policy.", { kind: "comment", body: "Whose?" });
    const page = a.page;
    await page.emulateMedia({ reducedMotion: "reduce" });
    await openReader(page, base, articleId);
    await page.evaluate(() => window.scrollTo(0, 0));
    await threadCard(page, "Comment", alice.name).getByRole("button", { name: /Show in text/ }).click();
    const after = await page.evaluate(() => new Promise<number>((done) => requestAnimationFrame(() => done(window.scrollY))));
    await page.waitForTimeout(600);
    expect(after).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.scrollY)).toBe(after);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("keeps the passage selected when its comment form is cancelled, so Enter opens it again", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await openReader(page, base, articleId);
    await page.getByRole("article", { name: "Article" }).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("Alt+ArrowDown");
    const sentence = await selected(page);
    expect(sentence).toBeTruthy();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await page.getByRole("dialog", { name: "New comment" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await selected(page)).toBe(sentence);
    expect(await focusedLabel(page)).toBe("Article");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Annotate selection" }).waitFor();
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("follows the browser's font size: doubled, the top bar and the sidebar's tabs keep their words whole", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    const cdp = await a.context.newCDPSession(page);
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 32, fixed: 26 } });
    await openReader(page, base, articleId);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)).toBe("30px");
    // A word broken over lines makes its control taller than two lines of its text.
    const broken = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".topbar a:not(.menu a), .topbar summary, .tabs [role=tab]")]
        .filter((el) => el.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(el).fontSize) * 1.5)
        .map((el) => el.textContent),
    );
    expect(broken).toEqual([]);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("keeps the participation table and the library's form within narrow screens", async () => {
    const { base, a, articleId } = await twoMembers(suite.browser, suite.base);
    const page = a.page;
    await page.setViewportSize({ width: 640, height: 800 });
    await page.goto(`${base}/articles/${articleId}/participation`);
    await page.getByRole("table").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(640);
    // "owner" on one line, not split into "owne r".
    const role = page.getByRole("cell", { name: "owner", exact: true });
    expect(
      await role.evaluate((el) => {
        const words = document.createRange();
        words.selectNodeContents(el);
        return words.getClientRects().length;
      }),
    ).toBe(1);
    await page.setViewportSize({ width: 320, height: 700 });
    await page.goto(`${base}/`);
    await page.getByLabel("Moderation").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);
});
