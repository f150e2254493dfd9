import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, openReader, selectWithMouse, threadCard, twoMembers, twoReaders } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("a member removed while reading");

describe.skipIf(skipBrowserSuites)("a member removed while reading, in Chromium", () => {
  const suite = chromiumSuite();

  it("keeps a reply being typed to copy, offers no flag, says access was lost and stops asking for the group", async () => {
    const { base, a, b, alice, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which reasons?" });
    // The page's clock runs as the real one until it is moved on by hand, past the settings' refresh.
    await b.page.clock.install();
    await openReader(b.page, base, articleId);
    const card = threadCard(b.page, "Comment", alice.name);
    await card.getByRole("textbox", { name: "Reply" }).fill("Trade and arms, mostly.");
    expect(await card.getByRole("button", { name: "Flag" }).count()).toBe(1);

    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    const banner = b.page.getByRole("alert").filter({ hasText: "no longer have access" });
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain("no longer a member of this group");
    expect(await b.page.getByText("You cannot open this article").count()).toBe(0);
    await expect.poll(() => b.page.locator(".role-badge").count(), { timeout: 15_000 }).toBe(0);

    // The reply stays where it was typed, read-only, with a way to copy it and the reason it was not sent.
    const box = card.getByRole("textbox", { name: "Reply" });
    expect(await box.inputValue()).toBe("Trade and arms, mostly.");
    expect(await box.getAttribute("readonly")).not.toBeNull();
    expect(await card.getByRole("button", { name: "Send reply" }).count()).toBe(0);
    expect(await card.getByRole("button", { name: "Copy your text" }).count()).toBe(1);
    expect(await card.getByText("This reply was not sent: you no longer have access to this article.").count()).toBe(1);
    // Nothing is offered that the server would refuse.
    expect(await card.getByRole("button", { name: "Flag" }).count()).toBe(0);
    await screenshot(b.page, "reader-removed-reply-kept");

    // The group's settings are no longer asked for: the group is not the reader's to read any more.
    const asked: string[] = [];
    b.page.on("request", (request) => {
      if (new URL(request.url()).pathname === `/api/groups/${groupId}`) asked.push(request.url());
    });
    await b.page.clock.fastForward("01:00");
    await b.page.waitForTimeout(300);
    expect(asked).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  it("work written offline by a member removed meanwhile is shown to copy when the page learns it cannot be sent", async () => {
    const { base, a, b, bob, groupId } = await twoReaders(suite.browser, suite.base);
    await b.context.setOffline(true);
    await b.page.getByRole("status", { name: "Offline" }).waitFor();
    await selectWithMouse(b.page, OTHER);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await b.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("Written on the train, never sent.");
    await b.page.getByRole("button", { name: "Post comment" }).click();
    await threadCard(b.page, "Comment", bob.name).getByText("Written on the train, never sent.").waitFor();

    await call(a.context, base, "DELETE", `/api/groups/${groupId}/members/${bob.id}`);
    await b.context.setOffline(false);
    const notice = b.page.getByRole("alert").filter({ hasText: "can no longer be sent" });
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.getByRole("textbox", { name: "What you wrote" }).inputValue()).toBe("Written on the train, never sent.");
    expect(await notice.getByRole("button", { name: "Copy your text" }).count()).toBe(1);
    await b.page.getByRole("alert").filter({ hasText: "no longer have access" }).waitFor();
    await screenshot(b.page, "reader-removed-offline-work");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
