import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, openReader, threadCard, twoReaders } from "./support/flows.ts";

const EARLY = "The third option is a regime change policy.";
const LATE = "Russia-Iran close ties help Moscow to develop its geopolitical, economic, and security";

announceSkip("deleting and editing in threads");

describe.skipIf(skipBrowserSuites)("deleting and editing in threads, in Chromium", () => {
  const suite = chromiumSuite();

  it("a deleted comment's replies stay as replies, under a placeholder where it stood, and the deletion says so first", async () => {
    const { base, a, b, alice, bob, articleId } = await twoReaders(suite.browser, suite.base);
    const first = await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    await annotate(a.context, base, articleId, LATE, { kind: "comment", body: "Which ties?" });
    await call(b.context, base, "POST", `/api/annotations/${first}/replies`, { body: "The drone deals, mostly." });
    const cards = () => b.page.getByRole("list", { name: "Threads" }).getByRole("article").evaluateAll((els) => els.map((el) => el.getAttribute("aria-label")));
    await b.page.getByText("The drone deals, mostly.").waitFor();
    expect(await cards()).toEqual([`Comment by ${alice.name}`, `Comment by ${alice.name}`]);

    const mine = threadCard(a.page, "Comment", alice.name).filter({ hasText: "Which option?" });
    await mine.getByText("The drone deals, mostly.").waitFor();
    await mine.getByRole("button", { name: "Delete", exact: true }).click();
    const confirm = mine.getByRole("group", { name: "Confirm deletion" });
    expect(await confirm.textContent()).toContain("Its reply will stay, under a deleted comment.");
    await confirm.getByRole("button", { name: "Delete for good" }).click();

    const placeholder = b.page.getByRole("article", { name: "Deleted comment" });
    await placeholder.waitFor();
    expect(await cards()).toEqual(["Deleted comment", `Comment by ${alice.name}`]);
    expect(await placeholder.getByText("Comment deleted").count()).toBe(1);
    expect(await placeholder.getByText("Which option?").count()).toBe(0);
    const replies = placeholder.getByRole("list", { name: "Replies" });
    expect(await replies.getByRole("listitem").count()).toBe(1);
    expect(await replies.textContent()).toContain(bob.name);
    expect(await replies.textContent()).toContain("The drone deals, mostly.");
    expect(await b.page.getByRole("article", { name: `Comment by ${bob.name}` }).count()).toBe(0);
    // Nobody answers what is gone; the reply's author still manages their reply.
    expect(await placeholder.getByRole("textbox", { name: "Reply" }).count()).toBe(0);
    await replies.getByRole("button", { name: "Edit" }).waitFor();
    await a.page.getByRole("article", { name: "Deleted comment" }).waitFor();
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("says a comment or reply was edited when its text changed, and not for a resolve, a reopen or a moderator's hide and unhide", async () => {
    const { base, a, b, alice, bob, articleId } = await twoReaders(suite.browser, suite.base);
    const id = await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    const reply = await call<{ id: string }>(b.context, base, "POST", `/api/annotations/${id}/replies`, { body: "The drone deals." });
    const seen = threadCard(b.page, "Comment", alice.name);
    const rootHeader = seen.locator(".annotation-header").first();
    const replyHeader = seen.getByRole("list", { name: "Replies" }).locator(".annotation-header");
    await seen.getByText("The drone deals.").waitFor();

    // Changes to its state, not to what Alice wrote: each stamps updatedAt, none is an edit.
    const mine = threadCard(a.page, "Comment", alice.name);
    await mine.getByRole("button", { name: "Resolve" }).click();
    await seen.getByText("Resolved").waitFor();
    await mine.getByRole("button", { name: "Reopen" }).click();
    await seen.getByText("Resolved").waitFor({ state: "detached" });
    await call(a.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "A look" });
    await seen.waitFor({ state: "detached" });
    await call(a.context, base, "POST", `/api/annotations/${id}/unhide`);
    await seen.getByText("The drone deals.").waitFor();
    expect(await seen.getByText("edited", { exact: true }).count()).toBe(0);

    await mine.getByRole("button", { name: "Edit", exact: true }).first().click();
    await mine.getByLabel("Comment").fill("Which of the three options?");
    await mine.getByRole("button", { name: "Save" }).click();
    await seen.getByText("Which of the three options?").waitFor();
    const mark = rootHeader.getByText("edited", { exact: true });
    await mark.waitFor();
    expect(await mark.getAttribute("title")).toMatch(/^Edited /);
    // Screen readers get the time as text, not only as a tooltip.
    expect(await rootHeader.locator(".edited").textContent()).toMatch(/^edited \S/);
    expect(await replyHeader.getByText("edited", { exact: true }).count()).toBe(0);
    expect(await axeFindings(b.page, "a thread with an edited comment")).toEqual([]);

    // A reply edited over REST is marked the same way, for both readers.
    await call(b.context, base, "PATCH", `/api/annotations/${reply.id}`, { body: "The drone deals, mostly." });
    await replyHeader.getByText("edited", { exact: true }).waitFor();
    await threadCard(a.page, "Comment", alice.name).getByRole("list", { name: "Replies" }).getByText("edited", { exact: true }).waitFor();
    // A resolved thread stays readable: set apart by its ground, not faded below contrast.
    await mine.getByRole("button", { name: "Resolve" }).click();
    await seen.getByText("Resolved").waitFor();
    expect(await axeFindings(b.page, "a resolved thread with edited posts")).toEqual([]);
    expect(bob.name).not.toBe(alice.name);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("an edit writes only what was changed in the form, and names a field someone else changed meanwhile", async () => {
    const { base, a, b, alice, articleId } = await twoReaders(suite.browser, suite.base);
    await annotate(a.context, base, articleId, LATE, {
      kind: "factcheck",
      status: "published",
      body: "Teh evidence is thin.",
      factcheck: { claim: "The ties help Moscow", verdict: "false", sources: [] },
    });
    // The same owner in a second tab.
    const other = await a.context.newPage();
    await openReader(other, base, articleId);
    const one = threadCard(a.page, "Fact-check", alice.name);
    const two = threadCard(other, "Fact-check", alice.name);
    const verdictOf = (card: typeof one) => card.locator(".annotation-header .badge.verdict").textContent();

    await one.getByRole("button", { name: "Edit", exact: true }).click();
    await two.getByRole("button", { name: "Edit", exact: true }).click();
    await two.getByLabel("Verdict").selectOption("true");
    await two.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => verdictOf(one)).toBe("True");
    // A typo fixed in the first tab, whose form still holds the old verdict.
    await one.getByLabel("Explanation").fill("The evidence is thin.");
    await one.getByRole("button", { name: "Save" }).click();
    await two.getByText("The evidence is thin.").waitFor();
    expect(await verdictOf(two)).toBe("True");
    expect(await verdictOf(one)).toBe("True");

    // Both tabs change the verdict: the later one is told, and replaces it only when saving again.
    await one.getByRole("button", { name: "Edit", exact: true }).click();
    await two.getByRole("button", { name: "Edit", exact: true }).click();
    await two.getByLabel("Verdict").selectOption("misleading");
    await two.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => verdictOf(one)).toBe("Misleading");
    await one.getByLabel("Verdict").selectOption("mostly-false");
    const notice = one.getByRole("list", { name: "Changed by someone else" });
    expect(await notice.textContent()).toContain("The verdict was changed by someone else since you opened this: it is now “Misleading”.");
    await one.getByRole("button", { name: "Save" }).click();
    await one.getByRole("alert").waitFor();
    expect(await verdictOf(two)).toBe("Misleading");
    await one.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => verdictOf(two)).toBe("Mostly false");
    expect(await two.getByText("The evidence is thin.").count()).toBe(1);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);
});
