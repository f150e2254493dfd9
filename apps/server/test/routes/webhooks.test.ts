import { createHmac } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { buildTarget } from "@marginalia/schema";
import { webhookDeliveries } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress } from "../../src/net/address.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { eventually } from "../support/sync-client.ts";
import { postDelivery } from "../../src/webhooks/send.ts";
import { receiver, stallingReceiver } from "../support/webhook-receiver.ts";

let t: TestApp;
let strict: TestApp;
beforeAll(async () => {
  // Retries within milliseconds rather than seconds; the order of waits is what is tested.
  // A hanging receiver holds its slot for the whole timeout: longer than any test here runs, so that a slow
  // host never frees one mid-test (one freed after 10 s let a ninth delivery start where eight were counted).
  t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: "true" }, webhooks: { baseDelayMs: 40, maxDelayMs: 200, pollMs: 50, timeoutMs: 120_000 } });
  strict = await createTestApp({ database: t.database });
});
afterAll(async () => {
  await strict.stop();
  await t.close();
});

const factcheck = (who: { post: (p: string, b: unknown) => Promise<{ status: number; body: any }> }, articleId: string, verdict = "false") =>
  who.post(`/api/articles/${articleId}/annotations`, {
    kind: "factcheck",
    target: buildTarget(SEED_ARTICLE, { start: 100, end: 160 }, 1),
    factcheck: { claim: "Russia and Iran signed a treaty", verdict, sources: [{ url: "https://example.org/treaty" }] },
  });

describe("webhooks", () => {
  it("delivers factcheck.published signed, retrying a failing receiver with one delivery id until it answers 2xx", async () => {
    const hook = await receiver(2);
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const created = await owner.post(`/api/groups/${group.id}/webhooks`, { url: hook.url, events: ["factcheck.published"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: hook.url, events: ["factcheck.published"] });
    expect(created.body.secret).toMatch(/^whsec_/);

    const check = await factcheck(owner, article.id);
    expect(check.body.status).toBe("published");
    await eventually(() => expect(hook.received).toHaveLength(3), 10_000);

    const ids = new Set(hook.received.map((r) => r.headers["x-marginalia-delivery"]));
    expect(ids.size).toBe(1);
    for (const r of hook.received) {
      expect(r.body).toBe(hook.received[0]!.body);
      const expected = `sha256=${createHmac("sha256", created.body.secret).update(r.body).digest("hex")}`;
      expect(r.headers["x-marginalia-signature"]).toBe(expected);
      expect(r.headers["x-marginalia-event"]).toBe("factcheck.published");
    }
    const payload = JSON.parse(hook.received[0]!.body);
    expect(payload).toMatchObject({ event: "factcheck.published", groupId: group.id, article: { id: article.id } });
    expect(payload.factcheck).toMatchObject({ annotationId: check.body.id, claim: "Russia and Iran signed a treaty", verdict: "false" });

    const deliveries = await eventually(async () => {
      const res = await owner.get(`/api/groups/${group.id}/webhooks/${created.body.id}/deliveries`);
      expect(res.body.deliveries[0]).toMatchObject({ status: "delivered", attempts: 3, lastStatus: 200 });
      return res.body.deliveries;
    }, 5_000);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].id).toBe([...ids][0]);

    // An edit of a verdict already published is not a new publication, nor is a verdict reply (an
    // assignee's answer, published at once in an open group): only fact-checks are the group's verdicts.
    await owner.patch(`/api/annotations/${check.body.id}`, { body: "More notes" });
    const reply = await owner.post(`/api/annotations/${check.body.id}/replies`, { factcheck: { claim: "Russia and Iran signed a treaty", verdict: "true", sources: [] } });
    expect(reply.body.status).toBe("published");
    // A delivery is written in the commit that publishes (hooks/webhooks.ts), which both answers waited for:
    // none was, so none is sent.
    expect((await owner.get(`/api/groups/${group.id}/webhooks/${created.body.id}/deliveries`)).body.deliveries).toHaveLength(1);
    expect(hook.received).toHaveLength(3);
    await hook.close();
  });

  it("keeps one receiver's failures to itself: another webhook of the group gets its delivery at once", async () => {
    const down = await receiver(1_000);
    const up = await receiver(0);
    const { owner, group, article } = await articleWithMembers(t.app, []);
    for (const url of [down.url, up.url]) expect((await owner.post(`/api/groups/${group.id}/webhooks`, { url, events: ["factcheck.published"] })).status).toBe(201);
    await factcheck(owner, article.id, "true");
    await eventually(() => expect(up.received).toHaveLength(1), 5_000);
    await eventually(() => expect(down.received.length).toBeGreaterThanOrEqual(2), 5_000);
    expect(up.received).toHaveLength(1);
    await Promise.all([down.close(), up.close()]);
  });

  it("never lets a receiver that hangs hold another group's deliveries: a webhook has one delivery in flight at a time", async () => {
    const hanging = await stallingReceiver({ trickleHeaders: false });
    const up = await receiver(0);
    const first = await articleWithMembers(t.app, []);
    expect((await first.owner.post(`/api/groups/${first.group.id}/webhooks`, { url: hanging.url, events: ["factcheck.published"] })).status).toBe(201);
    // More deliveries to the hanging receiver than the deliverer has slots (4), all due before the other group's.
    for (let i = 0; i < 6; i++) expect((await factcheck(first.owner, first.article.id)).status).toBe(201);
    await eventually(() => expect(hanging.requests()).toBe(1), 5_000);
    const second = await articleWithMembers(t.app, []);
    expect((await second.owner.post(`/api/groups/${second.group.id}/webhooks`, { url: up.url, events: ["factcheck.published"] })).status).toBe(201);
    await factcheck(second.owner, second.article.id);
    await eventually(() => expect(up.received).toHaveLength(1), 5_000);
    expect(hanging.requests()).toBe(1);
    await Promise.all([hanging.close(), up.close()]);
  });

  it("leaves other groups their slots when one group registers a hanging receiver more times than there are slots", async () => {
    const hanging = await stallingReceiver({ trickleHeaders: false });
    const up = await receiver(0);
    const first = await articleWithMembers(t.app, []);
    for (let i = 0; i < 40; i++) {
      expect((await first.owner.post(`/api/groups/${first.group.id}/webhooks`, { url: `${hanging.url}?${i}`, events: ["factcheck.published"] })).status).toBe(201);
    }
    expect((await factcheck(first.owner, first.article.id)).status).toBe(201);
    // A group takes a quarter of the deliverer's 32 slots; before, 4 slots in all went to whichever was due first.
    await eventually(() => expect(hanging.requests()).toBe(8), 5_000);
    const second = await articleWithMembers(t.app, []);
    expect((await second.owner.post(`/api/groups/${second.group.id}/webhooks`, { url: up.url, events: ["factcheck.published"] })).status).toBe(201);
    await factcheck(second.owner, second.article.id);
    await eventually(() => expect(up.received).toHaveLength(1), 5_000);
    expect(hanging.requests()).toBe(8);
    await Promise.all([hanging.close(), up.close()]);
  });

  it("withdraws a pending delivery once its fact-check is hidden or deleted, so that no retry pushes it out later", async () => {
    const failing = await receiver(Number.POSITIVE_INFINITY);
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const hook = (await owner.post(`/api/groups/${group.id}/webhooks`, { url: failing.url, events: ["factcheck.published"] })).body as { id: string };
    const hidden = (await factcheck(owner, article.id)).body.id as string;
    const deleted = (await factcheck(owner, article.id)).body.id as string;
    await eventually(() => expect(failing.received.length).toBeGreaterThanOrEqual(2), 5_000);
    expect((await owner.patch(`/api/annotations/${hidden}`, { status: "hidden" })).status).toBe(200);
    expect((await owner.delete(`/api/annotations/${deleted}`)).status).toBe(204);
    // Before, both stayed pending and were retried for a day, to be sent whenever the receiver came back.
    const pending = () => t.database.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.webhookId, hook.id), eq(webhookDeliveries.status, "pending")));
    await eventually(async () => expect(await pending()).toEqual([]), 5_000);
    await failing.close();
  });

  it("bounds a whole attempt, not only idleness: a status line sent a byte a second fails at the deadline", async () => {
    const slow = await stallingReceiver({ trickleHeaders: true });
    const delivery = { id: crypto.randomUUID(), event: "factcheck.published", body: "{}", secret: "s".repeat(32) };
    const attempt = await postDelivery(slow.url, delivery, { allowPrivate: true, timeoutMs: 2_500 });
    expect(attempt).toEqual({ ok: false, status: null, error: "no answer within 2500 ms" });
    await slow.close();
  });

  it("is for owners, lists without secrets, deletes, and refuses private addresses unless allowed", async () => {
    const { owner, group, members } = await articleWithMembers(strict.app, ["moderator"]);
    const moderator = members[0]!;
    expect((await moderator.post(`/api/groups/${group.id}/webhooks`, { url: "https://example.org/h", events: ["factcheck.published"] })).status).toBe(403);
    for (const url of ["http://127.0.0.1:9/h", "http://10.0.0.1/h", "http://169.254.169.254/latest", "http://[::1]/h", "http://[::ffff:192.168.1.1]/h", "http://localhost/h"]) {
      const res = await owner.post(`/api/groups/${group.id}/webhooks`, { url, events: ["factcheck.published"] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.field, url).toBe("url");
    }
    for (const body of [
      { url: "ftp://example.org/h", events: ["factcheck.published"] },
      { url: "http://93.184.215.14:0/h", events: ["factcheck.published"] },
      { url: "https://example.org/h", events: ["poem.written"] },
      { url: "https://example.org/h", events: [] },
      ...["not a url", "", "http//x", "a\u0000b"].map((url) => ({ url, events: ["factcheck.published"] })),
    ]) {
      const res = await owner.post(`/api/groups/${group.id}/webhooks`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const made = await owner.post(`/api/groups/${group.id}/webhooks`, { url: "https://93.184.215.14/h", events: ["factcheck.published"] });
    expect(made.status).toBe(201);
    const listed = await owner.get(`/api/groups/${group.id}/webhooks`);
    expect(listed.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);
    expect((await owner.delete(`/api/groups/${group.id}/webhooks/${made.body.id}`)).status).toBe(204);
    expect((await owner.get(`/api/groups/${group.id}/webhooks/${made.body.id}/deliveries`)).status).toBe(404);
  });

  it("go with their owner's ownership: removed or demoted, and their webhooks are withdrawn; the others' stay", async () => {
    const { owner, group, members } = await articleWithMembers(strict.app, ["owner", "owner"]);
    const [leaving, demoted] = members as [(typeof members)[0], (typeof members)[0]];
    const hook = (who: typeof owner, path: string) => who.post(`/api/groups/${group.id}/webhooks`, { url: `https://93.184.215.14/${path}`, events: ["factcheck.published"] });
    for (const [who, path] of [[owner, "stays"], [leaving, "leaves"], [demoted, "demoted"]] as const) expect((await hook(who, path)).status).toBe(201);
    expect((await owner.delete(`/api/groups/${group.id}/members/${leaving.user.id}`)).status).toBe(204);
    expect((await owner.patch(`/api/groups/${group.id}/members/${demoted.user.id}`, { role: "moderator" })).status).toBe(200);
    const listed = await owner.get(`/api/groups/${group.id}/webhooks`);
    expect(listed.body.webhooks.map((w: { url: string }) => new URL(w.url).pathname)).toEqual(["/stays"]);
  });

  it("tells public addresses from the rest", () => {
    for (const ip of ["93.184.215.14", "2606:4700::1111"]) expect(isPublicAddress(ip), ip).toBe(true);
    for (const ip of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::7f00:1", "::a9fe:a9fe", "::a00:1", "224.0.0.1", "not an ip"]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });
});
