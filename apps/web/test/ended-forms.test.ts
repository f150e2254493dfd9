import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, openReader, setRole, threadCard, twoMembers } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";

announceSkip("forms left open when the page can no longer send");

describe.skipIf(skipBrowserSuites)("forms left open when the page can no longer send, in Chromium", () => {
  const suite = chromiumSuite();

  it("an edit form open when access ends keeps its text read-only, with no Save, to copy where no clipboard is offered, or discard", async () => {
    const { base, a, b, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    // As a page served over plain http: no clipboard at all.
    await b.page.addInitScript(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined }));
    await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Bob's first words" });
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Comment", bob.name);
    await card.getByText("Bob's first words").waitFor();
    await card.getByRole("button", { name: "Edit", exact: true }).click();
    await card.getByLabel("Comment").fill("Bob's second words");

    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    await b.page.getByRole("alert").filter({ hasText: "no longer have access" }).waitFor({ timeout: 15_000 });
    const kept = card.getByRole("textbox", { name: "Your edit" });
    await kept.waitFor();
    expect(await kept.inputValue()).toBe("Bob's second words");
    expect(await kept.getAttribute("readonly")).not.toBeNull();
    expect(await card.getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await card.getByText("This edit was not saved: you no longer have access to this article.").count()).toBe(1);

    // No clipboard: the text is selected for the reader to copy, and the page says it could not.
    await card.getByRole("button", { name: "Copy your text" }).click();
    await expect.poll(() => b.page.locator("#announcer").textContent()).toContain("Could not copy");
    expect(await kept.evaluate((box: HTMLTextAreaElement) => box.value.slice(box.selectionStart, box.selectionEnd))).toBe("Bob's second words");

    await card.getByRole("button", { name: "Discard" }).click();
    await kept.waitFor({ state: "detached" });
    expect(await card.getByText("Bob's first words").count()).toBe(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("an assignee's answer being written when access ends stays to copy, and Send answer is gone", async () => {
    const { base, a, b, alice, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    const id = await annotate(a.context, base, articleId, PASSAGE, { kind: "factcheck", factcheck: { claim: "Several reasons.", verdict: "unverifiable", sources: [] } });
    const { memberId } = await call<{ memberId: string }>(b.context, base, "GET", `/api/articles/${articleId}`);
    await call(a.context, base, "PUT", `/api/annotations/${id}/assignment`, { assignees: [memberId] });
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Fact-check", alice.name);
    await card.getByRole("button", { name: "Answer" }).click();
    await card.getByRole("form", { name: "Answer" }).getByLabel("Comment (optional)").fill("Trade, mostly.");

    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    const kept = card.getByRole("textbox", { name: "Your answer" });
    await kept.waitFor({ timeout: 15_000 });
    expect(await kept.inputValue()).toContain("Trade, mostly.");
    expect(await card.getByRole("button", { name: "Send answer" }).count()).toBe(0);
    expect(await card.getByText("This answer was not sent: you no longer have access to this article.").count()).toBe(1);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("a reply kept when the session is signed out says so, not that access was lost, and can be discarded", async () => {
    const { base, a, b, alice, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Comment", alice.name);
    await card.getByRole("textbox", { name: "Reply" }).fill("Trade and arms, mostly.");

    await call(b.context, base, "POST", "/api/auth/logout");
    const why = card.getByText("This reply was not sent: you were signed out.");
    await why.waitFor({ timeout: 15_000 });
    expect(await card.getByText("no longer have access").count()).toBe(0);
    const box = card.getByRole("textbox", { name: "Reply" });
    expect(await box.inputValue()).toBe("Trade and arms, mostly.");
    await card.getByRole("button", { name: "Discard" }).click();
    await box.waitFor({ state: "detached" });
    expect(await b.page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("marginalia.draft:")))).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("a moderator's reply to a thread hidden meanwhile says the thread was hidden, not that the role changed", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    const id = await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    await openReader(a.page, base, articleId);
    const card = threadCard(a.page, "Comment", bob.name);
    await card.getByRole("textbox", { name: "Reply" }).fill("Let us keep to the text.");

    await call(a.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "A look" });
    await card.getByText("This reply was not sent: a moderator hid this thread").waitFor({ timeout: 15_000 });
    expect(await card.getByText("your role").count()).toBe(0);
    expect(await card.getByRole("textbox", { name: "Reply" }).inputValue()).toBe("Let us keep to the text.");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("an unsent resolve of someone else's thread is told at removal as a change of ours, without quoting their words", async () => {
    const { base, a, b, alice, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    // A moderator resolves others' threads.
    await setRole(a.context, base, groupId, bob.id, "moderator");
    await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Alice wrote this" });
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Comment", alice.name);
    await card.getByText("Alice wrote this").waitFor();
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    await card.getByRole("button", { name: /Resolve/ }).first().click();
    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    await b.context.setOffline(false);

    const notice = b.page.getByRole("alert").filter({ hasText: "can no longer be sent" });
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.textContent()).toContain("Your change to another member's annotation may not have been saved");
    expect(await notice.getByRole("textbox", { name: "What you wrote" }).count()).toBe(0);
    expect(await notice.getByText("Alice wrote this").count()).toBe(0);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
