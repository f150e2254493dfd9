import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { addMember, annotate, call, openReader, selectWithMouse, setRole, threadCard, twoMembers } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("typing kept through what stops it being sent");

describe.skipIf(skipBrowserSuites)("typing kept through what stops it being sent, in Chromium", () => {
  const suite = chromiumSuite();

  it("a new comment open when its writer is made a viewer locks, keeps its text to copy and says why", async () => {
    const { base, a, b, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    await openReader(b.page, base, articleId);
    await selectWithMouse(b.page, PASSAGE);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    const form = b.page.getByRole("dialog", { name: "New comment" });
    await form.getByLabel("Comment").fill("Typed before the demotion.");

    await setRole(a.context, base, groupId, bob.id, "viewer");
    await expect.poll(() => b.page.locator(".role-badge").textContent(), { timeout: 15_000 }).toBe("viewer");
    const kept = form.getByRole("textbox", { name: "Comment" });
    await expect.poll(() => kept.getAttribute("readonly"), { timeout: 15_000 }).not.toBeNull();
    expect(await kept.inputValue()).toBe("Typed before the demotion.");
    expect(await form.getByRole("button", { name: "Post comment" }).count()).toBe(0);
    expect(await form.getByRole("button", { name: "Copy your text" }).count()).toBe(1);
    expect(await form.getByText("This comment was not posted: your role in this group no longer allows new annotations.").count()).toBe(1);
    await screenshot(b.page, "reader-demoted-new-comment-kept");

    // Nothing was sent, so nothing was refused and nothing reloaded.
    expect(await b.page.getByText("refused one of your changes").count()).toBe(0);
    await form.getByRole("button", { name: "Discard" }).click();
    await form.waitFor({ state: "detached" });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("a member removed and added back is named again on a page that opened between, once they write", async () => {
    const { base, a, b, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "Before leaving." });
    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    await openReader(a.page, base, articleId);
    await threadCard(a.page, "Comment", "Former member").getByText("Before leaving.").waitFor();

    // Back in the group under the same member id: his new work, and his old, carry his name again.
    await addMember(a.context, base, groupId, { context: b.context, email: bob.email, role: "annotator" });
    await annotate(b.context, base, articleId, OTHER, { kind: "comment", body: "Back again." });
    await threadCard(a.page, "Comment", bob.name).getByText("Back again.").waitFor({ timeout: 15_000 });
    await threadCard(a.page, "Comment", bob.name).getByText("Before leaving.").waitFor();
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("a flag's reason sent while offline stays in its form, to send again once back online", async () => {
    const { base, a, b, alice, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Comment", alice.name);
    await card.getByRole("button", { name: "Flag" }).click();
    await card.getByLabel("Reason for flagging").fill("Off topic, I think.");
    await b.context.setOffline(true);
    await card.getByRole("button", { name: "Send flag" }).click();
    await expect.poll(() => card.getByRole("button", { name: "Send flag" }).isEnabled(), { timeout: 15_000 }).toBe(true);
    expect(await card.getByLabel("Reason for flagging").inputValue()).toBe("Off topic, I think.");
    expect(await card.getByText("Flagged for the moderators.").count()).toBe(0);

    await b.context.setOffline(false);
    await card.getByRole("button", { name: "Send flag" }).click();
    await card.getByText("Flagged for the moderators.").waitFor({ timeout: 15_000 });
    expect(await card.getByLabel("Reason for flagging").count()).toBe(0);
    expect(a.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("deleting a thread or a reply from the keyboard moves focus to the next thread, or the reply's thread, not to the page", async () => {
    const { base, a, b, articleId } = await twoMembers(suite.browser, suite.base);
    const first = await annotate(b.context, base, articleId, PASSAGE, { kind: "comment", body: "First thread" });
    const second = await annotate(b.context, base, articleId, OTHER, { kind: "comment", body: "Second thread" });
    await call(b.context, base, "POST", `/api/annotations/${second}/replies`, { body: "A reply to go" });
    await openReader(b.page, base, articleId);
    const focusedId = () => b.page.evaluate(() => document.activeElement?.closest("[data-annotation-id]")?.getAttribute("data-annotation-id") ?? document.activeElement?.tagName);
    const deleteByKeyboard = async (scope: ReturnType<typeof b.page.locator>) => {
      await scope.getByRole("button", { name: "Delete", exact: true }).first().focus();
      await b.page.keyboard.press("Enter");
      await b.page.keyboard.press("Enter");
    };

    const firstCard = b.page.locator(`article[data-annotation-id="${first}"]`);
    await firstCard.getByText("First thread").waitFor();
    await deleteByKeyboard(firstCard);
    await firstCard.waitFor({ state: "detached" });
    expect(await focusedId()).toBe(second);

    const reply = b.page.getByRole("list", { name: "Replies" }).getByRole("listitem").filter({ hasText: "A reply to go" });
    await deleteByKeyboard(reply);
    await reply.waitFor({ state: "detached" });
    expect(await focusedId()).toBe(second);
    expect(a.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
