import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, TEST_ORIGIN, type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

/**
 * Access is decided again once a request's body is in (http/access-recheck.ts). Each case sends the
 * headers and the first byte of a body, changes the caller's access meanwhile, then sends the rest: the
 * request must act with the access the caller has when it ends, not the one they had when it began.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A request whose body arrives in two parts: its first byte now, the rest when `release` is called. */
function held(client: TestClient, method: string, path: string, body: string, contentType = "application/json", headers: Record<string, string> = {}) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const bytes = new TextEncoder().encode(body);
  controller.enqueue(bytes.slice(0, 1));
  // With its length given, as a client sends it: a body of unknown length is read whole before anything else.
  const reply: Promise<Reply> = client.request(method, path, stream, { ...headers, "content-type": contentType, "content-length": String(bytes.byteLength) });
  return {
    reply,
    release(): Promise<Reply> {
      controller.enqueue(bytes.slice(1));
      controller.close();
      return reply;
    },
  };
}

/** Lets the held request run up to where it waits for the rest of its body. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("a request whose body arrives after the caller lost access", () => {
  it("does not give a demoted owner their role back", async () => {
    const { owner, group, members } = await articleWithMembers(t.app, ["owner"]);
    const [other] = members;
    const request = held(other!, "PATCH", `/api/groups/${group.id}/members/${other!.user.id}`, JSON.stringify({ role: "owner" }));
    await settle();
    expect((await owner.patch(`/api/groups/${group.id}/members/${other!.user.id}`, { role: "viewer" })).status).toBe(200);
    expect((await request.release()).status).toBe(403);
    const listed = await other!.get(`/api/groups/${group.id}/members`);
    expect(listed.body.members.find((m: { self: boolean }) => m.self)?.role).toBe("viewer");
  });

  it("creates no webhook for an owner removed meanwhile", async () => {
    const { owner, group, members } = await articleWithMembers(t.app, ["owner"]);
    const [other] = members;
    const body = JSON.stringify({ url: "https://hooks.example.org/in", events: ["factcheck.published"] });
    const request = held(other!, "POST", `/api/groups/${group.id}/webhooks`, body);
    await settle();
    expect((await owner.delete(`/api/groups/${group.id}/members/${other!.user.id}`)).status).toBe(204);
    expect((await request.release()).status).toBe(404);
    expect((await owner.get(`/api/groups/${group.id}/webhooks`)).body.webhooks).toEqual([]);
  });

  it("mints no API token after the session ended", async () => {
    const user = await signUp(t.app, "Token holder");
    const request = held(user, "POST", "/api/tokens", JSON.stringify({ name: "late", scopes: ["tokens"] }));
    await settle();
    // Another of the user's sessions ends them all.
    const elsewhere = await signIn(user);
    expect((await elsewhere.post("/api/auth/logout-everywhere")).status).toBe(204);
    expect((await request.release()).status).toBe(401);
    const again = await signIn(user);
    expect((await again.get("/api/tokens")).body.tokens).toEqual([]);
  });

  it("stores no annotation of a member removed meanwhile", async () => {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const [member] = members;
    const request = held(member!, "POST", `/api/articles/${article.id}/annotations`, JSON.stringify({ kind: "comment", body: "after removal" }));
    await settle();
    expect((await owner.delete(`/api/groups/${group.id}/members/${member!.user.id}`)).status).toBe(204);
    expect((await request.release()).status).toBe(404);
    const listed = await owner.get(`/api/articles/${article.id}/annotations`);
    expect(JSON.stringify(listed.body)).not.toContain("after removal");
  });

  it("refuses a target on the revision the article had when the request began", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const target = seedTarget(0, "Bahrami");
    const request = held(owner, "POST", `/api/articles/${article.id}/annotations`, JSON.stringify({ kind: "comment", body: "old text", target }));
    await settle();
    const revised = await owner.put(`/api/articles/${article.id}/text`, `${SEED_ARTICLE}\n\nA correction.`, { "content-type": "text/plain" });
    expect(revised.status).toBe(201);
    const reply = await request.release();
    expect(reply.status).toBe(400);
    expect(reply.body.error.field).toBe("target.revision");
  });

  it("imports no article for a moderator demoted meanwhile", async () => {
    const { owner, group, members } = await articleWithMembers(t.app, ["moderator"]);
    const [moderator] = members;
    const request = held(moderator!, "POST", `/api/groups/${group.id}/articles`, "A late article.\n\nIts only paragraph.", "text/plain");
    await settle();
    expect((await owner.patch(`/api/groups/${group.id}/members/${moderator!.user.id}`, { role: "annotator" })).status).toBe(200);
    expect((await request.release()).status).toBe(403);
    expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toHaveLength(1);
  });

  it("tells a moderator removed meanwhile that the group is gone, not how their body broke the schema", async () => {
    const { owner, group, members } = await articleWithMembers(t.app, ["moderator"]);
    const [moderator] = members;
    const request = held(moderator!, "POST", `/api/groups/${group.id}/articles`, JSON.stringify({ format: "poetry", content: "" }));
    await settle();
    expect((await owner.delete(`/api/groups/${group.id}/members/${moderator!.user.id}`)).status).toBe(204);
    expect((await request.release()).status).toBe(404);
  });

  it("creates no W3C annotation for a member demoted to viewer meanwhile", async () => {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const [member] = members;
    const doc = w3cNote(article.id, "w3c after demotion");
    const request = held(member!, "POST", `/w3c/articles/${article.id}/`, JSON.stringify(doc), "application/ld+json");
    await settle();
    expect((await owner.patch(`/api/groups/${group.id}/members/${member!.user.id}`, { role: "viewer" })).status).toBe(200);
    expect((await request.release()).status).toBe(403);
    const listed = await owner.get(`/api/articles/${article.id}/annotations`);
    expect(JSON.stringify(listed.body)).not.toContain("w3c after demotion");
  });

  it("keeps a held W3C edit from holding up other edits of the annotation", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const doc = w3cNote(article.id, "first");
    const created = await owner.request("POST", `/w3c/articles/${article.id}/`, JSON.stringify(doc), { "content-type": "application/ld+json" });
    expect(created.status).toBe(201);
    const path = new URL(created.body.id).pathname;
    const etag = created.headers.get("etag")!;
    const slow = held(owner, "PUT", path, JSON.stringify({ ...doc, bodyValue: "slow" }), "application/ld+json", { "if-match": etag });
    await settle();
    const fast = owner.request("PUT", path, JSON.stringify({ ...doc, bodyValue: "fast" }), { "content-type": "application/ld+json", "if-match": etag });
    // The other edit is answered while the held one still waits for its body: its turn was not taken.
    const first = await Promise.race([fast.then(() => "fast"), new Promise((resolve) => setTimeout(resolve, 5_000, "held up"))]);
    expect(first).toBe("fast");
    expect((await fast).status).toBe(200);
    // The held edit names the version the other one replaced.
    expect((await slow.release()).status).toBe(412);
  });
});

/**
 * A vote, a reply and a flag on a comment of the owner's, each held with its body while its sender loses
 * access: removed from the group (404, as for what they cannot see), demoted to viewer (403 where a viewer
 * may not write; a viewer may flag) or signed out everywhere (401). Nothing is stored for a refused one.
 */
describe.each(["removed", "demoted", "signed out"] as const)("a vote, reply or flag whose sender was %s while its body was held", (ending) => {
  async function desk() {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const member = members[0]!;
    const comment = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Who can check this?" });
    expect(comment.status).toBe(201);
    const lose = async () => {
      if (ending === "removed") expect((await owner.delete(`/api/groups/${group.id}/members/${member.user.id}`)).status).toBe(204);
      else if (ending === "demoted") expect((await owner.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role: "viewer" })).status).toBe(200);
      else expect((await (await signIn(member)).post("/api/auth/logout-everywhere")).status).toBe(204);
    };
    const path = `/api/annotations/${comment.body.id}`;
    /** Sends the request with its body held, ends the member's access, then lets the body go. */
    const sentWhileLosing = async (method: string, to: string, body: object) => {
      const request = held(member, method, `${path}${to}`, JSON.stringify(body));
      await settle();
      await lose();
      return request.release();
    };
    return { owner, group, path, sentWhileLosing };
  }
  const refused = { removed: 404, demoted: 403, "signed out": 401 }[ending];

  it("casts no vote", async () => {
    const d = await desk();
    expect((await d.sentWhileLosing("PUT", "/vote", { value: "agree" })).status).toBe(refused);
    expect((await d.owner.get(d.path)).body.votes).toMatchObject({ agree: 0, disagree: 0 });
  });

  it("posts no reply", async () => {
    const d = await desk();
    expect((await d.sentWhileLosing("POST", "/replies", { body: "a late reply" })).status).toBe(refused);
    const listed = await d.owner.get(`/api/groups/${d.group.id}/annotations`);
    expect(JSON.stringify(listed.body)).not.toContain("a late reply");
  });

  it("flags it only while still a member, signed in", async () => {
    const d = await desk();
    // A viewer who sees an annotation may flag it: the demoted member's flag stands.
    const reply = await d.sentWhileLosing("POST", "/flag", { reason: "a late flag" });
    expect(reply.status).toBe(ending === "demoted" ? 201 : refused);
    const queue = JSON.stringify((await d.owner.get(`/api/groups/${d.group.id}/moderation/queue`)).body);
    expect(queue.includes("a late flag")).toBe(ending === "demoted");
  });
});

describe("a moderator demoted while their vote, reply or flag on a hidden annotation was held", () => {
  it.each([
    ["PUT", "vote", { value: "agree" }],
    ["POST", "replies", { body: "a late reply" }],
    ["POST", "flag", { reason: "a late flag" }],
  ] as const)("%s %s: 404, as for an annotation that does not exist", async (method, route, body) => {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["moderator"]);
    const [moderator] = members;
    const comment = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "Hidden soon" });
    expect((await owner.post(`/api/annotations/${comment.body.id}/hide`)).status).toBe(200);
    const request = held(moderator!, method, `/api/annotations/${comment.body.id}/${route}`, JSON.stringify(body));
    await settle();
    expect((await owner.patch(`/api/groups/${group.id}/members/${moderator!.user.id}`, { role: "annotator" })).status).toBe(200);
    const reply = await request.release();
    expect([reply.status, reply.body.error.code]).toEqual([404, "not_found"]);
    expect((await owner.get(`/api/groups/${group.id}/moderation/queue`)).body.items).toEqual([]);
  });
});

describe("access decided on the headers", () => {
  it("answers an outsider's W3C writes with 404 before reading their bodies", async () => {
    const { article } = await articleWithMembers(t.app, []);
    const outsider = await signUp(t.app, "Outsider");
    const posted = await outsider.request("POST", `/w3c/articles/${article.id}/`, "not even JSON", { "content-type": "text/plain" });
    expect(posted.status).toBe(404);
    // Its body unread, the answer ends the connection: a client that stopped sending it must not reuse it.
    expect(posted.headers.get("connection")).toBe("close");
  });

  it("keeps the connection of a request whose body was read", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const created = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "read whole" });
    expect(created.status).toBe(201);
    expect(created.headers.get("connection")).toBeNull();
    const refused = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "rant", body: "read, then refused" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("connection")).toBeNull();
  });
});

/** A W3C comment on "Bahrami", the seed article's second word. */
const w3cNote = (articleId: string, text: string) => ({
  "@context": "http://www.w3.org/ns/anno.jsonld",
  type: "Annotation",
  bodyValue: text,
  target: { source: `${TEST_ORIGIN}/articles/${articleId}`, selector: [{ type: "TextQuoteSelector", exact: "Bahrami", prefix: "Hamid " }] },
});

/** A second session of the same user, signed in with their password. */
async function signIn(user: Awaited<ReturnType<typeof signUp>>): Promise<TestClient> {
  const client = new TestClient(t.app);
  const res = await client.post("/api/auth/login", { email: user.email, password: user.password });
  expect(res.status).toBe(200);
  return client;
}
