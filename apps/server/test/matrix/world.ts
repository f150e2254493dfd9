import { randomUUID } from "node:crypto";
import type { App } from "../../src/app.ts";
import { TestClient, addMember, createGroup, freshEmail, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

export const ACTORS = ["owner", "moderator", "annotator", "viewer", "outsider", "anonymous"] as const;
export type ActorName = (typeof ACTORS)[number];
type Member = Awaited<ReturnType<typeof signUp>>;

/**
 * One group, one article and one user per role, shared by every matrix case.
 * Cases that change things create their own annotations, articles and
 * members, so that no case depends on another's leftovers.
 */
export async function buildWorld(app: App) {
  const owner = await signUp(app, "Owner");
  const group = await createGroup(owner, "Matrix desk");
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId: string = imported.body.id;
  const add = async (role: string) => {
    const member = await signUp(app, role);
    await addMember(owner, group.id, member, role);
    return member;
  };
  const moderator = await add("moderator");
  const annotator = await add("annotator");
  const viewer = await add("viewer");
  const other = await add("annotator"); // the author of "someone else's" annotations
  const outsider = await signUp(app, "Outsider");
  const anonymous = new TestClient(app);
  const clients: Record<ActorName, TestClient> = { owner, moderator, annotator, viewer, outsider, anonymous };
  const users: Record<Exclude<ActorName, "anonymous">, Member> = { owner, moderator, annotator, viewer, outsider };

  const annotate = async (who: TestClient, body: object = {}) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: `note ${randomUUID()}`, ...body });
    if (res.status !== 201) throw new Error(`setup annotation failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  return {
    app,
    group,
    articleId,
    clients,
    users,
    other,
    owner,
    token: (name: Exclude<ActorName, "anonymous">) => tokenOf(users[name]),
    /** An annotation by a member who is none of the actors. */
    othersAnnotation: (body: object = {}) => annotate(other, body),
    /** The actor's own annotation where the role can write, else someone else's. */
    ownAnnotation: async (name: ActorName) =>
      name === "owner" || name === "moderator" || name === "annotator" ? annotate(clients[name]) : annotate(other),
    hiddenAnnotation: async () => {
      const id = await annotate(other);
      await moderator.post(`/api/annotations/${id}/hide`);
      return id;
    },
    draftFactcheck: () => annotate(other, { kind: "factcheck", status: "draft", factcheck: { claim: "c", verdict: "false", sources: [] } }),
    freshMember: () => add("viewer"),
    /** The id of an open invitation to this group, for an address nobody uses. */
    freshInvitation: async () => (await owner.post(`/api/groups/${group.id}/invitations`, { email: freshEmail("invitee"), role: "viewer" })).body.invitation.id as string,
    /**
     * The id of an open invitation for `email` to another group (owned by
     * `other`, whom no actor plays), so that answering it changes nothing here.
     */
    invitationFor: async (email: string) => {
      const elsewhere = await createGroup(other, "Elsewhere");
      return (await other.post(`/api/groups/${elsewhere.id}/invitations`, { email, role: "viewer" })).body.invitation.id as string;
    },
    freshArticle: async () => (await owner.post(`/api/groups/${group.id}/articles`, "A short text to delete.", { "content-type": "text/plain" })).body.id as string,
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;
