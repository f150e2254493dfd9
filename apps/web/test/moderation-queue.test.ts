import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { call, openReader, twoMembers } from "./support/flows.ts";

announceSkip("the moderation queue");

describe.skipIf(skipBrowserSuites)("the moderation queue, in Chromium", () => {
  const suite = chromiumSuite();

  /** Alice owns a pre-moderated group holding the seed article; Bob, an annotator, submits to it. */
  async function desk() {
    const members = await twoMembers(suite.browser, suite.base, "pre");
    const { base, b, articleId } = members;
    const comment = (body: string) => call<{ id: string }>(b.context, base, "POST", `/api/articles/${articleId}/annotations`, { kind: "comment", body });
    return { ...members, comment };
  }

  it("refuses a decision on what its author changed or withdrew since the queue showed it, and shows the queue as it now is", async () => {
    const { base, a, b, bob, articleId, comment } = await desk();
    const edited = await comment("SECOND EDIT");
    const withdrawn = await comment("Withdraw me");
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
});
