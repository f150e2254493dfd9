import { CodePointIndex, buildTarget } from "@marginalia/schema";
import type { App } from "../../src/app.ts";
import { importArticle } from "../../src/import/index.ts";
import { type TestClient, addMember, createGroup, signUp } from "./app.ts";
import { SEED_ARTICLE } from "./fixtures.ts";

export type Member = Awaited<ReturnType<typeof signUp>> & { token: string };

/** The session token inside a client's cookie: what a test socket sends in its Cookie header (socket-auth.ts). */
export const tokenOf = (client: TestClient) => client.cookie!.split("=")[1]!;

/** An owner with a group and the seed article, plus members in the given roles. */
export async function articleWithMembers(app: App, roles: string[], moderation: "open" | "pre" = "open") {
  const owner = await signUp(app, "Owner");
  const group = await createGroup(owner, "Desk", moderation);
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const members: Member[] = [];
  for (const role of roles) {
    const member = await signUp(app, `${role} member`);
    await addMember(owner, group.id, member, role);
    members.push(Object.assign(member, { token: tokenOf(member) }));
  }
  const article = (await owner.get(`/api/articles/${imported.body.id}`)).body as {
    id: string;
    sync: { url: string; room: string; privateRoom: string };
  };
  return { owner: Object.assign(owner, { token: tokenOf(owner) }), group, article, members };
}

let seedPoints: string[] | undefined;

/**
 * A text target on the seed article's first revision (its text as imported): `exact` where it first occurs at or after code
 * point `near`. The server refuses a target that is not the article's text, so tests take it from there.
 */
export function seedTarget(near: number, exact: string) {
  const points = (seedPoints ??= Array.from(importArticle({ format: "text", content: SEED_ARTICLE }).text));
  const length = Array.from(exact).length;
  for (let start = near; start + length <= points.length; start++) {
    if (points.slice(start, start + length).join("") === exact) return { revision: 1, exact, prefix: "", suffix: "", start, end: start + length };
  }
  throw new Error(`"${exact}" is not in the seed article after ${near}`);
}

/** A target on the imported text (as the API returns it) for the first occurrence of `quote`. */
export function targetOn(text: string, quote: string) {
  if (!text.includes(quote)) throw new Error(`"${quote}" is not in the text`);
  const index = new CodePointIndex(text);
  const start = index.toCodePoint(text.indexOf(quote));
  return buildTarget(index, { start, end: start + Array.from(quote).length }, 1);
}
