import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites, anotherPage } from "./support/browser.ts";
import { SEED_TITLE, annotate, call, highlightSizes, selectWithMouse, setRole, threadCard, twoMembers, twoReaders } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("offline and refused edits");

describe.skipIf(skipBrowserSuites)("offline and refused edits, in Chromium", () => {
  const suite = chromiumSuite();

  it("keeps edits made offline and merges them, annotations and notes alike, after the reconnect", async () => {
    const { a, b, alice, bob } = await twoReaders(suite.browser, suite.base);

    await a.context.setOffline(true);
    await a.page.getByRole("status").filter({ hasText: "You are offline" }).waitFor();
    await a.page.getByRole("status", { name: "Offline" }).waitFor();

    // A comments and writes notes offline; B, online, highlights and writes notes too.
    await selectWithMouse(a.page, PASSAGE);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await a.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("Written on the train.");
    await a.page.getByRole("button", { name: "Post comment" }).click();
    await threadCard(a.page, "Comment", alice.name).getByText("Written on the train.").waitFor();
    await a.page.getByRole("status", { name: "Offline: not saved yet" }).waitFor();
    await a.page.getByRole("tab", { name: "Notes" }).click();
    await a.page.getByRole("textbox", { name: "Shared notes" }).fill("Alice: the 1990s background checks out.");

    await selectWithMouse(b.page, OTHER);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Highlight" }).click();
    await b.page.getByRole("tab", { name: "Notes" }).click();
    await b.page.getByRole("textbox", { name: "Shared notes" }).fill("Bob: sanctions figures need a source.");
    await b.page.getByRole("status", { name: "Saved" }).waitFor();
    await b.page.waitForTimeout(500);
    expect(await threadCard(b.page, "Comment", alice.name).count()).toBe(0);
    await screenshot(a.page, "reader-offline");

    // Back online: both sides converge, and A's mark returns to saved once the server acknowledges.
    await a.context.setOffline(false);
    await a.page.getByRole("status").filter({ hasText: "You are offline" }).waitFor({ state: "detached" });
    await a.page.getByRole("status", { name: "Saved" }).waitFor();
    await b.page.getByRole("tab", { name: /Threads/ }).click();
    await threadCard(b.page, "Comment", alice.name).getByText("Written on the train.").waitFor();
    await a.page.getByRole("tab", { name: /Threads/ }).click();
    await threadCard(a.page, "Highlight", bob.name).waitFor();
    await expect.poll(() => highlightSizes(a.page)).toMatchObject({ "mg-comment": 1, "mg-highlight": 1 });
    for (const page of [a.page, b.page]) {
      await page.getByRole("tab", { name: "Notes" }).click();
      const notes = page.getByRole("textbox", { name: "Shared notes" });
      await expect.poll(() => notes.inputValue()).toContain("Alice: the 1990s background checks out.");
      expect(await notes.inputValue()).toContain("Bob: sanctions figures need a source.");
    }
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("after a refused update (4403) drops its copy, rejoins with a fresh document and says why", async () => {
    const { base, a, b, bob, groupId } = await twoReaders(suite.browser, suite.base);

    // B writes offline while the owner makes B a viewer: B's edit can no longer be accepted.
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    await setRole(a.context, base, groupId, bob.id, "viewer");
    await selectWithMouse(b.page, PASSAGE);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await b.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("This will be refused.");
    await b.page.getByRole("button", { name: "Post comment" }).click();
    await threadCard(b.page, "Comment", bob.name).waitFor();

    await b.context.setOffline(false);
    const alert = b.page.getByRole("alert").filter({ hasText: "The server refused one of your changes" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("viewer");
    await expect.poll(() => b.page.locator(".role-badge").textContent()).toBe("viewer");
    await threadCard(b.page, "Comment", bob.name).waitFor({ state: "detached" });
    await b.page.getByRole("status", { name: "Saved" }).waitFor();
    await screenshot(b.page, "reader-refused");
    // Beside a notice this long the button keeps its word on one line, and its width, at a laptop's width too.
    const dismiss = alert.getByRole("button", { name: "Dismiss" });
    for (const width of [1280, 1400]) {
      await b.page.setViewportSize({ width, height: 900 });
      const fit = await dismiss.evaluate((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return { lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size, overflows: el.scrollWidth > el.clientWidth };
      });
      expect(fit, `at ${width} px`).toEqual({ lines: 1, overflows: false });
    }
    await alert.getByRole("button", { name: "Dismiss" }).click();
    await alert.waitFor({ state: "detached" });
    // The owner never saw it, and the fresh document holds nothing of it either.
    expect(await threadCard(a.page, "Comment", bob.name).count()).toBe(0);
    expect(await highlightSizes(b.page)).not.toHaveProperty("mg-comment");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  // A copy loaded from storage holds work of ours: its refusal is told as one, not taken for access lost (doc-session.ts).
  it("says so too when the refused update was kept in storage by a page closed before it could send it", async () => {
    const { base, a, b, bob, groupId, articleId } = await twoReaders(suite.browser, suite.base);
    const id = await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    const mine = threadCard(b.page, "Comment", bob.name);
    await mine.waitFor();
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    await mine.getByRole("button", { name: "Edit", exact: true }).click();
    await mine.getByLabel("Comment").fill("Which reasons, exactly?");
    await mine.getByRole("button", { name: "Save" }).click();
    await mine.getByText("Which reasons, exactly?").waitFor();
    await b.page.getByRole("status", { name: "Offline: not saved yet" }).waitFor();
    await b.page.close();
    await setRole(a.context, base, groupId, bob.id, "viewer");

    await b.context.setOffline(false);
    const page = await anotherPage(b);
    await page.goto(`${base}/articles/${articleId}`);
    const alert = page.getByRole("alert").filter({ hasText: "The server refused one of your changes" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("viewer");
    await threadCard(page, "Comment", bob.name).getByText("Which reasons?", { exact: true }).waitFor();
    expect((await call<{ body: string }>(a.context, base, "GET", `/api/annotations/${id}`)).body).toBe("Which reasons?");
    expect(await threadCard(a.page, "Comment", bob.name).getByText("Which reasons?", { exact: true }).count()).toBe(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("after a refused update writes again the new annotations the server never had, and drops only the rest", async () => {
    const { base, a, b, bob, articleId } = await twoReaders(suite.browser, suite.base);
    const checkId = await annotate(b.context, base, articleId, OTHER, {
      kind: "factcheck",
      body: "Both are sanctioned.",
      factcheck: { claim: "Both are under sanctions", verdict: "true", sources: [] },
    });
    const check = threadCard(b.page, "Fact-check", bob.name);
    await check.waitFor();

    // Offline, B comments twice and changes the verdict of the fact-check, which a moderator publishes meanwhile.
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    const comment = async (text: string) => {
      await selectWithMouse(b.page, PASSAGE);
      await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
      await b.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill(text);
      await b.page.getByRole("button", { name: "Post comment" }).click();
      await b.page.getByText(text).waitFor();
    };
    await comment("First note from the train.");
    await check.getByRole("button", { name: "Edit", exact: true }).click();
    await check.getByLabel("Verdict").selectOption("false");
    await check.getByRole("button", { name: "Save" }).click();
    await comment("Second note from the train.");
    await call(a.context, base, "POST", `/api/annotations/${checkId}/publish`, {});

    // The verdict's edit is refused with the whole update; both comments are sent again and saved.
    await b.context.setOffline(false);
    const alert = b.page.getByRole("alert").filter({ hasText: "The server refused one of your changes" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Your 2 new annotations were kept and sent again");
    await b.page.getByRole("status", { name: "Saved" }).waitFor();
    for (const text of ["First note from the train.", "Second note from the train."]) await a.page.getByText(text).waitFor();
    const stored = await call<{ status: string; factcheck: { verdict: string } }>(a.context, base, "GET", `/api/annotations/${checkId}`);
    expect([stored.status, stored.factcheck.verdict]).toEqual(["published", "true"]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("coming back online before the first paint still waits for it to open the article's socket", async () => {
    const { a, articleId } = await twoMembers(suite.browser, suite.base);
    const room = `article:${articleId}`;
    // Every socket the page opens, by its room: the group document's is the one the first paint holds back.
    await a.page.addInitScript(() => {
      const opened: string[] = [];
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          opened.push(decodeURIComponent(new URL(String(url)).pathname));
        }
      };
      Object.assign(window, { openedSockets: opened });
    });
    // The highlights list, which the first paint waits for, is held until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await a.page.route("**/api/articles/*/highlights", async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    // The hold lets the socket open by itself after a few seconds: on a machine slow enough to reach that
    // before the check below, load the page again.
    let seen: { before: number; after: number } | null = null;
    for (let attempt = 0; attempt < 3 && !seen; attempt++) {
      await a.page.goto(`${suite.base}/articles/${articleId}`);
      await a.page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
      const check = await a.page.evaluate((room) => {
        const count = () => (window as unknown as { openedSockets: string[] }).openedSockets.filter((p) => p.endsWith(room)).length;
        const before = count();
        window.dispatchEvent(new Event("online"));
        return { before, after: count() };
      }, room);
      if (check.before === 0) seen = check;
    }
    expect(seen).toEqual({ before: 0, after: 0 });
    release();
    await a.page.getByRole("status", { name: "Saved" }).waitFor();
    const opened = await a.page.evaluate(() => (window as unknown as { openedSockets: string[] }).openedSockets);
    expect(opened.filter((p) => p.endsWith(room))).toHaveLength(1);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);
});
