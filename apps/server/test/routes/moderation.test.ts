import { eq } from "drizzle-orm";
import { notifications } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers, targetOn } from "../support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Member = TestClient & { user: { id: string; name: string }; email: string };

async function desk(moderation: "open" | "pre" = "open") {
  const d = await articleWithMembers(t.app, ["annotator", "annotator", "moderator"], moderation);
  const [author, peer, mod] = d.members as unknown as [Member, Member, Member];
  const post = (who: TestClient, body: object) => who.post(`/api/articles/${d.article.id}/annotations`, body);
  return { ...d, author, peer, mod, post };
}

describe("moderation: hide, unhide, flags and the queue", () => {
  it("tells the group's moderators of each new submission and flag, once each, and not whoever made it", async () => {
    const d = await desk("pre");
    type Note = { kind: string; data: { action?: string }; actor: { id: string } | null; readAt: string | null };
    const notes = async (who: TestClient) => ((await who.get("/api/me/notifications")).body.notifications as Note[]).filter((n) => n.kind === "review");
    const heard = async (who: TestClient) => (await notes(who)).filter((n) => !n.readAt).map((n) => [n.data.action, n.actor?.id ?? null]);
    const { body } = await d.post(d.author, { kind: "comment", body: "Needs a source" });
    expect(body.status).toBe("pending");
    // Edited while it waits: still one submission to review. The edit is told too, as read, for an open queue to show it.
    expect((await d.author.patch(`/api/annotations/${body.id}`, { body: "Needs a source, please" })).status).toBe(200);
    const submitted = [["submitted", d.author.user.id]];
    await expect.poll(() => heard(d.mod)).toEqual(submitted);
    const told = async () => (await notes(d.mod)).filter((n) => n.readAt).map((n) => [n.data.action, n.actor?.id ?? null]);
    await expect.poll(told).toEqual([["edited", d.author.user.id]]);
    // Edited again: the newer edit replaces the one told before, rather than adding a row per version.
    const firstEdit = (await notes(d.mod)).find((n) => n.readAt) as Note & { id: number };
    expect((await d.author.patch(`/api/annotations/${body.id}`, { body: "Needs a source, please, and a date" })).status).toBe(200);
    await expect.poll(async () => (await notes(d.mod)).filter((n) => n.readAt).map((n) => (n as Note & { id: number }).id > firstEdit.id)).toEqual([true]);
    expect(await told()).toEqual([["edited", d.author.user.id]]);
    expect(await heard(d.owner)).toEqual(submitted);
    expect(await heard(d.peer)).toEqual([]);
    expect(await heard(d.author)).toEqual([]);

    // A moderator's own work is published, not submitted; a member's flag of it reaches the moderators.
    const { body: note } = await d.post(d.mod, { kind: "comment", body: "House rules for this desk" });
    expect(note.status).toBe("published");
    expect((await d.peer.post(`/api/annotations/${note.id}/flag`, { reason: "Off topic" })).status).toBe(201);
    await expect.poll(() => heard(d.mod)).toEqual([["flagged", d.peer.user.id], ...submitted]);
    expect(await heard(d.owner)).toEqual([["flagged", d.peer.user.id], ...submitted]);
    expect(await heard(d.peer)).toEqual([]);
  });

  it("lets any member flag once with a reason, and puts flagged annotations in the queue", async () => {
    const d = await desk();
    const { body } = await d.post(d.author, { kind: "comment", body: "Questionable remark" });
    const flag = await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Off topic" });
    expect(flag.status).toBe(201);
    expect((await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Again" })).status).toBe(409);
    expect((await d.peer.post(`/api/annotations/${body.id}/flag`, {})).body.error.field).toBe("reason");

    const queue = await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`);
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({ reason: "flagged", flags: { count: 1, reasons: ["Off topic"] }, annotation: expect.objectContaining({ id: body.id }) }),
    ]);
    expect((await d.author.get(`/api/groups/${d.group.id}/moderation/queue`)).status).toBe(403);
  });

  it("hides and unhides, settling flags, logging old and new status, and telling the author", async () => {
    const d = await desk();
    const { body } = await d.post(d.author, { kind: "comment", body: "Spam link" });
    await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Spam" });
    expect((await d.peer.post(`/api/annotations/${body.id}/hide`)).status).toBe(403);
    const hidden = await d.mod.post(`/api/annotations/${body.id}/hide`, { reason: "Spam" });
    expect(hidden.body.status).toBe("hidden");
    expect((await d.peer.get(`/api/articles/${d.article.id}/annotations`)).body.annotations).toEqual([]);
    expect((await d.peer.get(`/api/annotations/${body.id}`)).status).toBe(404);
    expect((await d.mod.get(`/api/articles/${d.article.id}/annotations`)).body.annotations).toHaveLength(1);
    expect((await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items).toEqual([]);

    const unhidden = await d.mod.post(`/api/annotations/${body.id}/unhide`);
    expect(unhidden.body.status).toBe("published");
    expect((await d.mod.post(`/api/annotations/${body.id}/unhide`)).status).toBe(409);

    const log = await d.mod.get(`/api/groups/${d.group.id}/moderation/log`);
    expect(log.body.entries.map((e: { action: string; oldStatus: string | null; newStatus: string | null }) => [e.action, e.oldStatus, e.newStatus])).toEqual([
      ["unhide", "hidden", "published"],
      ["hide", "published", "hidden"],
      ["flag", null, null],
    ]);
    expect(log.body.entries[1]).toMatchObject({ reason: "Spam", actor: { id: d.mod.user.id } });
    expect((await d.peer.get(`/api/groups/${d.group.id}/moderation/log`)).status).toBe(403);

    const notes = await d.author.get("/api/me/notifications");
    expect(notes.body.notifications.map((n: { kind: string; data: { action: string } }) => [n.kind, n.data.action])).toEqual([
      ["moderation", "unhide"],
      ["moderation", "hide"],
    ]);
  });

  it("dismisses open flags without hiding: logged, out of the queue, and the flagger may flag again", async () => {
    const d = await desk();
    const { body } = await d.post(d.author, { kind: "comment", body: "Strongly worded but fair" });
    const dismiss = (who: TestClient, reason?: object) => who.post(`/api/annotations/${body.id}/flags/dismiss`, reason);
    expect((await dismiss(d.mod)).status).toBe(409);
    await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Rude" });
    await d.mod.post(`/api/annotations/${body.id}/flag`, { reason: "Check tone" });

    expect((await dismiss(d.peer)).status).toBe(403);
    const outsider = await signUp(t.app, "Outsider");
    expect((await dismiss(outsider)).status).toBe(404);
    expect((await d.mod.post("/api/annotations/no-such-annotation/flags/dismiss")).status).toBe(404);
    expect((await dismiss(d.mod, { reason: "" })).body.error.field).toBe("reason");

    const dismissed = await dismiss(d.mod, { reason: "Fair criticism" });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toEqual({ dismissed: 2 });
    expect((await dismiss(d.mod)).status).toBe(409);
    expect((await d.peer.get(`/api/annotations/${body.id}`)).body.status).toBe("published");
    expect((await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items).toEqual([]);
    const log = await d.mod.get(`/api/groups/${d.group.id}/moderation/log`);
    expect(log.body.entries[0]).toMatchObject({ action: "dismiss", annotationId: body.id, reason: "Fair criticism", oldStatus: null, newStatus: null, actor: { id: d.mod.user.id } });
    // Nobody told the author of the flags, so nobody tells them of the dismissal either.
    expect((await d.author.get("/api/me/notifications")).body.notifications).toEqual([]);

    expect((await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Rude again" })).status).toBe(201);
    const queue = await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`);
    expect(queue.body.items).toEqual([expect.objectContaining({ reason: "flagged", flags: { count: 1, reasons: ["Rude again"] } })]);
  });

  it("queues pending submissions and fact-checks in review", async () => {
    const d = await desk("pre");
    const submission = await d.post(d.author, { kind: "comment", body: "Please review" });
    const review = await d.post(d.mod, { kind: "factcheck", body: "", status: "pending", factcheck: { claim: "c", verdict: "false", sources: [] } });
    const queue = await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`);
    const reasons = Object.fromEntries(queue.body.items.map((i: { annotation: { id: string }; reason: string }) => [i.annotation.id, i.reason]));
    expect(reasons).toEqual({ [submission.body.id]: "submission", [review.body.id]: "review" });
    const rejected = await d.mod.post(`/api/annotations/${submission.body.id}/reject`, { reason: "Needs a source" });
    expect(rejected.status).toBe(204);
    const outcome = await d.author.get("/api/me/notifications?unread=true");
    expect(outcome.body.notifications[0]).toMatchObject({ kind: "moderation", data: { action: "reject", reason: "Needs a source" } });
  });
});

describe("decisions on a submission", () => {
  it.each([
    ["an approval and a rejection", "reject"],
    ["two approvals", "approve"],
  ] as const)("takes one of %s sent at once, with one log entry and one notice", async (_, second) => {
    const d = await desk("pre");
    const submission = await d.post(d.author, { kind: "comment", body: "Decide me once" });
    const decide = (who: TestClient, action: "approve" | "reject") =>
      who.post(`/api/annotations/${submission.body.id}/${action}`, action === "reject" ? { reason: "No" } : undefined);
    const answers = await Promise.all([decide(d.owner, "approve"), decide(d.mod, second)]);
    expect(answers.map((a) => a.status < 300).filter(Boolean)).toHaveLength(1);
    expect(answers.map((a) => a.status).filter((s) => s >= 300)).toEqual([409]);
    const log = await d.mod.get(`/api/groups/${d.group.id}/moderation/log`);
    expect(log.body.entries.filter((e: { annotationId: string }) => e.annotationId === submission.body.id)).toHaveLength(1);
    const notices = await d.author.get("/api/me/notifications");
    expect(notices.body.notifications.filter((n: { kind: string }) => n.kind === "moderation")).toHaveLength(1);
  });

  it("answers a decision on a submission already decided with 409 either way round", async () => {
    const d = await desk("pre");
    for (const [first, second] of [["reject", "approve"], ["approve", "reject"]] as const) {
      const submission = await d.post(d.author, { kind: "comment", body: `Decided by ${first}` });
      const decide = (action: "approve" | "reject") => d.mod.post(`/api/annotations/${submission.body.id}/${action}`, action === "reject" ? { reason: "No" } : undefined);
      expect((await decide(first)).status).toBeLessThan(300);
      // After a rejection, the submission sits in its author's private document again: it was "not found" (404).
      expect((await decide(second)).status, `${second} after ${first}`).toBe(409);
    }
  });

  it("approves or publishes only what the moderator read, when told its version, and takes back one changed while approved", async () => {
    const d = await desk("pre");
    const submission = await d.post(d.author, { kind: "comment", body: "Reviewed text" });
    const versionOf = async (id: string) =>
      (await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items.find((i: { annotation: { id: string } }) => i.annotation.id === id)?.version as string;
    const read = await versionOf(submission.body.id);
    expect(read).toMatch(/^[\w-]{22}$/);
    // The author rewrites it after the moderator read it, before the click.
    expect((await d.author.patch(`/api/annotations/${submission.body.id}`, { body: "Swapped text" })).status).toBe(200);
    const stale = await d.mod.request("POST", `/api/annotations/${submission.body.id}/approve`, undefined, { "if-match": `"${read}"` });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("precondition_failed");
    const reread = await versionOf(submission.body.id);
    expect(reread).not.toBe(read);
    expect((await d.mod.request("POST", `/api/annotations/${submission.body.id}/approve`, undefined, { "if-match": "W/" })).status).toBe(412);
    // A list of tags, as RFC 9110 allows: any one of them naming the submission as it reads will do.
    const approved = await d.mod.request("POST", `/api/annotations/${submission.body.id}/approve`, undefined, { "if-match": `"${read}", W/"${reread}"` });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ body: "Swapped text", status: "published" });

    // A fact-check in review in an open group: its verdict turned round after the moderator read it.
    const open = await desk("open");
    const review = await open.post(open.author, { kind: "factcheck", body: "", status: "pending", factcheck: { claim: "c", verdict: "false", sources: [] } });
    const queued = (await open.mod.get(`/api/groups/${open.group.id}/moderation/queue`)).body.items[0].version as string;
    expect((await open.author.patch(`/api/annotations/${review.body.id}`, { factcheck: { claim: "c", verdict: "true", sources: [] } })).status).toBe(200);
    expect((await open.mod.request("POST", `/api/annotations/${review.body.id}/publish`, undefined, { "if-match": queued })).status).toBe(412);
    expect((await open.mod.get(`/api/annotations/${review.body.id}`)).body.status).toBe("pending");
  });

  it("rejects only what the moderator read, when told its version: an edit meanwhile answers 412 and nothing is rejected", async () => {
    const d = await desk("pre");
    const submission = await d.post(d.author, { kind: "comment", body: "SECOND EDIT" });
    const id = submission.body.id as string;
    const queue = async () => (await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items as { annotation: { id: string; body: string }; version: string }[];
    const read = (await queue()).find((i) => i.annotation.id === id)!.version;
    // The author rewrites it after the moderator read it, before the click.
    expect((await d.author.patch(`/api/annotations/${id}`, { body: "THIRD EDIT" })).status).toBe(200);
    const reject = (ifMatch: string) => d.mod.request("POST", `/api/annotations/${id}/reject`, { reason: "Wrong" }, { "if-match": ifMatch });
    const stale = await reject(`"${read}"`);
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("precondition_failed");
    expect((await d.author.get(`/api/annotations/${id}`)).body).toMatchObject({ body: "THIRD EDIT", status: "pending" });
    const log = await d.mod.get(`/api/groups/${d.group.id}/moderation/log`);
    expect(log.body.entries.filter((e: { annotationId: string }) => e.annotationId === id)).toEqual([]);
    // Read again, the version the moderator now names is the one that reads as the author left it.
    const reread = (await queue()).find((i) => i.annotation.id === id)!;
    expect(reread.annotation.body).toBe("THIRD EDIT");
    expect((await reject(`"${reread.version}"`)).status).toBe(204);
    expect((await d.author.get(`/api/annotations/${id}`)).body).toMatchObject({ body: "THIRD EDIT", status: "rejected" });
  });

  it("submits a rejected submission again once its author rewrites it: pending, back in the queue, its moderators told", async () => {
    const d = await desk("pre");
    const factcheck = { claim: "The summit agreed a ceasefire", verdict: "true", sources: [] };
    const { body } = await d.post(d.author, { kind: "factcheck", body: "", factcheck });
    const id = body.id as string;
    const queued = async () => ((await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items as { annotation: { id: string } }[]).map((i) => i.annotation.id);
    const bells = async () =>
      ((await d.mod.get("/api/me/notifications?unread=true")).body.notifications as { kind: string; annotationId: string; data: { action: string } }[])
        .filter((n) => n.kind === "review" && n.annotationId === id)
        .map((n) => n.data.action);
    await expect.poll(bells).toEqual(["submitted"]);
    expect((await d.mod.post("/api/me/notifications/read", {})).status).toBeLessThan(300);
    expect((await d.mod.post(`/api/annotations/${id}/reject`, { reason: "Please cite the summit declaration" })).status).toBe(204);
    expect(await queued()).toEqual([]);
    // Its tags are the author's filing, not what the moderator reviewed: it stays rejected.
    expect((await d.author.patch(`/api/annotations/${id}`, { tags: ["summit"] })).body).toMatchObject({ status: "rejected" });
    const source = { url: "https://example.org/declaration", title: "Summit declaration" };
    const edited = await d.author.patch(`/api/annotations/${id}`, { factcheck: { ...factcheck, verdict: "mostly-true", sources: [source] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: "pending" });
    expect(await queued()).toEqual([id]);
    await expect.poll(bells).toEqual(["resubmitted"]);
  });

  it("boxes no passage together in a group whose quorum is 1: each fact-check is approved on its own", async () => {
    const d = await desk("pre");
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const quote = text.slice(0, 40);
    for (const who of [d.author, d.peer]) {
      const made = await d.post(who, { kind: "factcheck", target: targetOn(text, quote), factcheck: { claim: quote, verdict: "false", sources: [] } });
      expect(made.body.status).toBe("pending");
    }
    const items = (await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items as { passage: unknown }[];
    expect(items.map((i) => i.passage)).toEqual([null, null]);
  });

  it("drops a removed member's submission from the queue", async () => {
    const d = await desk("pre");
    const submission = await d.post(d.author, { kind: "comment", body: "Left behind" });
    expect((await d.owner.delete(`/api/groups/${d.group.id}/members/${d.author.user.id}`)).status).toBe(204);
    const queue = await d.mod.get(`/api/groups/${d.group.id}/moderation/queue`);
    expect(queue.body.items.map((i: { annotation: { id: string } }) => i.annotation.id)).not.toContain(submission.body.id);
  });
});

describe("threads and notifications", () => {
  it("notifies the parent's author of a reply, and mentioned members, once each", async () => {
    const d = await desk();
    const parent = await d.post(d.author, { kind: "comment", body: "Is this figure right?" });
    const handle = d.mod.email.split("@")[0];
    const reply = await d.peer.post(`/api/annotations/${parent.body.id}/replies`, { body: `Asking @${handle} to check` });
    expect(reply.status).toBe(201);
    // An edit re-projects the reply; it must not notify again.
    await d.peer.patch(`/api/annotations/${reply.body.id}`, { body: `Asking @${handle} to check, thanks` });

    const authorNotes = (await d.author.get("/api/me/notifications")).body.notifications;
    expect(authorNotes).toEqual([expect.objectContaining({ kind: "reply", annotationId: reply.body.id, actor: { id: d.peer.user.id, name: d.peer.user.name } })]);
    const modNotes = (await d.mod.get("/api/me/notifications")).body.notifications;
    expect(modNotes).toEqual([expect.objectContaining({ kind: "mention", annotationId: reply.body.id })]);
    expect((await d.peer.get("/api/me/notifications")).body.notifications).toEqual([]);
  });

  it("tells the parent's author once of a reply that also mentions them: as a reply", async () => {
    const d = await desk();
    const parent = await d.post(d.author, { kind: "comment", body: "Is this figure right?" });
    const handle = d.author.email.split("@")[0];
    const modHandle = d.mod.email.split("@")[0];
    const reply = await d.peer.post(`/api/annotations/${parent.body.id}/replies`, { body: `@${handle} it is, and @${modHandle} agrees` });
    expect(reply.status).toBe(201);
    const kinds = async (who: TestClient) => ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string }>).map((n) => [n.kind, n.annotationId]);
    await expect.poll(() => kinds(d.mod)).toEqual([["mention", reply.body.id]]);
    expect(await kinds(d.author)).toEqual([["reply", reply.body.id]]);
  });

  it("tells someone removed from the group nothing more of it, and shows what it told them only while they are a member", async () => {
    const d = await desk();
    const theirs = await d.post(d.author, { kind: "comment", body: "Is this figure right?" });
    expect((await d.peer.post(`/api/annotations/${theirs.body.id}/replies`, { body: "Checking" })).status).toBe(201);
    const stored = () => t.database.db.select({ kind: notifications.kind }).from(notifications).where(eq(notifications.userId, d.author.user.id));
    expect(await stored()).toEqual([{ kind: "reply" }]);

    expect((await d.owner.delete(`/api/groups/${d.group.id}/members/${d.author.user.id}`)).status).toBe(204);
    expect((await d.peer.post(`/api/annotations/${theirs.body.id}/replies`, { body: "Still checking" })).status).toBe(201);
    expect((await d.mod.post(`/api/annotations/${theirs.body.id}/hide`, { reason: "Confidential reason" })).status).toBe(200);
    expect(await stored()).toEqual([{ kind: "reply" }]);
    expect((await d.author.get("/api/me/notifications")).body.notifications).toEqual([]);

    await addMember(d.owner, d.group.id, d.author, "annotator");
    expect((await d.author.get("/api/me/notifications")).body.notifications).toEqual([expect.objectContaining({ kind: "reply" })]);
  });

  it("mentions only resolve to members, and private annotations notify no one", async () => {
    const d = await desk();
    const outsider = await signUp(t.app, "Outsider");
    await d.post(d.author, { kind: "comment", body: `Hey @${outsider.email.split("@")[0]}` });
    await d.post(d.author, { kind: "comment", body: `@${d.mod.email.split("@")[0]} private`, visibility: "private" });
    expect((await outsider.get("/api/me/notifications")).body.notifications).toEqual([]);
    expect((await d.mod.get("/api/me/notifications")).body.notifications).toEqual([]);
  });

  it("resolves a mention by display name or a first name only one member has, and notifies no one for a shared one", async () => {
    const owner = await signUp(t.app, "Dana Owner");
    const group = await createGroup(owner, "Names");
    const [carol, carl, otherCarl] = await Promise.all(["Carol Moderator", "Carl Jensen", "Carl Berg"].map((name) => signUp(t.app, name)));
    for (const member of [carol!, carl!, otherCarl!]) await addMember(owner, group.id, member, "annotator");
    const imported = await owner.post(`/api/groups/${group.id}/articles`, "A short text to talk about.", { "content-type": "text/plain" });
    const say = async (body: string) => (await owner.post(`/api/articles/${imported.body.id}/annotations`, { kind: "comment", body })).body.id as string;
    const mentions = async (who: TestClient) =>
      ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string }>)
        .filter((n) => n.kind === "mention")
        .map((n) => n.annotationId)
        .sort();

    const whole = await say("Over to @Carol Moderator, then");
    const first = await say("@Carol, does this hold?");
    const shared = await say("@Carl can you check?");
    const wholeCarl = await say("@Carl Berg can you check?");
    expect(await mentions(carol!)).toEqual([whole, first].sort());
    expect(await mentions(carl!)).toEqual([]);
    expect(await mentions(otherCarl!)).toEqual([wholeCarl]);
    expect(shared).toBeTruthy();
  });

  it("marks notifications read, one by one or all", async () => {
    const d = await desk();
    const a = await d.post(d.author, { kind: "comment", body: "one" });
    const b = await d.post(d.author, { kind: "comment", body: "two" });
    await d.peer.post(`/api/annotations/${a.body.id}/replies`, { body: "r1" });
    await d.peer.post(`/api/annotations/${b.body.id}/replies`, { body: "r2" });
    const all = (await d.author.get("/api/me/notifications")).body.notifications;
    expect(all).toHaveLength(2);
    expect((await d.author.post("/api/me/notifications/read", { ids: [all[0].id] })).body.marked).toBe(1);
    expect((await d.author.get("/api/me/notifications?unread=true")).body.notifications).toHaveLength(1);
    expect((await d.peer.post("/api/me/notifications/read", { ids: [all[1].id] })).body.marked).toBe(0);
    expect((await d.author.post("/api/me/notifications/read", {})).body.marked).toBe(1);
    expect((await new TestClient(t.app).get("/api/me/notifications")).status).toBe(401);
  });
});
