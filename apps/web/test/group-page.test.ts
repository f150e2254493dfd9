import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, groupWithSeedArticle, signUpApi } from "./support/flows.ts";

const PASSAGE = "Russia-Iran close ties help Moscow";

announceSkip("the group page");

/** The words in these elements that the layout broke across lines. */
function brokenWords(cells: Locator): Promise<string[]> {
  return cells.evaluateAll((els) => {
    const broken: string[] = [];
    for (const el of els) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
        // An email may break anywhere, as addresses have no words to keep; it shares the name's cell on a narrow screen.
        if (node.parentElement?.closest(".visually-hidden, option, .member-email")) continue;
        for (const match of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken.push(match[0]);
        }
      }
    }
    return broken;
  });
}

const settingsBox = (page: Page) => page.getByRole("form", { name: "Group settings" }).getByRole("checkbox", { name: /Anonymous to peers/ });

describe.skipIf(skipBrowserSuites)("the group page, in Chromium", () => {
  const suite = chromiumSuite();

  it("offers anonymity only while the group has no annotations, and says why not after", async () => {
    const { base, browser } = suite;
    const owner = await newUserPage(browser);
    await signUpApi(owner.context, base, "Olive");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, []);
    // The lookup of the group's annotations held back: until it answers, the box is not offered.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await owner.page.route(`**/api/groups/${groupId}/annotations?*`, async (route) => {
      await held;
      await route.continue();
    });
    await owner.page.goto(`${base}/groups/${groupId}`);
    const box = settingsBox(owner.page);
    await box.waitFor();
    expect(await box.isDisabled()).toBe(true);
    release();
    await expect.poll(() => box.isEnabled(), { timeout: 10_000 }).toBe(true);
    await owner.page.unroute(`**/api/groups/${groupId}/annotations?*`);

    await annotate(owner.context, base, articleId, PASSAGE, { kind: "comment", body: "Which ties?" });
    await owner.page.reload();
    await owner.page.getByText("This group already has annotations.").waitFor();
    expect(await box.isDisabled()).toBe(true);
    expect(await box.isChecked()).toBe(false);
    expect(await box.getAttribute("aria-describedby")).toBeTruthy();
    expect([...owner.errors]).toEqual([]);
    await owner.context.close();
  }, 60_000);

  it("turns the box back off, in plain words, when the server refuses for work the owner cannot see", async () => {
    const { base, browser } = suite;
    const owner = await newUserPage(browser);
    const member = await newUserPage(browser);
    await signUpApi(owner.context, base, "Olive");
    const mia = await signUpApi(member.context, base, "Mia");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, [{ context: member.context, email: mia.email, role: "annotator" }]);
    // Only Mia sees her private note; it counts all the same.
    await annotate(member.context, base, articleId, PASSAGE, { kind: "comment", body: "Note to self", visibility: "private" });
    await owner.page.goto(`${base}/groups/${groupId}`);
    const box = settingsBox(owner.page);
    await box.check();
    await owner.page.getByRole("button", { name: "Save settings" }).click();
    const alert = owner.page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("Not saved: anonymity can no longer be turned on, because this group already has annotations.");
    expect(await box.isChecked()).toBe(false);
    expect(await box.isDisabled()).toBe(true);
    expect((await call<{ anonymousToPeers: boolean }>(owner.context, base, "GET", `/api/groups/${groupId}`)).anonymousToPeers).toBe(false);
    expect([...owner.errors, ...member.errors]).toEqual([]);
    await owner.context.close();
    await member.context.close();
  }, 60_000);

  it("at 390 px keeps roles, buttons and the words of names whole, and puts the checkbox before its label", async () => {
    const { base, browser } = suite;
    const owner = await newUserPage(browser);
    const member = await newUserPage(browser);
    const other = await newUserPage(browser);
    await signUpApi(owner.context, base, "Olive");
    const long = await signUpApi(member.context, base, "W".repeat(40));
    const words = await signUpApi(other.context, base, "Maximiliane Ada Lovelace-Konstantinopoulou");
    const { groupId } = await groupWithSeedArticle(owner.context, base, [
      { context: member.context, email: long.email, role: "annotator" },
      { context: other.context, email: words.email, role: "viewer" },
    ]);
    const invited = await newUserPage(browser);
    const ivan = await signUpApi(invited.context, base, "Ivan");
    await call(owner.context, base, "POST", `/api/groups/${groupId}/invitations`, { email: ivan.email, role: "annotator" });

    await owner.page.setViewportSize({ width: 390, height: 844 });
    await owner.page.goto(`${base}/groups/${groupId}`);
    const members = owner.page.getByRole("table", { name: "Members" });
    await members.getByRole("cell", { name: long.email }).waitFor();
    await owner.page.getByRole("table", { name: "Pending invitations" }).waitFor();
    expect(await owner.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const pending = owner.page.getByRole("table", { name: "Pending invitations" });
    expect(await brokenWords(members.locator("th, td:nth-child(n+3)"))).toEqual([]);
    expect(await brokenWords(pending.locator("th, td:nth-child(n+2)"))).toEqual([]);
    // Names wrap between their words only, and a word wider than the column is cut short, not split or widening the page.
    expect(await brokenWords(members.locator("td:first-child"))).toEqual([]);
    const lines = (name: string) =>
      members.getByRole("cell", { name: new RegExp(`^${name}`) }).locator(".member-name").evaluate((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
    expect(await lines(words.name.split(" ")[0]!)).toBeGreaterThan(1);
    const cut = members.getByRole("cell", { name: new RegExp(`^${long.name}`) }).locator(".member-name");
    expect(await cut.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const table = (await members.boundingBox())!;
    const cutBox = (await cut.boundingBox())!;
    expect(cutBox.x + cutBox.width).toBeLessThanOrEqual(table.x + table.width);
    // The email moves under the name to make room, and still shows.
    expect(await members.getByRole("cell", { name: new RegExp(`^${words.name}`) }).textContent()).toContain(words.email);

    const box = (await settingsBox(owner.page).boundingBox())!;
    const text = (await owner.page.getByText(/^Anonymous to peers: members see pseudonyms/).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(text.x);
    expect(box.y).toBeLessThan(text.y + text.height / 2);
    expect(box.y + box.height).toBeGreaterThan(text.y);
    await members.scrollIntoViewIfNeeded();
    await screenshot(owner.page, "group-narrow");
    expect(await axeFindings(owner.page, "group at 390")).toEqual([]);

    // A member sees the roles as words, not menus: whole too.
    await member.page.setViewportSize({ width: 390, height: 844 });
    await member.page.goto(`${base}/groups/${groupId}`);
    const seen = member.page.getByRole("table", { name: "Members" });
    await seen.getByRole("cell", { name: "annotator", exact: true }).waitFor();
    expect(await member.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await brokenWords(seen.locator("th, td:nth-child(n+3), td:first-child"))).toEqual([]);
    expect([...owner.errors, ...member.errors]).toEqual([]);
    await owner.context.close();
    await member.context.close();
    await other.context.close();
    await invited.context.close();
  }, 60_000);

  it("asks before removing a member, and Cancel keeps them", async () => {
    const { base, browser } = suite;
    const owner = await newUserPage(browser);
    const member = await newUserPage(browser);
    await signUpApi(owner.context, base, "Rhea");
    const mira = await signUpApi(member.context, base, "Mira");
    const { groupId } = await groupWithSeedArticle(owner.context, base, [{ context: member.context, email: mira.email, role: "annotator" }]);
    await owner.page.goto(`${base}/groups/${groupId}`);
    const members = owner.page.getByRole("table", { name: "Members" });
    const row = members.getByRole("row").filter({ hasText: mira.email });
    const listed = async () => (await call<{ members: Array<{ email: string | null }> }>(owner.context, base, "GET", `/api/groups/${groupId}/members`)).members.map((m) => m.email);

    await row.getByRole("button", { name: `Remove ${mira.name}` }).click();
    const asking = row.getByRole("group", { name: `Confirm removing ${mira.name}` });
    expect(await asking.textContent()).toContain("Remove Mira");
    await asking.getByRole("button", { name: "Cancel" }).click();
    await asking.waitFor({ state: "detached" });
    expect(await listed()).toContain(mira.email);

    await row.getByRole("button", { name: `Remove ${mira.name}` }).click();
    await asking.getByRole("button", { name: "Remove member" }).click();
    await row.waitFor({ state: "detached" });
    expect(await listed()).not.toContain(mira.email);
    expect([...owner.errors, ...member.errors]).toEqual([]);
    await owner.context.close();
    await member.context.close();
  }, 60_000);
});

