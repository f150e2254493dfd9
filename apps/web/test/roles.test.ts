import { describe, expect, it } from "vitest";
import { signupTokenFor } from "../../server/test/support/mail.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, SEED_TITLE, annotate, call, groupWithSeedArticle, highlightSizes, newUser, openReader, selectWithMouse, setRole, signUpApi, threadCard, twoMembers } from "./support/flows.ts";

const PASSAGE = "Russia-Iran close ties help Moscow to develop its geopolitical, economic, and security";

announceSkip("roles and moderation");

describe.skipIf(skipBrowserSuites)("roles and moderation, in Chromium", () => {
  const suite = chromiumSuite();

  it("an owner signs up, creates a group, imports the article and invites a viewer, who accepts; the viewer sees no write controls", async () => {
    const base = suite.base;
    const owner = await newUserPage(suite.browser);
    const viewer = await newUserPage(suite.browser);
    const dana = newUser("Dana");
    const victor = await signUpApi(viewer.context, base, "Victor");

    // Sign up through the form.
    await owner.page.goto(base);
    await owner.page.getByRole("link", { name: "Create an account" }).click();
    await owner.page.getByLabel("Name").fill(dana.name);
    await owner.page.getByLabel("Email").fill(dana.email);
    await owner.page.getByLabel("Password").fill(dana.password);
    await owner.page.getByRole("button", { name: "Sign up" }).click();
    await owner.page.getByRole("heading", { name: "Check your email" }).waitFor();
    // The link from the mail the server delivered, opened in the same browser; the password chosen above finishes it.
    await owner.page.goto(`${base}/confirm#token=${await signupTokenFor(dana.email)}`);
    await owner.page.getByLabel("Password").fill(dana.password);
    await owner.page.getByRole("button", { name: "Create account" }).click();
    await owner.page.getByRole("heading", { name: "Your groups" }).waitFor();

    // A group, the seed article pasted in, and a viewer invited: pending until they accept.
    await owner.page.getByLabel("Group name").fill("Seminar on sanctions");
    await owner.page.getByRole("button", { name: "Create group" }).click();
    await owner.page.getByRole("heading", { level: 1, name: "Seminar on sanctions" }).waitFor();
    await owner.page.getByLabel("Email to invite").fill(victor.email);
    await owner.page.getByLabel("Invited role").selectOption("viewer");
    await owner.page.getByRole("button", { name: "Invite", exact: true }).click();
    const pending = owner.page.getByRole("table", { name: "Pending invitations" });
    await pending.getByRole("cell", { name: victor.email, exact: true }).waitFor();
    expect(await pending.getByRole("cell", { name: "viewer", exact: true }).count()).toBe(1);
    await screenshot(owner.page, "members-invitation-pending");

    // Victor finds the invitation on his groups screen and accepts it; the owner's list of pending ones empties.
    await viewer.page.goto(base);
    const invitations = viewer.page.getByRole("region", { name: "Invitations" });
    await invitations.getByText("Seminar on sanctions", { exact: true }).waitFor();
    expect(await invitations.getByRole("listitem").textContent()).toContain(`as viewer · from ${dana.name}`);
    await screenshot(viewer.page, "library-invitation");
    await invitations.getByRole("button", { name: "Accept the invitation to Seminar on sanctions" }).click();
    await viewer.page.getByRole("list", { name: "Your groups" }).getByRole("link", { name: "Seminar on sanctions" }).waitFor();
    expect(await viewer.page.getByRole("region", { name: "Invitations" }).count()).toBe(0);
    await owner.page.reload();
    await owner.page.getByRole("table", { name: "Members" }).getByRole("cell", { name: victor.email, exact: true }).waitFor();
    expect(await owner.page.getByRole("table", { name: "Pending invitations" }).count()).toBe(0);
    await owner.page.getByLabel("Article content").fill(SEED_ARTICLE);
    await owner.page.getByRole("button", { name: "Import article" }).click();
    await owner.page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
    await owner.page.getByRole("status", { name: "Saved" }).waitFor();
    const articleUrl = owner.page.url();

    // The owner comments, so that the viewer has a thread in front of them.
    await selectWithMouse(owner.page, PASSAGE);
    await owner.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await owner.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("Which partnership?");
    await owner.page.getByRole("button", { name: "Post comment" }).click();
    await owner.page.getByRole("status", { name: "Saved" }).waitFor();

    // The viewer reads it all, and is offered nothing that writes.
    await viewer.page.goto(articleUrl);
    await viewer.page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
    const thread = threadCard(viewer.page, "Comment", dana.name);
    await thread.getByText("Which partnership?").waitFor();
    await expect.poll(() => highlightSizes(viewer.page)).toMatchObject({ "mg-comment": 1 });
    expect(await viewer.page.locator(".role-badge").textContent()).toBe("viewer");
    await selectWithMouse(viewer.page, PASSAGE);
    await viewer.page.waitForTimeout(500);
    expect(await viewer.page.getByRole("dialog").count()).toBe(0);
    for (const name of ["Agree", "Disagree", "Resolve", "Edit", "Delete", "Send reply", "Hide", "Publish", "Highlight", "Fact-check"]) {
      expect(await viewer.page.getByRole("button", { name, exact: false }).count(), name).toBe(0);
    }
    expect(await viewer.page.getByRole("textbox", { name: "Reply" }).count()).toBe(0);
    expect(await viewer.page.getByRole("tab", { name: "Review" }).count()).toBe(0);
    await viewer.page.getByRole("tab", { name: "Notes" }).click();
    expect(await viewer.page.getByRole("textbox", { name: "Shared notes" }).getAttribute("readonly")).not.toBeNull();
    await screenshot(viewer.page, "reader-viewer");

    // Nor on the group page: no import, no member management, no moderation queue.
    await viewer.page.getByRole("link", { name: "Seminar on sanctions" }).click();
    await viewer.page.getByRole("heading", { level: 1, name: "Seminar on sanctions" }).waitFor();
    await viewer.page.getByRole("cell", { name: dana.email }).waitFor();
    expect(await viewer.page.getByRole("heading", { name: "Import an article" }).count()).toBe(0);
    expect(await viewer.page.getByRole("button", { name: "Invite", exact: true }).count()).toBe(0);
    expect(await viewer.page.getByRole("table", { name: "Pending invitations" }).count()).toBe(0);
    expect(await viewer.page.getByRole("combobox").count()).toBe(0);
    expect(await viewer.page.getByRole("link", { name: "Moderation queue" }).count()).toBe(0);
    expect([...owner.errors, ...viewer.errors]).toEqual([]);
    await owner.context.close();
    await viewer.context.close();
  }, 90_000);

  it("in a pre-moderated group a submission waits in the moderator's queue and appears for all once approved", async () => {
    const base = suite.base;
    const mod = await newUserPage(suite.browser);
    const member = await newUserPage(suite.browser);
    const maya = await signUpApi(mod.context, base, "Maya");
    const ann = await signUpApi(member.context, base, "Ann");
    const { articleId } = await groupWithSeedArticle(mod.context, base, [{ context: member.context, email: ann.email, role: "annotator" }], "pre");
    await Promise.all([openReader(mod.page, base, articleId), openReader(member.page, base, articleId)]);
    // The moderator has the queue open before anything is submitted: it fills as submissions arrive.
    await mod.page.getByRole("tab", { name: "Review" }).click();
    await mod.page.getByText("Nothing waits for review.").waitFor();

    await selectWithMouse(member.page, PASSAGE);
    await member.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    const form = member.page.getByRole("dialog", { name: "New comment" });
    await form.getByText("pre-moderated").waitFor();
    await form.getByLabel("Comment").fill("Source for the security claim?");
    await form.getByRole("button", { name: "Post comment" }).click();
    const mine = threadCard(member.page, "Comment", ann.name);
    await mine.getByText("In review").waitFor();
    await member.page.getByRole("status", { name: "Saved" }).waitFor();

    // Only the author sees a submission; the moderator finds it in the queue.
    expect(await threadCard(mod.page, "Comment", ann.name).count()).toBe(0);
    const entry = mod.page.getByRole("listitem", { name: `Submission: Comment by ${ann.name}` });
    await entry.getByText("Source for the security claim?").waitFor({ timeout: 15_000 });
    await screenshot(mod.page, "reader-review-queue");
    // The bell says who submitted what.
    const bell = mod.page.locator("summary[aria-label^='Notifications']");
    await bell.click();
    await mod.page.getByText(`${ann.name} submitted a comment on “`).waitFor();
    await bell.click();
    await entry.getByRole("button", { name: "Approve" }).click();
    await entry.waitFor({ state: "detached" });

    await mod.page.getByRole("tab", { name: /Threads/ }).click();
    await threadCard(mod.page, "Comment", ann.name).getByText("Source for the security claim?").waitFor();
    await expect.poll(() => mine.getByText("In review").count()).toBe(0);
    await mine.getByText("Source for the security claim?").waitFor();
    expect(await threadCard(member.page, "Comment", ann.name).count()).toBe(1);
    expect(maya.id).not.toBe(ann.id);
    expect([...mod.errors, ...member.errors]).toEqual([]);
    await mod.context.close();
    await member.context.close();
  }, 90_000);

  it("a role changed while the page is open changes what it offers at once; a removed member's page keeps nothing it could send later", async () => {
    const { base, a: owner, b: member, bob: ned, groupId, articleId } = await twoMembers(suite.browser, suite.base);
    await openReader(member.page, base, articleId);
    const badge = member.page.locator(".role-badge");
    expect(await badge.textContent()).toBe("annotator");

    // Demoted: the open page stops offering writes without a reload, so nothing typed is refused and lost.
    await setRole(owner.context, base, groupId, ned.id, "viewer");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("viewer");
    await selectWithMouse(member.page, PASSAGE);
    await member.page.waitForTimeout(300);
    expect(await member.page.getByRole("dialog", { name: "Annotate selection" }).count()).toBe(0);
    await setRole(owner.context, base, groupId, ned.id, "annotator");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("annotator");

    // Work of their own in the page's stored copy, then removed.
    await selectWithMouse(member.page, PASSAGE);
    await member.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await member.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill("Written while a member");
    await member.page.getByRole("button", { name: "Post comment" }).click();
    await member.page.getByRole("status", { name: "Saved" }).waitFor();
    const stored = () => member.page.evaluate(async (prefix) => (await indexedDB.databases()).filter((d) => d.name?.startsWith(prefix)).length, `marginalia:${ned.id}:`);
    expect(await stored()).toBeGreaterThan(0);
    await call(owner.context, base, "DELETE", `/api/groups/${groupId}/members/${ned.id}`);
    await member.page.getByText("You no longer have access to this article").waitFor({ timeout: 15_000 });
    // Nothing of theirs was refused, and all of it was saved: access ended, and the page says only that.
    expect(await member.page.getByText("refused one of your changes").count()).toBe(0);
    expect(await member.page.getByText("can no longer be sent").count()).toBe(0);
    // The private document may say so first; the group's follows within a moment, and with it the role.
    await expect.poll(() => member.page.locator(".role-badge").count(), { timeout: 15_000 }).toBe(0);
    await selectWithMouse(member.page, PASSAGE);
    await member.page.waitForTimeout(300);
    expect(await member.page.getByRole("dialog", { name: "Annotate selection" }).count()).toBe(0);
    // The stored copies are gone, so a later visit with access again sends nothing from this one.
    await expect.poll(stored, { timeout: 15_000 }).toBe(0);
    // A page stopped for good stays stopped when the network comes and goes: it does not try the article again.
    const rejoins: string[] = [];
    member.page.on("websocket", (ws) => rejoins.push(ws.url()));
    await member.context.setOffline(true);
    await member.context.setOffline(false);
    await member.page.waitForTimeout(500);
    expect(rejoins.filter((url) => url.includes(articleId))).toEqual([]);
    await member.page.getByText("You no longer have access to this article").waitFor();
    await screenshot(member.page, "reader-removed");
    await owner.context.close();
    await member.context.close();
  }, 90_000);

  it("a viewer promoted while reading saves to their private document without a reload; demoted again, the page says so and writes nothing", async () => {
    const base = suite.base;
    const owner = await newUserPage(suite.browser);
    const reader = await newUserPage(suite.browser);
    await signUpApi(owner.context, base, "Olga");
    const vera = await signUpApi(reader.context, base, "Vera");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, [{ context: reader.context, email: vera.email, role: "viewer" }]);
    await openReader(reader.page, base, articleId);
    const badge = reader.page.locator(".role-badge");
    expect(await badge.textContent()).toBe("viewer");

    // Promoted: told so, and a note of their own (their private document) is saved by the server.
    await setRole(owner.context, base, groupId, vera.id, "annotator");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("annotator");
    await reader.page.getByText("Your role in this group is now annotator: you can annotate this article.").waitFor();
    await selectWithMouse(reader.page, PASSAGE);
    const menu = reader.page.getByRole("dialog", { name: "Annotate selection" });
    await menu.getByLabel("Only me").check();
    await menu.getByRole("button", { name: "Highlight" }).click();
    const mine = threadCard(reader.page, "Highlight", vera.name);
    await mine.getByText("Only me").waitFor();
    type Listed = { annotations: Array<{ kind: string; visibility: string; target: { exact: string } }> };
    const saved = async () => (await call<Listed>(reader.context, base, "GET", `/api/articles/${articleId}/annotations`)).annotations.map((a) => [a.kind, a.visibility, a.target.exact]);
    await expect.poll(saved, { timeout: 15_000 }).toEqual([["highlight", "private", PASSAGE]]);
    await reader.page.getByRole("status", { name: "Saved" }).waitFor();

    // Demoted: told so; what they wrote stays to read, and nothing more is offered to write.
    await setRole(owner.context, base, groupId, vera.id, "viewer");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("viewer");
    await reader.page.getByText("Your role in this group is now viewer: you can read the annotations, but not add or change any.").waitFor();
    await mine.getByText("Only me").waitFor();
    expect(await mine.getByRole("button", { name: "Delete" }).count()).toBe(0);
    await selectWithMouse(reader.page, PASSAGE);
    await reader.page.waitForTimeout(300);
    expect(await reader.page.getByRole("dialog", { name: "Annotate selection" }).count()).toBe(0);
    expect(await reader.page.getByText("refused one of your changes").count()).toBe(0);
    await screenshot(reader.page, "reader-demoted");
    expect([...owner.errors, ...reader.errors]).toEqual([]);
    await owner.context.close();
    await reader.context.close();
  }, 90_000);

  it("a member made moderator while reading sees what moderators hid without a reload, and no longer once demoted", async () => {
    const base = suite.base;
    const owner = await newUserPage(suite.browser);
    const reader = await newUserPage(suite.browser);
    const olga = await signUpApi(owner.context, base, "Olga");
    const mira = await signUpApi(reader.context, base, "Mira");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, [{ context: reader.context, email: mira.email, role: "annotator" }]);
    const id = await annotate(owner.context, base, articleId, PASSAGE, { kind: "comment", body: "Hidden for a look" });
    await call(owner.context, base, "POST", `/api/annotations/${id}/hide`, { reason: "A look" });
    await openReader(reader.page, base, articleId);
    const badge = reader.page.locator(".role-badge");
    expect(await badge.textContent()).toBe("annotator");
    const hidden = threadCard(reader.page, "Comment", olga.name);
    expect(await hidden.count()).toBe(0);

    await setRole(owner.context, base, groupId, mira.id, "moderator");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("moderator");
    await hidden.getByText("Hidden for a look").waitFor({ timeout: 15_000 });
    await hidden.getByRole("button", { name: "Unhide" }).waitFor();

    await setRole(owner.context, base, groupId, mira.id, "annotator");
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe("annotator");
    await hidden.waitFor({ state: "detached", timeout: 15_000 });
    expect([...owner.errors, ...reader.errors]).toEqual([]);
    await owner.context.close();
    await reader.context.close();
  }, 90_000);

  it("a sign-out the server never confirmed says so and leaves the page signed in, as the session still is", async () => {
    const base = suite.base;
    const user = await newUserPage(suite.browser);
    const sam = await signUpApi(user.context, base, "Sam");
    await user.page.goto(base);
    await user.page.getByRole("heading", { name: "Your groups" }).waitFor();
    await user.page.route("**/api/auth/logout", (route) => route.abort("internetdisconnected"));
    await user.page.getByRole("button", { name: "Sign out" }).click();
    await user.page.getByRole("alert").getByText("Not signed out").waitFor();
    expect(await user.page.getByRole("heading", { name: "Your groups" }).count()).toBe(1);
    await user.page.reload();
    await user.page.getByRole("heading", { name: "Your groups" }).waitFor();
    await screenshot(user.page, "sign-out-failed");

    // Once the server can answer, signing out ends the session: a reload stays signed out.
    await user.page.unroute("**/api/auth/logout");
    await user.page.getByRole("button", { name: "Sign out" }).click();
    await user.page.getByLabel("Password").waitFor();
    await user.page.reload();
    await user.page.getByLabel("Password").waitFor();
    expect(await user.page.getByText(sam.name).count()).toBe(0);
    await user.context.close();
  }, 60_000);
});
