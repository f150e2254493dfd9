import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, TEST_ORIGIN, type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { type Member, articleWithMembers, seedTarget } from "../support/article.ts";
import { openSyncClient } from "../support/sync-client.ts";

// An annotation hidden by moderation is, to whoever may not see it, an annotation that does not exist: every
// route about it answers exactly as for an id that was never made (status, error code and field), so that
// nobody learns it is there. That holds for a moderator demoted to annotator with their session and sockets
// still open, and for a member who never moderated.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 } } });
});
afterAll(() => t.close());

/** Every request a member can make about one annotation, by REST and by the W3C protocol. */
function routesAbout(articleId: string, id: string): Record<string, (c: TestClient) => Promise<Reply>> {
  const api = `/api/annotations/${id}`;
  const w3c = `/w3c/articles/${articleId}/${id}`;
  const note = { "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", bodyValue: "probe", target: `${TEST_ORIGIN}/articles/${articleId}` };
  const ld = { "content-type": "application/ld+json" };
  return {
    "GET": (c) => c.get(api),
    "PATCH": (c) => c.patch(api, { body: "probe" }),
    "DELETE": (c) => c.delete(api),
    "PUT vote": (c) => c.put(`${api}/vote`, { value: "agree" }),
    "POST replies": (c) => c.post(`${api}/replies`, { body: "probe" }),
    "POST flag": (c) => c.post(`${api}/flag`, { reason: "probe" }),
    "POST hide": (c) => c.post(`${api}/hide`),
    "POST unhide": (c) => c.post(`${api}/unhide`),
    "POST publish": (c) => c.post(`${api}/publish`),
    "POST flags/dismiss": (c) => c.post(`${api}/flags/dismiss`),
    "POST resolve": (c) => c.post(`${api}/resolve`),
    "POST reopen": (c) => c.post(`${api}/reopen`),
    "POST confirm": (c) => c.post(`${api}/confirm`),
    "POST reattach": (c) => c.post(`${api}/reattach`, { start: 0, end: 3 }),
    "PUT assignment": (c) => c.put(`${api}/assignment`, { assignees: [] }),
    "W3C GET": (c) => c.get(w3c),
    "W3C HEAD": (c) => c.request("HEAD", w3c),
    "W3C PUT": (c) => c.request("PUT", w3c, JSON.stringify(note), { ...ld, "if-match": '"any"' }),
    "W3C DELETE": (c) => c.delete(w3c),
    "W3C reply": (c) => c.request("POST", `/w3c/articles/${articleId}/`, JSON.stringify({ ...note, motivation: "replying", target: `${TEST_ORIGIN}${w3c}` }), ld),
  };
}

const answer = (r: Reply) => ({ status: r.status, code: r.body?.error?.code, field: r.body?.error?.field });

describe("an annotation hidden by moderation, asked about by someone who may not see it", () => {
  it("answers every route as for an annotation that does not exist, to a demoted moderator and to a member who never moderated", async () => {
    const d = await articleWithMembers(t.app, ["moderator", "annotator", "annotator"]);
    const [moderator, author, member] = d.members as [Member, Member, Member];
    const made = await author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "to be hidden", target: seedTarget(10, "Russia") });
    expect(made.status).toBe(201);
    const hiddenId = made.body.id as string;
    expect((await moderator.post(`/api/annotations/${hiddenId}/flag`, { reason: "off topic" })).status).toBe(201);
    expect((await moderator.post(`/api/annotations/${hiddenId}/hide`, { reason: "off topic" })).status).toBe(200);
    // The moderator keeps their session and their sockets, the hidden document's among them, as they are demoted.
    const url = await t.listen();
    const sockets = [d.article.sync.room, `article:${d.article.id}:hidden`].map((room) => openSyncClient(url, room, moderator.token));
    try {
      await Promise.all(sockets.map((s) => s.synced));
      expect((await moderator.get(`/api/annotations/${hiddenId}`)).status).toBe(200);
      expect((await d.owner.patch(`/api/groups/${d.group.id}/members/${moderator.user.id}`, { role: "annotator" })).status).toBe(200);

      const hidden = routesAbout(d.article.id, hiddenId);
      const nowhere = routesAbout(d.article.id, randomUUID());
      for (const [who, client] of [["demoted moderator", moderator], ["member", member]] as const) {
        for (const [route, send] of Object.entries(hidden)) {
          const expected = answer(await nowhere[route]!(client));
          expect(answer(await send(client)), `${who}: ${route}`).toEqual(expected);
          expect(expected.status, `${who}: ${route}`).toBeGreaterThanOrEqual(400);
        }
      }
    } finally {
      for (const s of sockets) s.destroy();
    }
    // None of it reached the annotation: still hidden, as written, unvoted, unanswered.
    const now = await d.owner.get(`/api/annotations/${hiddenId}`);
    expect(now.body).toMatchObject({ status: "hidden", body: "to be hidden", resolved: false, votes: { agree: 0, disagree: 0 } });
    const listed = await d.owner.get(`/api/articles/${d.article.id}/annotations?parent=${hiddenId}`);
    expect(listed.body.annotations).toEqual([]);
  }, 60_000);
});
