import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, openReader, selectWithMouse, storedDrafts, threadCard, twoReaders } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";
const CLAIM = "Trade between Russia and Iran tripled in 2023.";

announceSkip("drafts kept");

describe.skipIf(skipBrowserSuites)("drafts kept, in Chromium", () => {
  const suite = chromiumSuite();

  /** Alice (owner) asks Bob to answer her fact-check; Bob has a comment of his own. Both read the article. */
  async function desk() {
    const readers = await twoReaders(suite.browser, suite.base);
    const { base, a, b, bob, articleId } = readers;
    const checkId = await annotate(a.context, base, articleId, OTHER, { kind: "factcheck", body: "", factcheck: { claim: CLAIM, verdict: "unverifiable", sources: [] } });
    await call(a.context, base, "PUT", `/api/annotations/${checkId}/assignment`, { assignees: [bob.id] });
    const commentId = await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    return { ...readers, checkId, commentId };
  }

  it("an open edit form and the answer form keep what is typed while a moderator hides and unhides their threads", async () => {
    const { base, a, b, alice, bob, checkId, commentId } = await desk();
    const mine = threadCard(b.page, "Comment", bob.name);
    const check = threadCard(b.page, "Fact-check", alice.name);
    await mine.getByRole("button", { name: "Edit", exact: true }).click();
    await mine.getByLabel("Comment").fill("Which reasons, exactly?");
    await check.getByRole("button", { name: "Answer" }).click();
    const answer = check.getByRole("form", { name: "Answer" });
    await answer.getByLabel("Verdict").selectOption("mostly-false");
    await answer.getByLabel("Comment (optional)").fill("Customs data shows growth, not a tripling.");

    const hideAndUnhide = async () => {
      for (const id of [commentId, checkId]) await call(a.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "A look" });
      await mine.waitFor({ state: "detached" });
      await check.waitFor({ state: "detached" });
      for (const id of [commentId, checkId]) await call(a.context, base, "POST", `/api/annotations/${id}/unhide`);
      await mine.waitFor();
      await check.waitFor();
    };
    await hideAndUnhide();
    expect(await mine.getByLabel("Comment").inputValue()).toBe("Which reasons, exactly?");
    expect(await answer.getByLabel("Verdict").inputValue()).toBe("mostly-false");
    expect(await answer.getByLabel("Comment (optional)").inputValue()).toBe("Customs data shows growth, not a tripling.");

    // Once saved and sent, they are let go: the next hide and unhide brings the thread back without them.
    await mine.getByRole("button", { name: "Save" }).click();
    await answer.getByRole("button", { name: "Send answer" }).click();
    await threadCard(a.page, "Comment", bob.name).getByText("Which reasons, exactly?").waitFor();
    await threadCard(a.page, "Fact-check", alice.name).getByText("Customs data shows growth, not a tripling.").waitFor();
    await hideAndUnhide();
    await check.getByText("Customs data shows growth, not a tripling.").waitFor();
    expect(await mine.getByRole("form", { name: "Edit annotation" }).count()).toBe(0);
    expect(await check.getByRole("form", { name: "Answer" }).count()).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("replies, edits, answers and new comments being written come back after a reload, for their own account only, and go once sent, discarded or signed out", async () => {
    const { base, a, b, alice, bob, articleId } = await desk();
    const page = b.page;
    const mine = threadCard(page, "Comment", bob.name);
    const check = threadCard(page, "Fact-check", alice.name);
    await check.getByRole("textbox", { name: "Reply" }).fill("Half a reply");
    await mine.getByRole("button", { name: "Edit", exact: true }).click();
    await mine.getByLabel("Comment").fill("Which reasons, exactly?");
    await check.getByRole("button", { name: "Answer" }).click();
    await check.getByRole("form", { name: "Answer" }).getByLabel("Verdict").selectOption("false");
    await selectWithMouse(page, OTHER);
    await page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("Which sanctions?");

    await openReader(page, base, articleId);
    expect(await check.getByRole("textbox", { name: "Reply" }).inputValue()).toBe("Half a reply");
    expect(await mine.getByLabel("Comment").inputValue()).toBe("Which reasons, exactly?");
    expect(await check.getByRole("form", { name: "Answer" }).getByLabel("Verdict").inputValue()).toBe("false");
    const popover = page.getByRole("dialog", { name: "New comment" });
    await popover.waitFor();
    expect(await popover.getByLabel("Comment").inputValue()).toBe("Which sanctions?");
    expect(await popover.textContent()).toContain(OTHER);

    // Another account signed in on this browser sees none of them.
    const bobsSession = await page.context().cookies();
    await call(b.context, base, "POST", "/api/auth/login", { email: alice.email, password: alice.password });
    await openReader(page, base, articleId);
    await threadCard(page, "Fact-check", alice.name).waitFor();
    expect(await threadCard(page, "Fact-check", alice.name).getByRole("textbox", { name: "Reply" }).inputValue()).toBe("");
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await page.getByRole("form", { name: "Answer" }).count()).toBe(0);
    await b.context.clearCookies();
    await b.context.addCookies(bobsSession);
    await openReader(page, base, articleId);

    // Sent, or discarded, they go.
    await check.getByRole("button", { name: "Send reply" }).click();
    await threadCard(a.page, "Fact-check", alice.name).getByText("Half a reply").waitFor();
    await mine.getByRole("button", { name: "Cancel" }).click();
    await mine.getByRole("group", { name: "Discard this edit" }).getByRole("button", { name: "Discard" }).click();
    await check.getByRole("form", { name: "Answer" }).getByRole("button", { name: "Cancel" }).click();
    await popover.getByRole("button", { name: "Cancel" }).click();
    await popover.getByRole("group", { name: "Discard this comment" }).getByRole("button", { name: "Discard" }).click();
    await popover.waitFor({ state: "detached" });
    expect(await storedDrafts(page)).toEqual([]);
    await openReader(page, base, articleId);
    expect(await check.getByRole("textbox", { name: "Reply" }).inputValue()).toBe("");
    expect(await mine.getByRole("form", { name: "Edit annotation" }).count()).toBe(0);
    expect(await check.getByRole("form", { name: "Answer" }).count()).toBe(0);
    expect(await page.getByRole("dialog").count()).toBe(0);

    // Signing out leaves nothing of them in the browser.
    await check.getByRole("textbox", { name: "Reply" }).fill("Another half");
    expect((await storedDrafts(page)).length).toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    expect(await storedDrafts(page)).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 150_000);
});
