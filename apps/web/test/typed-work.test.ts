import type { BrowserContext, Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites, anotherPage } from "./support/browser.ts";
import { annotate, call, openReader, pointInText, selectWithMouse, setRole, threadCard, twoMembers, twoReaders } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("typed work kept");

/** How many unsent edits the page's stored documents hold (sync/doc-session.ts keeps them beside each copy). */
async function storedUnsentEdits(): Promise<number> {
  let count = 0;
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name!);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    if (db.objectStoreNames.contains("custom")) {
      const kept = await new Promise<unknown>((resolve) => {
        const get = db.transaction("custom").objectStore("custom").get("unsent-edits");
        get.onsuccess = () => resolve(get.result);
      });
      if (typeof kept === "string") count += (JSON.parse(kept) as unknown[]).length;
    }
    db.close();
  }
  return count;
}

describe.skipIf(skipBrowserSuites)("typed work kept, in Chromium", () => {
  const suite = chromiumSuite();

  it("a reply being written survives its thread being hidden and unhidden, and is let go once sent", async () => {
    const { base, a, b, alice, articleId } = await twoReaders(suite.browser, suite.base);
    const id = await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    const card = threadCard(b.page, "Comment", alice.name);
    const box = card.getByRole("textbox", { name: "Reply" });
    await box.fill("Trade and arms, mostly; see the third paragraph.");

    const hideAndUnhide = async () => {
      await call(a.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "A look" });
      await card.waitFor({ state: "detached" });
      await call(a.context, base, "POST", `/api/annotations/${id}/unhide`);
      await card.getByText("Which reasons?").waitFor();
    };
    await hideAndUnhide();
    expect(await box.inputValue()).toBe("Trade and arms, mostly; see the third paragraph.");

    await card.getByRole("button", { name: "Send reply" }).click();
    await threadCard(a.page, "Comment", alice.name).getByText("Trade and arms, mostly; see the third paragraph.").waitFor();
    await hideAndUnhide();
    await card.getByRole("list", { name: "Replies" }).getByText("Trade and arms, mostly; see the third paragraph.").waitFor();
    expect(await box.inputValue()).toBe("");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("Escape in a fact-check, comment or edit form with something written in it asks before discarding; an untouched form closes at once", async () => {
    const { base, a, b, bob, articleId } = await twoReaders(suite.browser, suite.base);
    const page = b.page;
    await selectWithMouse(page, PASSAGE);
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = page.getByRole("dialog", { name: "New fact-check" });
    await form.getByLabel("Verdict").selectOption("mostly-true");
    const explanation = form.getByLabel("Explanation (optional)");
    await explanation.fill("The 1990s arms deals are documented.");

    await explanation.press("Escape");
    const question = form.getByRole("group", { name: "Discard this fact-check" });
    await question.getByText("Discard what you wrote?").waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Discard");
    expect(await axeFindings(page, "the fact-check form asking to discard")).toEqual([]);
    // A second Escape goes back to writing, with everything as it was.
    await page.keyboard.press("Escape");
    await question.waitFor({ state: "detached" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("body");
    expect(await explanation.inputValue()).toBe("The 1990s arms deals are documented.");
    expect(await form.getByLabel("Verdict").inputValue()).toBe("mostly-true");

    await page.keyboard.press("Escape");
    await question.getByRole("button", { name: "Discard" }).click();
    await form.waitFor({ state: "detached" });

    // The comment form answers Escape and Cancel the same way.
    await selectWithMouse(page, OTHER);
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    const comment = page.getByRole("dialog", { name: "New comment" });
    await comment.getByLabel("Comment").fill("Which sanctions?");
    await comment.getByRole("button", { name: "Cancel" }).click();
    await comment.getByRole("group", { name: "Discard this comment" }).getByRole("button", { name: "Keep writing" }).click();
    expect(await comment.getByLabel("Comment").inputValue()).toBe("Which sanctions?");
    // A press elsewhere in the article, which closes an untouched popover, asks too, and so does a new selection.
    const elsewhere = await pointInText(page, PASSAGE, 10);
    await page.mouse.click(elsewhere.x, elsewhere.y);
    await comment.getByRole("group", { name: "Discard this comment" }).getByRole("button", { name: "Keep writing" }).click();
    await selectWithMouse(page, PASSAGE);
    await comment.getByRole("group", { name: "Discard this comment" }).getByRole("button", { name: "Keep writing" }).click();
    expect(await comment.getByLabel("Comment").inputValue()).toBe("Which sanctions?");
    expect(await page.getByRole("dialog").count()).toBe(1);
    await comment.getByLabel("Comment").fill("");
    await comment.getByLabel("Comment").press("Escape");
    await comment.waitFor({ state: "detached" });

    // Editing a posted comment too: changes not saved are asked about; an unchanged form closes at once.
    const card = threadCard(page, "Comment", bob.name);
    await annotate(b.context, base, articleId, OTHER, { kind: "comment", body: "Which sanctions?" });
    await card.getByRole("button", { name: "Edit", exact: true }).click();
    await card.getByLabel("Comment").fill("Which sanctions, and since when?");
    await card.getByLabel("Comment").press("Escape");
    const edit = card.getByRole("group", { name: "Discard this edit" });
    await edit.getByRole("button", { name: "Discard" }).waitFor();
    await page.keyboard.press("Escape");
    await edit.waitFor({ state: "detached" });
    expect(await card.getByLabel("Comment").inputValue()).toBe("Which sanctions, and since when?");
    await card.getByRole("button", { name: "Cancel" }).click();
    await edit.getByRole("button", { name: "Discard" }).click();
    await card.getByRole("form", { name: "Edit annotation" }).waitFor({ state: "detached" });
    expect(await card.getByText("Which sanctions?", { exact: true }).count()).toBe(1);
    await card.getByRole("button", { name: "Edit", exact: true }).click();
    await card.getByLabel("Comment").press("Escape");
    await card.getByRole("form", { name: "Edit annotation" }).waitFor({ state: "detached" });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  /** Bob replies offline to Alice's thread `id`, which Alice hides meanwhile; he comes online: the notice he is given. */
  async function replyOfflineToThreadHidden({ base, a, b, card, id }: { base: string; a: { context: BrowserContext }; b: { context: BrowserContext; page: Page }; card: Locator; id: string }) {
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    await card.getByRole("textbox", { name: "Reply" }).fill("Trade and arms, mostly.");
    await card.getByRole("button", { name: "Send reply" }).click();
    await card.getByRole("list", { name: "Replies" }).getByText("Trade and arms, mostly.").waitFor();
    await call(a.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "Off topic" });
    await b.context.setOffline(false);
    const notice = b.page.getByRole("alert").filter({ hasText: "hidden the thread" });
    await notice.waitFor({ timeout: 15_000 });
    return notice;
  }

  it("a reply sent offline to a thread a moderator hid meanwhile is not lost silently: its author is told where it went", async () => {
    const { base, a, b, alice, articleId } = await twoReaders(suite.browser, suite.base);
    const id = await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    const card = threadCard(b.page, "Comment", alice.name);
    await card.getByText("Which reasons?").waitFor();
    const notice = await replyOfflineToThreadHidden({ base, a, b, card, id });
    expect(await notice.textContent()).toContain("Your reply was saved");
    expect(await notice.getByRole("textbox", { name: "What you wrote" }).inputValue()).toBe("Trade and arms, mostly.");
    await card.waitFor({ state: "detached" });
    // The server keeps it under the hidden thread, for the moderators, as the notice says.
    const listed = await call<{ annotations: Array<{ body: string | null; parentId: string | null }> }>(a.context, base, "GET", `/api/articles/${articleId}/annotations?limit=200`);
    expect(listed.annotations.filter((x) => x.body === "Trade and arms, mostly.").map((x) => x.parentId)).toEqual([id]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("a moderator demoted while reading is told of a reply withheld with its hidden thread, as any member is", async () => {
    const { base, a, b, alice, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    await setRole(a.context, base, groupId, bob.id, "moderator");
    const id = await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    await openReader(b.page, base, articleId);
    const badge = b.page.locator(".role-badge");
    expect(await badge.textContent()).toBe("moderator");
    await setRole(a.context, base, groupId, bob.id, "annotator");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("annotator");

    const card = threadCard(b.page, "Comment", alice.name);
    const notice = await replyOfflineToThreadHidden({ base, a, b, card, id });
    expect(await notice.getByRole("textbox", { name: "What you wrote" }).inputValue()).toBe("Trade and arms, mostly.");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  /** Bob's submission to Alice's pre-moderated group, edited while he is offline: the edit is not sent yet. */
  async function offlineEditOfSubmission() {
    // Alice owns the pre-moderated group, and so decides on Bob's submissions.
    const { base, a: mod, b: member, bob: ann, articleId } = await twoMembers(suite.browser, suite.base, "pre");
    await openReader(member.page, base, articleId);
    const id = await annotate(member.context, base, articleId, OTHER, {
      kind: "factcheck",
      body: "Both are sanctioned.",
      factcheck: { claim: "Both are under sanctions", verdict: "true", sources: [] },
    });
    const mine = threadCard(member.page, "Fact-check", ann.name);
    await mine.getByText("In review").waitFor();

    await member.context.setOffline(true);
    await member.page.getByRole("status", { name: "Offline" }).waitFor();
    await mine.getByRole("button", { name: "Edit", exact: true }).click();
    await mine.getByLabel("Explanation").fill("Both are sanctioned, by the EU and the US since 2022.");
    await mine.getByRole("button", { name: "Save" }).click();
    await mine.getByText("Both are sanctioned, by the EU and the US since 2022.").waitFor();
    return { base, mod, member, ann, articleId, id, mine };
  }

  it("an offline edit of a submission approved meanwhile is not dropped silently: the author is told, and keeps the text", async () => {
    const { base, mod, member, id, mine } = await offlineEditOfSubmission();
    await call(mod.context, base, "POST", `/api/annotations/${id}/approve`, {});

    await member.context.setOffline(false);
    const alert = member.page.getByRole("alert").filter({ hasText: "approved" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("could not be applied");
    // What was approved cannot be edited by its author here: the notice says what can be done instead.
    // A published fact-check is locked to its author, deletion included: she is told what she can do, and her card says so and offers a flag.
    expect(await alert.textContent()).toContain("Flag it to tell the moderators what should change");
    expect(await alert.textContent()).not.toContain("withdraw");
    await mine.getByText(/Published and locked: only a moderator can change or hide it/).waitFor();
    expect(await mine.getByRole("button", { name: "Flag", exact: true }).count()).toBe(1);
    expect(await mine.getByRole("button", { name: "Edit", exact: true }).count()).toBe(0);
    // The text is there to copy, beside the published fact-check as it was approved.
    expect(await alert.getByRole("textbox").inputValue()).toContain("Both are sanctioned, by the EU and the US since 2022.");
    await mine.getByText("Both are sanctioned.", { exact: true }).waitFor();
    await screenshot(member.page, "reader-edit-lost");
    expect(await mine.getByText("In review").count()).toBe(0);
    expect([...mod.errors, ...member.errors]).toEqual([]);
    await mod.context.close();
    await member.context.close();
  }, 90_000);

  it("an edit kept offline over a reload, of a submission approved meanwhile, is reported when the page opens again", async () => {
    const { base, mod, member, ann, articleId, id } = await offlineEditOfSubmission();
    // The tab is closed with the edit kept in its storage only, once it is stored.
    await expect.poll(() => member.page.evaluate(storedUnsentEdits)).toBe(1);
    await member.page.close();
    await call(mod.context, base, "POST", `/api/annotations/${id}/approve`, {});

    await member.context.setOffline(false);
    const page = await anotherPage(member);
    await page.goto(`${base}/articles/${articleId}`);
    const alert = page.getByRole("alert").filter({ hasText: "approved" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("could not be applied");
    expect(await alert.getByRole("textbox").inputValue()).toContain("Both are sanctioned, by the EU and the US since 2022.");
    await threadCard(page, "Fact-check", ann.name).getByText("Both are sanctioned.", { exact: true }).waitFor();
    expect([...mod.errors, ...member.errors]).toEqual([]);
    await mod.context.close();
    await member.context.close();
  }, 90_000);
});
