import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, annotate, call, openReader, setRole, twoMembers } from "./support/flows.ts";

const REMOVED = "The third option is a regime change policy.";
const REWORDED = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("the moderation queue");

describe.skipIf(skipBrowserSuites)("the moderation queue, in Chromium", () => {
  const suite = chromiumSuite();

  /** Alice owns a pre-moderated group holding the seed article; Bob, an annotator, submits to it. */
  async function desk() {
    const members = await twoMembers(suite.browser, suite.base, "pre");
    const { base, b, articleId } = members;
    const factcheck = (quote: string, claim: string, verdict: string, sources: object[]) =>
      annotate(b.context, base, articleId, quote, { kind: "factcheck", body: "", factcheck: { claim, verdict, sources } });
    const comment = (body: string) => call<{ id: string }>(b.context, base, "POST", `/api/articles/${articleId}/annotations`, { kind: "comment", body });
    return { ...members, factcheck, comment };
  }

  it("shows a submission's sources as safe links, and marks one whose passage a correction removed or reworded", async () => {
    const { base, a, b, bob, articleId, factcheck } = await desk();
    await factcheck(REMOVED, "Regime change is on the table", "false", [{ url: "https://example.org/regime", title: "Regime report" }]);
    await factcheck(REWORDED, "Both are under tough sanctions", "true", [{ url: "https://example.org/sanctions", title: "" }]);
    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, {
      data: { format: "text", content: SEED_ARTICLE.replace(`${REMOVED} `, "").replace("under tough sanctions", "under tougher sanctions") },
    });
    expect(corrected.status()).toBe(201);

    await openReader(a.page, base, articleId);
    await a.page.getByRole("tab", { name: "Review" }).click();
    const entry = (claim: string) => a.page.getByRole("listitem", { name: `Submission: Fact-check by ${bob.name}` }).filter({ hasText: claim });
    const orphan = entry("Regime change is on the table");
    await orphan.getByRole("note").getByText("Passage no longer in the article.").waitFor();
    const link = orphan.getByRole("group", { name: "Sources" }).getByRole("link", { name: "Regime report" });
    expect(await link.getAttribute("href")).toBe("https://example.org/regime");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");

    const stale = entry("Both are under tough sanctions");
    const mark = stale.getByRole("note");
    await mark.getByText("Passage changed since the verdict.").waitFor();
    expect(await mark.locator("q").textContent()).toBe(REWORDED);
    expect(await stale.getByRole("group", { name: "Sources" }).getByRole("link", { name: "example.org" }).getAttribute("href")).toBe("https://example.org/sanctions");
    expect(await orphan.getByText("Passage changed since the verdict.").count()).toBe(0);
    expect(await axeFindings(a.page, "queue with an orphaned and a stale submission")).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("shows an author's edit of a waiting submission in the open queue as it arrives, and decides on it as shown", async () => {
    const { base, a, b, bob, articleId, comment } = await desk();
    const submitted = await comment("As first written");
    await openReader(a.page, base, articleId);
    await a.page.getByRole("tab", { name: "Review" }).click();
    const entry = a.page.getByRole("listitem", { name: `Submission: Comment by ${bob.name}` });
    await entry.getByText("As first written").waitFor();

    // Each edit the queue hears of is a notice the bell lists too, the newest in place of the one before.
    const notices = a.page.locator('ul[aria-label="Notifications"] li', { hasText: "that waits for review" });
    for (const body of ["As rewritten once", "As rewritten twice", "As rewritten while it waited"]) {
      await call(b.context, base, "PATCH", `/api/annotations/${submitted.id}`, { body });
      await entry.getByText(body).waitFor();
    }
    await expect.poll(() => notices.filter({ hasText: "changed" }).count()).toBe(1);
    await entry.getByRole("button", { name: "Approve" }).click();
    await entry.waitFor({ state: "detached" });
    expect(await call<{ status: string; body: string }>(b.context, base, "GET", `/api/annotations/${submitted.id}`)).toMatchObject({ body: "As rewritten while it waited", status: "published" });
    expect(await a.page.getByRole("alert").count()).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("refuses a decision on what its author changed or withdrew since the queue showed it, and shows the queue as it now is", async () => {
    const { base, a, b, bob, articleId, comment } = await desk();
    const edited = await comment("SECOND EDIT");
    const withdrawn = await comment("Withdraw me");
    // The queue hears of an author's edits on the notification stream: without it, a decision can come before the news.
    await a.page.route("**/api/me/notifications/stream*", (route) => route.abort());
    await openReader(a.page, base, articleId);
    await a.page.getByRole("tab", { name: "Review" }).click();
    const entries = a.page.getByRole("listitem", { name: `Submission: Comment by ${bob.name}` });
    const first = entries.filter({ hasText: "EDIT" });
    await first.getByText("SECOND EDIT").waitFor();
    await entries.filter({ hasText: "Withdraw me" }).waitFor();

    // The author withdraws one after the moderator read it, then changes the other.
    await call(b.context, base, "DELETE", `/api/annotations/${withdrawn.id}`);
    await entries.filter({ hasText: "Withdraw me" }).getByRole("button", { name: "Approve" }).click();
    await a.page.getByRole("alert").getByText("Withdrawn by its author since you read it: nothing was decided.").waitFor();
    await entries.filter({ hasText: "Withdraw me" }).waitFor({ state: "detached" });

    await call(b.context, base, "PATCH", `/api/annotations/${edited.id}`, { body: "THIRD EDIT" });
    expect(await first.getByText("SECOND EDIT").count()).toBe(1);
    await first.getByRole("button", { name: "Reject" }).click();
    await first.getByLabel("Reason for rejecting").fill("Off topic");
    await first.getByRole("button", { name: "Reject submission" }).click();
    await a.page.getByRole("alert").getByText(/changed after you read it/).waitFor();
    await first.getByText("THIRD EDIT").waitFor();
    expect(await call<{ status: string }>(b.context, base, "GET", `/api/annotations/${edited.id}`)).toMatchObject({ body: "THIRD EDIT", status: "pending" });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("stops offering the queue's decisions on the group's page to a moderator demoted while it is open", async () => {
    const { base, a, b, bob, groupId, comment } = await desk();
    await comment("Waiting for a decision");
    await setRole(a.context, base, groupId, bob.id, "moderator");
    await b.page.goto(`${base}/groups/${groupId}/moderation`);
    const approve = b.page.getByRole("button", { name: "Approve" });
    await approve.first().waitFor();
    await setRole(a.context, base, groupId, bob.id, "annotator");
    await approve.first().click();
    await b.page.getByText("This needs the moderator role or higher").first().waitFor();
    await expect.poll(() => approve.count()).toBe(0);
    expect(await b.page.getByText("Nothing waits for review.").count()).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);
});

