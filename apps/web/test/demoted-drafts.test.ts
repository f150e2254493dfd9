import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { addMember, annotate, call, openReader, selectWithMouse, setRole, threadCard, twoMembers } from "./support/flows.ts";

const PASSAGE = "After the collapse of the Soviet Union, both Iran and Russia found several reasons";
const OTHER = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("new work being written when the role stops allowing it");

describe.skipIf(skipBrowserSuites)("new work being written when the role stops allowing it, in Chromium", () => {
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
});
