import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { CodePointIndex } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import { annotationAccess, refreshRole } from "../../src/access/annotation.ts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Reply, type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { articleWithMembers, targetOn } from "../support/article.ts";
import { SEED_CORRECTION, SEED_PASSAGES } from "../support/fixtures.ts";
import { holdDecisionTurn } from "../support/held-turn.ts";

// Writes on one annotation that only its author or a moderator may make (confirming a stale verdict,
// re-attaching, assigning, a moderator's edit of someone else's thread) wait for the article's decision
// turn (services/decision-turns.ts) and decide there, under the role their sender has when the turn comes
// and against the annotation as it is then. Each test holds the turn from outside (the database's lock, as
// another process's decision would), changes something while the request waits, then lets it go on. On
// the embedded database one process takes the turns, in memory, and no other process can hold them.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 } } });
});
afterAll(() => t.close());

/** The owner's fact-checks, one made stale by a correction and one orphaned by it, and a comment; a moderator who is about to lose their role. */
async function desk() {
  const { owner, group, article, members } = await articleWithMembers(t.app, ["moderator"]);
  const moderator = members[0]!;
  const { text } = (await owner.get(`/api/articles/${article.id}`)).body as { text: string };
  const check = async (quote: string, verdict: string) => {
    const made = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "factcheck", target: targetOn(text, quote), factcheck: { claim: quote.slice(0, 30), verdict, sources: [] } });
    expect(made.status).toBe(201);
    if (made.body.status !== "published") expect((await owner.post(`/api/annotations/${made.body.id}/publish`)).status).toBe(200);
    return made.body.id as string;
  };
  const reworded = await check(SEED_PASSAGES.reworded, "false");
  const deleted = await check(SEED_PASSAGES.deleted, "misleading");
  const comment = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Who can check this?" });
  expect(comment.status).toBe(201);
  const put = await owner.put(`/api/articles/${article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" });
  expect(put.status).toBe(201);
  const get = async (id: string) => (await owner.get(`/api/annotations/${id}`)).body;
  expect(await get(reworded)).toMatchObject({ stale: true });
  expect(await get(deleted)).toMatchObject({ stale: true, anchor: { state: "orphaned" } });
  const newText = put.body.text as string;
  const newIndex = new CodePointIndex(newText);
  const start = newIndex.toCodePoint(newText.indexOf("Russia-Iran close ties"));
  const range = { start, end: start + 22 };
  const logged = async (action: string) =>
    ((await owner.get(`/api/groups/${group.id}/moderation/log`)).body.entries as Array<{ action: string }>).filter((e) => e.action === action).length;
  return { owner, group, article, moderator, ids: { reworded, deleted, comment: comment.body.id as string }, range, get, logged };
}

/** Sends `send` while the article's turn is held, waits until it waits for it, runs `meanwhile`, lets the turn go, and answers what `send` got. */
async function whileTurnHeld(articleId: string, send: () => Promise<Reply>, meanwhile: () => Promise<void>) {
  const held = await holdDecisionTurn(t.database.db, articleId);
  let answered = false;
  const answer = send().finally(() => (answered = true));
  try {
    await expect.poll(async () => answered || (await held.waiting()) === 1, { timeout: 15_000 }).toBe(true);
    expect(answered, "answered without waiting for the article's turn").toBe(false);
    await meanwhile();
  } finally {
    // Held past a failure, the turn would keep one of the test database's connections from every later test.
    await held.release();
  }
  return answer;
}

async function end(owner: TestClient, groupId: string, member: { user: { id: string } }, ending: "demoted" | "removed") {
  const path = `/api/groups/${groupId}/members/${member.user.id}`;
  const reply = ending === "demoted" ? await owner.patch(path, { role: "viewer" }) : await owner.delete(path);
  expect(reply.status).toBe(ending === "demoted" ? 200 : 204);
}

if (!inject("databaseUrl")) console.warn("[decision-turn-races.test] SKIPPED: the embedded database has no lock another process could hold");
describe.runIf(!!inject("databaseUrl")).each(["demoted", "removed"] as const)("a moderator %s while their write waits for its turn", (ending) => {
  const refused = ending === "demoted" ? 403 : 404;

  it("confirms no verdict and logs nothing", async () => {
    const d = await desk();
    const reply = await whileTurnHeld(d.article.id, () => d.moderator.post(`/api/annotations/${d.ids.reworded}/confirm`), () => end(d.owner, d.group.id, d.moderator, ending));
    expect(reply.status).toBe(refused);
    expect(await d.get(d.ids.reworded)).toMatchObject({ stale: true });
    expect(await d.logged("confirm")).toBe(0);
  });

  it("re-attaches nothing", async () => {
    const d = await desk();
    const reply = await whileTurnHeld(d.article.id, () => d.moderator.post(`/api/annotations/${d.ids.deleted}/reattach`, d.range), () => end(d.owner, d.group.id, d.moderator, ending));
    expect(reply.status).toBe(refused);
    expect(await d.get(d.ids.deleted)).toMatchObject({ anchor: { state: "orphaned" } });
  });

  it("assigns nobody", async () => {
    const d = await desk();
    const assignment = { assignees: [d.owner.user.id], dueAt: null };
    const reply = await whileTurnHeld(d.article.id, () => d.moderator.put(`/api/annotations/${d.ids.comment}/assignment`, assignment), () => end(d.owner, d.group.id, d.moderator, ending));
    expect(reply.status).toBe(refused);
    const [stored] = await t.database.db.select({ assignees: annotations.assignees }).from(annotations).where(eq(annotations.id, d.ids.comment));
    expect(stored!.assignees).toEqual([]);
  });

  it("resolves nobody else's thread", async () => {
    const d = await desk();
    const reply = await whileTurnHeld(d.article.id, () => d.moderator.post(`/api/annotations/${d.ids.comment}/resolve`), () => end(d.owner, d.group.id, d.moderator, ending));
    expect(reply.status).toBe(refused);
    expect(await d.get(d.ids.comment)).toMatchObject({ resolved: false });
  });
});

/**
 * A moderator's write on an annotation a moderator hid, waiting for its turn while its sender is demoted to
 * annotator: they may no longer see it, so the answer must be the one an id that never existed gets, not a
 * refusal that tells them it is there.
 */
describe.runIf(!!inject("databaseUrl"))("a moderator demoted while their write on a hidden annotation waits for its turn", () => {
  const writes: Record<string, (c: TestClient, articleId: string, id: string) => Promise<Reply>> = {
    "PATCH its body": (c, _, id) => c.patch(`/api/annotations/${id}`, { body: "edited in its turn" }),
    "DELETE it": (c, _, id) => c.delete(`/api/annotations/${id}`),
    "resolve it": (c, _, id) => c.post(`/api/annotations/${id}/resolve`),
    "unhide it": (c, _, id) => c.post(`/api/annotations/${id}/unhide`),
    "assign it": (c, _, id) => c.put(`/api/annotations/${id}/assignment`, { assignees: [], dueAt: null }),
    "DELETE it over W3C": (c, articleId, id) => c.delete(`/w3c/articles/${articleId}/${id}`),
  };
  it.each(Object.keys(writes))("%s: 404, as for an annotation that does not exist", async (name) => {
    const d = await desk();
    expect((await d.moderator.post(`/api/annotations/${d.ids.comment}/hide`)).status).toBe(200);
    const write = writes[name]!;
    const demote = async () => expect((await d.owner.patch(`/api/groups/${d.group.id}/members/${d.moderator.user.id}`, { role: "annotator" })).status).toBe(200);
    const reply = await whileTurnHeld(d.article.id, () => write(d.moderator, d.article.id, d.ids.comment), demote);
    const nowhere = await write(d.moderator, d.article.id, randomUUID());
    expect([reply.status, reply.body?.error?.code]).toEqual([404, "not_found"]);
    expect([reply.status, reply.body?.error?.code]).toEqual([nowhere.status, nowhere.body?.error?.code]);
    expect(await d.get(d.ids.comment)).toMatchObject({ status: "hidden", resolved: false, body: "Who can check this?" });
  });
});

describe.runIf(!!inject("databaseUrl"))("a stale verdict revised while a confirmation waits for its turn", () => {
  it("is not confirmed over the revision: 409, and nothing is logged", async () => {
    const d = await desk();
    const revise = async () => {
      const revised = await d.owner.patch(`/api/annotations/${d.ids.reworded}`, { factcheck: { claim: "Sanctions", verdict: "mostly-false", sources: [] } });
      expect(revised.status).toBe(200);
      expect(revised.body).toMatchObject({ stale: false });
    };
    const reply = await whileTurnHeld(d.article.id, () => d.moderator.post(`/api/annotations/${d.ids.reworded}/confirm`), revise);
    expect(reply.status).toBe(409);
    expect(await d.get(d.ids.reworded)).toMatchObject({ stale: false, factcheck: { verdict: "mostly-false" } });
    expect(await d.logged("confirm")).toBe(0);
  });
});

describe("the role decided again in a turn", () => {
  it("is the member's role now, on a copy: the request's access stays as the request found it", async () => {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["moderator"]);
    const note = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Keep this one" });
    const found = await annotationAccess(t.database.db, note.body.id, members[0]!.user.id);
    await end(owner, group.id, members[0]!, "demoted");
    const now = await refreshRole(t.database.db, found);
    expect([now.role, now.actor.role]).toEqual(["viewer", "viewer"]);
    expect([found.role, found.actor.role]).toEqual(["moderator", "moderator"]);
  });
});
