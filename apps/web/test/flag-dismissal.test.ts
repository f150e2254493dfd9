import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { call, threadCard, twoReaders } from "./support/flows.ts";

const QUOTE = "The third option is a regime change policy.";

announceSkip("dismissing flags");

describe.skipIf(skipBrowserSuites)("dismissing flags, in Chromium", () => {
  const suite = chromiumSuite();

  it("a moderator dismisses a flag from the queue: the entry goes, the comment stays, and it can be flagged again", async () => {
    const { base, a, b, alice, articleId, groupId } = await twoReaders(suite.browser, suite.base);
    const { text } = await call<{ text: string }>(a.context, base, "GET", `/api/articles/${articleId}`);
    const start = text.indexOf(QUOTE);
    const target = { revision: 1, exact: QUOTE, prefix: "", suffix: "", start, end: start + QUOTE.length };
    const { id } = await call<{ id: string }>(a.context, base, "POST", `/api/articles/${articleId}/annotations`, { kind: "comment", body: "A sharp but fair remark", target });
    await call(b.context, base, "POST", `/api/annotations/${id}/flag`, { reason: "Too harsh" });

    await a.page.getByRole("tab", { name: "Review" }).click();
    const entry = a.page.getByRole("listitem", { name: `Flagged: Comment by ${alice.name}` });
    await entry.getByRole("list", { name: "Flags" }).getByText("Too harsh").waitFor();
    // Beside the existing actions, a button of its own.
    expect(await entry.getByRole("button", { name: "Hide" }).count()).toBe(1);
    expect(await axeFindings(a.page, "queue with a flagged comment")).toEqual([]);
    await entry.getByRole("button", { name: "Dismiss flag" }).click();
    await entry.waitFor({ state: "detached" });
    await a.page.getByText("Nothing waits for review.").waitFor();

    const log = await call<{ entries: Array<{ action: string; annotationId: string }> }>(a.context, base, "GET", `/api/groups/${groupId}/moderation/log`);
    expect(log.entries[0]).toMatchObject({ action: "dismiss", annotationId: id });
    await a.page.getByRole("tab", { name: /Threads/ }).click();
    await threadCard(a.page, "Comment", alice.name).getByText("A sharp but fair remark").waitFor();
    await threadCard(b.page, "Comment", alice.name).getByText("A sharp but fair remark").waitFor();
    await call(b.context, base, "POST", `/api/annotations/${id}/flag`, { reason: "Still too harsh" });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);
});
