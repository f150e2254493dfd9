import { TestClient, freshEmail } from "../support/app.ts";
import type { ActorName, World } from "./world.ts";

/** The status each actor gets; `member` sets owner, moderator, annotator and viewer at once. */
type Expect = Partial<Record<ActorName | "member" | "writer" | "mod", number>>;

export type RestCase = {
  /** "METHOD path" exactly as in the OpenAPI operation table. */
  route: string;
  note?: string;
  call(w: World, who: TestClient, name: ActorName): Promise<{ status: number }>;
  expect: Expect;
};

const body = (text: string) => ({ format: "text", content: text });

/**
 * The one table: every authenticated REST route, what it is called with, and
 * what each role must get. Outsiders get 404 and anonymous callers 401 unless
 * a row says otherwise.
 */
export const REST_CASES: RestCase[] = [
  { route: "POST /api/auth/logout", call: (_w, who) => who.post("/api/auth/logout"), expect: { member: 204, outsider: 204 } },
  { route: "GET /api/me", call: (_w, who) => who.get("/api/me"), expect: { member: 200, outsider: 200 } },
  {
    route: "PATCH /api/me",
    note: "an empty name: nothing changes for the shared users",
    call: (_w, who) => who.patch("/api/me", { name: "" }),
    expect: { member: 400, outsider: 400 },
  },
  {
    route: "POST /api/auth/password",
    note: "wrong current password: nothing changes for the shared sessions",
    call: (_w, who) => who.post("/api/auth/password", { currentPassword: "not the password", newPassword: "never stored here" }),
    expect: { member: 401, outsider: 401 },
  },
  {
    route: "POST /api/auth/logout-everywhere",
    note: "with an API token, which may not: the shared sessions stay",
    call: async (_w, who) => {
      if (!who.cookie) return who.post("/api/auth/logout-everywhere");
      const token = await who.post("/api/tokens", { name: "matrix" });
      const script = new TestClient(who.app);
      script.bearer = token.body.token;
      return script.post("/api/auth/logout-everywhere");
    },
    expect: { member: 403, outsider: 403 },
  },
  { route: "GET /api/me/notifications", call: (_w, who) => who.get("/api/me/notifications"), expect: { member: 200, outsider: 200 } },
  {
    route: "GET /api/me/notifications/stream",
    // An event stream never ends by itself: the status is read, and the body dropped (which closes the stream).
    call: async (_w, who) => {
      const headers: Record<string, string> = { "x-forwarded-for": who.ip, ...(who.cookie && { cookie: who.cookie }), ...(who.bearer && { authorization: `Bearer ${who.bearer}` }) };
      const res = await who.app.request("/api/me/notifications/stream", { headers });
      await res.body?.cancel();
      return { status: res.status };
    },
    expect: { member: 200, outsider: 200 },
  },
  { route: "POST /api/me/notifications/read", call: (_w, who) => who.post("/api/me/notifications/read", {}), expect: { member: 200, outsider: 200 } },
  { route: "GET /api/me/assignments", call: (_w, who) => who.get("/api/me/assignments?open=true"), expect: { member: 200, outsider: 200 } },
  { route: "POST /api/tokens", call: (_w, who) => who.post("/api/tokens", { name: "matrix" }), expect: { member: 201, outsider: 201 } },
  { route: "GET /api/tokens", call: (_w, who) => who.get("/api/tokens"), expect: { member: 200, outsider: 200 } },
  {
    route: "DELETE /api/tokens/:tokenId",
    note: "someone else's token",
    call: async (w, who) => who.delete(`/api/tokens/${(await w.owner.post("/api/tokens", { name: "owner's" })).body.id}`),
    expect: { member: 404, outsider: 404, owner: 204 },
  },
  { route: "POST /api/groups", call: (_w, who) => who.post("/api/groups", { name: "Another" }), expect: { member: 201, outsider: 201 } },
  { route: "GET /api/groups", call: (_w, who) => who.get("/api/groups"), expect: { member: 200, outsider: 200 } },
  { route: "GET /api/groups/:groupId", call: (w, who) => who.get(`/api/groups/${w.group.id}`), expect: { member: 200 } },
  { route: "PATCH /api/groups/:groupId", call: (w, who) => who.patch(`/api/groups/${w.group.id}`, { anonymousToPeers: false }), expect: { owner: 200, member: 403 } },
  { route: "GET /api/groups/:groupId/members", call: (w, who) => who.get(`/api/groups/${w.group.id}/members`), expect: { member: 200 } },
  {
    route: "POST /api/groups/:groupId/invitations",
    call: (w, who) => who.post(`/api/groups/${w.group.id}/invitations`, { email: freshEmail("invitee"), role: "viewer" }),
    expect: { owner: 202, member: 403 },
  },
  { route: "GET /api/groups/:groupId/invitations", call: (w, who) => who.get(`/api/groups/${w.group.id}/invitations`), expect: { owner: 200, member: 403 } },
  {
    route: "DELETE /api/groups/:groupId/invitations/:invitationId",
    call: async (w, who) => who.delete(`/api/groups/${w.group.id}/invitations/${await w.freshInvitation()}`),
    expect: { owner: 204, member: 403 },
  },
  { route: "GET /api/me/invitations", call: (_w, who) => who.get("/api/me/invitations"), expect: { member: 200, outsider: 200 } },
  ...answeringInvitations("accept", 201),
  ...answeringInvitations("decline", 204),
  {
    route: "PATCH /api/groups/:groupId/members/:memberId",
    call: async (w, who) => who.patch(`/api/groups/${w.group.id}/members/${(await w.freshMember()).user.id}`, { role: "annotator" }),
    expect: { owner: 200, member: 403 },
  },
  {
    route: "DELETE /api/groups/:groupId/members/:memberId",
    call: async (w, who) => who.delete(`/api/groups/${w.group.id}/members/${(await w.freshMember()).user.id}`),
    expect: { owner: 204, member: 403 },
  },
  { route: "POST /api/groups/:groupId/articles", call: (w, who) => who.post(`/api/groups/${w.group.id}/articles`, body("Matrix import.")), expect: { mod: 201, member: 403 } },
  { route: "GET /api/groups/:groupId/articles", call: (w, who) => who.get(`/api/groups/${w.group.id}/articles`), expect: { member: 200 } },
  { route: "GET /api/groups/:groupId/moderation/queue", call: (w, who) => who.get(`/api/groups/${w.group.id}/moderation/queue`), expect: { mod: 200, member: 403 } },
  { route: "GET /api/groups/:groupId/moderation/log", call: (w, who) => who.get(`/api/groups/${w.group.id}/moderation/log`), expect: { mod: 200, member: 403 } },
  { route: "GET /api/groups/:groupId/export", call: (w, who) => who.get(`/api/groups/${w.group.id}/export?format=csv`), expect: { member: 200 } },
  { route: "GET /api/articles/:articleId", call: (w, who) => who.get(`/api/articles/${w.articleId}`), expect: { member: 200 } },
  { route: "GET /api/articles/:articleId/revisions", call: (w, who) => who.get(`/api/articles/${w.articleId}/revisions`), expect: { member: 200 } },
  {
    route: "PUT /api/articles/:articleId/text",
    call: async (w, who) => who.put(`/api/articles/${await w.freshArticle()}/text`, body(`Corrected ${Math.random()}.`)),
    expect: { mod: 201, member: 403 },
  },
  { route: "DELETE /api/articles/:articleId", call: async (w, who) => who.delete(`/api/articles/${await w.freshArticle()}`), expect: { mod: 204, member: 403 } },
  { route: "GET /api/articles/:articleId/summary", call: (w, who) => who.get(`/api/articles/${w.articleId}/summary`), expect: { member: 200 } },
  {
    route: "GET /api/articles/:articleId/participation",
    call: (w, who) => who.get(`/api/articles/${w.articleId}/participation?format=csv`),
    expect: { mod: 200, member: 403 },
  },
  { route: "GET /api/articles/:articleId/agreement", call: (w, who) => who.get(`/api/articles/${w.articleId}/agreement`), expect: { mod: 200, member: 403 } },
  { route: "GET /api/groups/:groupId/annotations", call: (w, who) => who.get(`/api/groups/${w.group.id}/annotations`), expect: { member: 200 } },
  { route: "GET /api/groups/:groupId/claims/similar", call: (w, who) => who.get(`/api/groups/${w.group.id}/claims/similar?q=sanctions`), expect: { member: 200 } },
  ...webhookCases(),
  { route: "GET /api/articles/:articleId/export", call: (w, who) => who.get(`/api/articles/${w.articleId}/export?format=markdown`), expect: { member: 200 } },
  { route: "GET /api/articles/:articleId/annotations", call: (w, who) => who.get(`/api/articles/${w.articleId}/annotations`), expect: { member: 200 } },
  { route: "GET /api/articles/:articleId/highlights", call: (w, who) => who.get(`/api/articles/${w.articleId}/highlights`), expect: { member: 200 } },
  { route: "POST /api/articles/:articleId/annotations", call: (w, who) => who.post(`/api/articles/${w.articleId}/annotations`, { kind: "comment", body: "matrix" }), expect: { writer: 201, member: 403 } },
  { route: "GET /api/annotations/:annotationId", call: async (w, who) => who.get(`/api/annotations/${await w.othersAnnotation()}`), expect: { member: 200 } },
  { route: "PATCH /api/annotations/:annotationId", note: "own annotation", call: async (w, who, n) => who.patch(`/api/annotations/${await w.ownAnnotation(n)}`, { body: "edited" }), expect: { writer: 200, member: 403 } },
  { route: "PATCH /api/annotations/:annotationId", note: "someone else's body", call: async (w, who) => who.patch(`/api/annotations/${await w.othersAnnotation()}`, { body: "hijack" }), expect: { member: 403 } },
  { route: "DELETE /api/annotations/:annotationId", note: "own annotation", call: async (w, who, n) => who.delete(`/api/annotations/${await w.ownAnnotation(n)}`), expect: { writer: 204, member: 403 } },
  { route: "DELETE /api/annotations/:annotationId", note: "someone else's", call: async (w, who) => who.delete(`/api/annotations/${await w.othersAnnotation()}`), expect: { member: 403 } },
  { route: "POST /api/annotations/:annotationId/replies", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/replies`, { body: "reply" }), expect: { writer: 201, member: 403 } },
  { route: "POST /api/annotations/:annotationId/resolve", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/resolve`), expect: { mod: 200, member: 403 } },
  { route: "POST /api/annotations/:annotationId/reopen", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/reopen`), expect: { mod: 200, member: 403 } },
  { route: "PUT /api/annotations/:annotationId/vote", call: async (w, who) => who.put(`/api/annotations/${await w.othersAnnotation()}/vote`, { value: "agree" }), expect: { writer: 200, member: 403 } },
  {
    route: "PUT /api/annotations/:annotationId/assignment",
    note: "someone else's annotation",
    call: async (w, who) => who.put(`/api/annotations/${await w.othersAnnotation()}/assignment`, { assignees: [], dueAt: null }),
    expect: { mod: 200, member: 403 },
  },
  {
    route: "POST /api/annotations/:annotationId/reattach",
    note: "someone else's annotation, placed exactly: moderators pass the policy and get 409 (only orphans and fuzzy matches are re-attached)",
    call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/reattach`, { start: 0, end: 5 }),
    expect: { mod: 409, member: 403 },
  },
  {
    route: "POST /api/annotations/:annotationId/confirm",
    note: "someone else's annotation, whose verdict is not stale: moderators pass the policy and get 409",
    call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/confirm`),
    expect: { mod: 409, member: 403 },
  },
  { route: "POST /api/annotations/:annotationId/approve", note: "not pending", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/approve`), expect: { mod: 409, member: 403 } },
  { route: "POST /api/annotations/:annotationId/reject", note: "not pending", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/reject`, { reason: "no" }), expect: { mod: 409, member: 403 } },
  { route: "POST /api/annotations/:annotationId/publish", call: async (w, who) => who.post(`/api/annotations/${await w.draftFactcheck()}/publish`), expect: { mod: 200, member: 403 } },
  { route: "POST /api/annotations/:annotationId/hide", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/hide`), expect: { mod: 200, member: 403 } },
  { route: "POST /api/annotations/:annotationId/unhide", note: "only moderators even see it", call: async (w, who) => who.post(`/api/annotations/${await w.hiddenAnnotation()}/unhide`), expect: { mod: 200, member: 404 } },
  { route: "POST /api/annotations/:annotationId/flag", call: async (w, who) => who.post(`/api/annotations/${await w.othersAnnotation()}/flag`, { reason: "check" }), expect: { member: 201 } },
  {
    route: "POST /api/annotations/:annotationId/flags/dismiss",
    note: "someone else's annotation, flagged by the owner",
    call: async (w, who) => {
      const id = await w.othersAnnotation();
      await w.owner.post(`/api/annotations/${id}/flag`, { reason: "check" });
      return who.post(`/api/annotations/${id}/flags/dismiss`);
    },
    expect: { mod: 200, member: 403 },
  },
];

/**
 * Accepting or declining: someone else's invitation does not exist for the
 * caller (404), their own (to another group, so this world stays as it is)
 * answers `own`.
 */
function answeringInvitations(action: "accept" | "decline", own: number): RestCase[] {
  const route = `POST /api/invitations/:invitationId/${action}`;
  const answer = (who: TestClient, id: string) => who.post(`/api/invitations/${id}/${action}`);
  return [
    { route, note: "an invitation to someone else", call: async (w, who) => answer(who, await w.freshInvitation()), expect: { member: 404 } },
    {
      route,
      note: "an invitation to the caller's own email, to another group",
      call: async (w, who, name) => answer(who, name === "anonymous" ? await w.freshInvitation() : await w.invitationFor(w.users[name].email)),
      expect: { member: own, outsider: own },
    },
  ];
}

/** A group's webhooks are its owner's alone; each case works on a webhook the owner has just made. */
function webhookCases(): RestCase[] {
  // A public address written as one, so that no name is resolved: the tests make no outside requests.
  const url = "https://93.184.215.14/marginalia";
  const made = async (w: World) => (await w.clients.owner.post(`/api/groups/${w.group.id}/webhooks`, { url, events: ["factcheck.published"] })).body.id as string;
  const base = (w: World) => `/api/groups/${w.group.id}/webhooks`;
  return [
    { route: "POST /api/groups/:groupId/webhooks", call: (w, who) => who.post(base(w), { url, events: ["factcheck.published"] }), expect: { owner: 201, member: 403 } },
    { route: "GET /api/groups/:groupId/webhooks", call: (w, who) => who.get(base(w)), expect: { owner: 200, member: 403 } },
    { route: "DELETE /api/groups/:groupId/webhooks/:webhookId", call: async (w, who) => who.delete(`${base(w)}/${await made(w)}`), expect: { owner: 204, member: 403 } },
    { route: "GET /api/groups/:groupId/webhooks/:webhookId/deliveries", call: async (w, who) => who.get(`${base(w)}/${await made(w)}/deliveries`), expect: { owner: 200, member: 403 } },
  ];
}

/** Expected status for one actor, filling in the defaults. */
export function expected(row: Expect, name: ActorName): number {
  const explicit = row[name];
  if (explicit !== undefined) return explicit;
  if ((name === "owner" || name === "moderator") && row.mod !== undefined) return row.mod;
  if ((name === "owner" || name === "moderator" || name === "annotator") && row.writer !== undefined) return row.writer;
  if (name === "outsider") return 404;
  if (name === "anonymous") return 401;
  return row.member!;
}
