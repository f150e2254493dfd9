import { eq } from "drizzle-orm";
import { webhookDeliveries } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { type Member, articleWithMembers, seedTarget } from "../support/article.ts";
import { LD, container } from "../support/w3c.ts";

/**
 * A moderator's change of status is one of the moderation steps (publish, hide, unhide) whichever path it
 * comes by (docs/architecture.md, "The policy"): a REST PATCH or a W3C PUT carrying it is logged, settles
 * the flags and tells the author, as the step's own route does.
 */
let t: TestApp;
beforeAll(async () => {
  // No deliverer: what a commit enqueues stays in the outbox, where it is counted.
  t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
});
afterAll(() => t.close());

type Path = "step" | "patch" | "put";
const PATHS: Path[] = ["step", "patch", "put"];

async function desk() {
  const d = await articleWithMembers(t.app, ["annotator", "annotator", "moderator"]);
  const [author, peer, mod] = d.members as [Member, Member, Member];
  const hook = await d.owner.post(`/api/groups/${d.group.id}/webhooks`, { url: "http://127.0.0.1:9/hook", events: ["factcheck.published"] });
  expect(hook.status).toBe(201);
  const log = async (id: string) =>
    ((await d.owner.get(`/api/groups/${d.group.id}/moderation/log`)).body.entries as Array<{ annotationId: string; action: string; oldStatus: string | null; newStatus: string | null; actor: { id: string } }>)
      .filter((e) => e.annotationId === id)
      .map((e) => [e.action, e.oldStatus, e.newStatus, e.actor.id]);
  const told = async (who: TestClient, id: string) =>
    ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string; data: { action?: string } }>)
      .filter((n) => n.annotationId === id && n.kind === "moderation")
      .map((n) => n.data.action);
  const deliveries = async () => (await t.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.body.id))).map((r) => r.event);
  const queued = async () => ((await mod.get(`/api/groups/${d.group.id}/moderation/queue`)).body.items as Array<{ annotation: { id: string } }>).map((i) => i.annotation.id);
  return { ...d, author, peer, mod, log, told, deliveries, queued };
}

const STEP_TO: Record<string, string> = { publish: "published", hide: "hidden", unhide: "published" };

/** One moderation step by `path`: the step's own route, a REST PATCH of the status, or a W3C PUT of mg:status. */
async function step(who: TestClient, articleId: string, id: string, action: "publish" | "hide" | "unhide", path: Path) {
  if (path === "step") return who.post(`/api/annotations/${id}/${action}`);
  if (path === "patch") return who.patch(`/api/annotations/${id}`, { status: STEP_TO[action] });
  const iri = `${container(articleId)}${id}`;
  const got = await who.get(iri);
  expect(got.status).toBe(200);
  return who.request("PUT", iri, JSON.stringify({ ...got.body, "mg:status": STEP_TO[action] }), { "content-type": LD, "if-match": got.headers.get("etag")! });
}

describe("a moderator's status change by REST PATCH or W3C PUT is a moderation step", () => {
  it.each(PATHS)("hides and unhides someone's comment by %s: logged, flags settled, the author told", async (path) => {
    const d = await desk();
    const { body } = await d.author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "Spam link" });
    expect((await d.peer.post(`/api/annotations/${body.id}/flag`, { reason: "Spam" })).status).toBe(201);
    expect(await d.queued()).toEqual([body.id]);

    expect((await step(d.mod, d.article.id, body.id, "hide", path)).status).toBe(200);
    expect((await d.peer.get(`/api/annotations/${body.id}`)).status).toBe(404);
    expect(await d.queued()).toEqual([]);
    expect((await step(d.mod, d.article.id, body.id, "unhide", path)).status).toBe(200);
    expect((await d.peer.get(`/api/annotations/${body.id}`)).status).toBe(200);

    expect(await d.log(body.id)).toEqual([
      ["unhide", "hidden", "published", d.mod.user.id],
      ["hide", "published", "hidden", d.mod.user.id],
      ["flag", null, null, d.peer.user.id],
    ]);
    expect(await d.told(d.author, body.id)).toEqual(["unhide", "hide"]);
  });

  it.each(PATHS)("publishes an annotator's fact-check in review by %s: logged, the author told, the webhook enqueued once", async (path) => {
    const d = await desk();
    const made = await d.author.post(`/api/articles/${d.article.id}/annotations`, {
      kind: "factcheck",
      body: "",
      target: seedTarget(0, "Russia"),
      factcheck: { claim: "A treaty was signed", verdict: "false", sources: [] },
    });
    expect(made.body.status).toBe("pending");
    expect(await d.deliveries()).toEqual([]);

    expect((await step(d.mod, d.article.id, made.body.id, "publish", path)).status).toBe(200);
    expect((await d.peer.get(`/api/annotations/${made.body.id}`)).body.status).toBe("published");
    expect(await d.log(made.body.id)).toEqual([["publish", "pending", "published", d.mod.user.id]]);
    expect(await d.told(d.author, made.body.id)).toEqual(["publish"]);
    expect(await d.deliveries()).toEqual(["factcheck.published"]);
  });

  it.each(PATHS)("logs a moderator's unhide by %s of their own note that the owner hid, telling nobody of their own step", async (path) => {
    const d = await desk();
    const { body } = await d.mod.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "House rules" });
    expect((await d.owner.post(`/api/annotations/${body.id}/hide`)).status).toBe(200);

    expect((await step(d.mod, d.article.id, body.id, "unhide", path)).status).toBe(200);
    expect((await d.peer.get(`/api/annotations/${body.id}`)).status).toBe(200);
    expect(await d.log(body.id)).toEqual([
      ["unhide", "hidden", "published", d.mod.user.id],
      ["hide", "published", "hidden", d.owner.user.id],
    ]);
    expect(await d.told(d.mod, body.id)).toEqual(["hide"]);
  });

  it("logs nothing for a W3C PUT refused on a stale If-Match, nor for a PATCH that is not a step", async () => {
    const d = await desk();
    const { body } = await d.author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "Draft thoughts" });
    const iri = `${container(d.article.id)}${body.id}`;
    const got = await d.mod.get(iri);
    expect((await d.author.patch(`/api/annotations/${body.id}`, { body: "Second thoughts" })).status).toBe(200);
    const stale = await d.mod.request("PUT", iri, JSON.stringify({ ...got.body, "mg:status": "hidden" }), { "content-type": LD, "if-match": got.headers.get("etag")! });
    expect(stale.status).toBe(412);
    // A moderator's edit of someone's thread that leaves its status as it is (resolving it) is no step.
    expect((await d.mod.patch(`/api/annotations/${body.id}`, { resolved: true, status: "published" })).status).toBe(200);
    // An author's own change of status (taking their comment back to a draft) is theirs, not a moderation.
    expect((await d.author.patch(`/api/annotations/${body.id}`, { status: "draft" })).status).toBe(200);
    expect((await d.author.patch(`/api/annotations/${body.id}`, { status: "published" })).status).toBe(200);
    expect(await d.log(body.id)).toEqual([]);
    expect(await d.told(d.author, body.id)).toEqual([]);
  });
});
