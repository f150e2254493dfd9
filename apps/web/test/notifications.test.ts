import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, openReader, threadCard, twoMembers } from "./support/flows.ts";

const EARLY = "The third option is a regime change policy.";
const LATE = "Russia-Iran close ties help Moscow to develop its geopolitical, economic, and security";

announceSkip("notifications");

/** Opens the bell and waits for a notification in it; returns the list. */
async function openNotifications(page: Page, name: RegExp): Promise<Locator> {
  await page.locator(".notifications summary").click();
  const list = page.getByRole("list", { name: "Notifications" });
  // Pushed over the stream or fetched on opening; the poll comes every 30 s.
  await list.getByRole("link", { name }).first().waitFor({ timeout: 35_000 });
  return list;
}

/** The group page, with its articles listed. */
async function openGroup(page: Page, base: string, groupId: string) {
  await page.goto(`${base}/groups/${groupId}`);
  await page.getByRole("heading", { name: "Articles" }).waitFor();
}

/** Alice's comment on EARLY, answered by Bob: Alice has a notification of the reply. */
async function answeredComment(suite: ReturnType<typeof chromiumSuite>) {
  const members = await twoMembers(suite.browser, suite.base);
  const { base, a, b, bob, articleId } = members;
  const root = await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
  const other = await annotate(a.context, base, articleId, LATE, { kind: "comment", body: "Which ties?" });
  const { id: reply } = await call<{ id: string }>(b.context, base, "POST", `/api/annotations/${root}/replies`, { body: "Regime change, the third." });
  return { ...members, root, other, reply, replied: new RegExp(`${bob.name} replied to your annotation`) };
}

describe.skipIf(skipBrowserSuites)("notifications, in Chromium", () => {
  const suite = chromiumSuite();

  it("at 390×844 the bell's list stays on the screen, on the reader and on the group page; on a desktop it hangs under the bell", async () => {
    const { base, a, b, articleId, groupId, replied } = await answeredComment(suite);
    await a.page.setViewportSize({ width: 390, height: 844 });
    for (const screen of ["reader", "group"] as const) {
      // Loaded first: the reader draws its top bar anew once the article is in, which closes a menu opened before.
      await (screen === "reader" ? openReader(a.page, base, articleId) : openGroup(a.page, base, groupId));
      const list = await openNotifications(a.page, replied);
      const box = (await list.boundingBox())!;
      expect(box.x, screen).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, screen).toBeLessThanOrEqual(390);
      // And under the bell, not over it.
      const bell = (await a.page.locator(".notifications summary").boundingBox())!;
      expect(box.y, screen).toBeGreaterThanOrEqual(bell.y + bell.height);
      for (const link of await list.getByRole("link").all()) {
        const at = (await link.boundingBox())!;
        expect(at.x, screen).toBeGreaterThanOrEqual(0);
        expect(at.x + at.width, screen).toBeLessThanOrEqual(390);
      }
      await screenshot(a.page, `notifications-narrow-${screen}`);
      await a.page.locator(".notifications summary").click();
    }

    await a.page.setViewportSize({ width: 1280, height: 900 });
    await openGroup(a.page, base, groupId);
    const list = await openNotifications(a.page, replied);
    const box = (await list.boundingBox())!;
    const bell = (await a.page.locator(".notifications summary").boundingBox())!;
    expect(Math.abs(box.x + box.width - (bell.x + bell.width))).toBeLessThanOrEqual(1);
    expect(box.y).toBeGreaterThanOrEqual(bell.y + bell.height);
    expect(box.width).toBeGreaterThanOrEqual(330);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("a reply's notification focuses its thread and the reply, also in a reader already open on the article; old export links open too", async () => {
    const { base, a, b, alice, articleId, root, other, reply, replied } = await answeredComment(suite);
    const card = threadCard(a.page, "Comment", alice.name);
    const focused = a.page.locator("article.thread.focused");
    const focusedId = () => focused.getAttribute("data-annotation-id");

    // The reader is open on the article, with another thread focused: the link only changes the hash.
    await openReader(a.page, base, articleId);
    await card.filter({ hasText: "Which ties?" }).getByRole("button", { name: /^Show in text/ }).click();
    await expect.poll(focusedId).toBe(other);
    const list = await openNotifications(a.page, replied);
    await list.getByRole("link", { name: replied }).first().click();
    await expect.poll(() => a.page.evaluate(() => location.hash)).toBe(`#annotation=${reply}`);
    await expect.poll(focusedId).toBe(root);
    const answer = focused.locator(".reply.focused");
    await answer.getByText("Regime change, the third.").waitFor();
    await expect.poll(() => answer.evaluate((el) => el === document.activeElement)).toBe(true);

    // A hash changed by hand is followed too.
    await a.page.evaluate((id) => (location.hash = `annotation=${id}`), other);
    await expect.poll(focusedId).toBe(other);
    expect(await a.page.locator(".reply.focused").count()).toBe(0);

    // Opened afresh on the reply's address.
    await a.page.goto(`${base}/articles/${articleId}#annotation=${reply}`);
    await expect.poll(focusedId, { timeout: 15_000 }).toBe(root);
    await a.page.locator(".reply.focused").getByText("Regime change, the third.").waitFor();

    // Exports wrote `#annotation-<id>` before they wrote what the reader reads; those links are out there.
    await a.page.goto(`${base}/articles/${articleId}#annotation-${other}`);
    await expect.poll(focusedId, { timeout: 15_000 }).toBe(other);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);
});
