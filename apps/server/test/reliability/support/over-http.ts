import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import { expect } from "vitest";
import { signupTokenFor } from "../../support/mail.ts";
import { eventually } from "../../support/sync-client.ts";
import { AckedWriter, type Write } from "./acked-writer.ts";
import { checkedFetch } from "../../support/openapi.ts";

/** A user signed up through the REST API: `token` is the session cookie's value, which sockets present. */
export type Member = { id: string; email: string; cookie: string; token: string };

/** A plain HTTP call to a server process, as curl would make it. */
export async function call(base: string, method: string, route: string, body?: unknown, session = "") {
  const res = await checkedFetch(base + route, {
    method,
    headers: {
      ...(session && { cookie: session }),
      ...(body !== undefined && { "content-type": typeof body === "string" ? "text/plain" : "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  // By name: a sign-in sets the device cookie too.
  const setCookie = res.headers.getSetCookie().findLast((h) => h.startsWith("marginalia_session="))?.split(";")[0] ?? "";
  return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any, cookie: setCookie };
}

export async function signUp(base: string, name: string): Promise<Member> {
  const email = `${name.toLowerCase().replace(/\W+/g, "-")}-${crypto.randomUUID()}@example.test`;
  const password = "correct horse battery";
  expect((await call(base, "POST", "/api/auth/signup", { email, password, name })).status).toBe(202);
  const res = await call(base, "POST", "/api/auth/confirm", { token: await signupTokenFor(email), password });
  expect(res.status).toBe(201);
  return { id: res.body.user.id as string, email: res.body.user.email as string, cookie: res.cookie, token: res.cookie.split("=")[1]! };
}

/**
 * An open group with one article, made through the REST API of a running
 * process: its owner first in `members`, then one annotator per name, each
 * having accepted an invitation.
 */
export async function articleOverHttp(base: string, group: string, text: string, annotators: string[]) {
  const owner = await signUp(base, "Owner");
  const created = await call(base, "POST", "/api/groups", { name: group, moderation: "open" }, owner.cookie);
  expect(created.status).toBe(201);
  const article = await call(base, "POST", `/api/groups/${created.body.id}/articles`, text, owner.cookie);
  expect(article.status).toBe(201);
  const members = [owner];
  for (const name of annotators) {
    const member = await signUp(base, name);
    const invited = await call(base, "POST", `/api/groups/${created.body.id}/invitations`, { email: member.email, role: "annotator" }, owner.cookie);
    expect(invited.status).toBe(202);
    expect((await call(base, "POST", `/api/invitations/${invited.body.invitation.id}/accept`, undefined, member.cookie)).status).toBe(201);
    members.push(member);
  }
  const articleId = article.body.id as string;
  return { owner, members, articleId, room: `article:${articleId}` };
}

export type ArticleOverHttp = Awaited<ReturnType<typeof articleOverHttp>>;

/**
 * One writing client per member, each on the server process `baseFor` names
 * for it, resolved once all are synced. Annotation ids are global keys: each
 * call's labels are new, so that no id repeats one of an earlier run's.
 */
export async function openWriters(article: ArticleOverHttp, baseFor: (member: number) => string): Promise<AckedWriter[]> {
  const run = crypto.randomUUID().slice(0, 8);
  const writers = article.members.map(
    (m, i) => new AckedWriter(`${baseFor(i).replace(/^http/, "ws")}/sync`, article.room, m.token, m.id, `${run}-w${i}`),
  );
  await eventually(() => expect(writers.every((w) => w.synced)).toBe(true), 30_000);
  return writers;
}

/** Every row the projection holds for the article, through the REST listing (which reads the `annotations` table). */
export async function projection(base: string, session: string, articleId: string): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const res = await call(base, "GET", `/api/articles/${articleId}/annotations?limit=200${cursor ? `&cursor=${cursor}` : ""}`, undefined, session);
    expect(res.status).toBe(200);
    for (const a of res.body.annotations as Array<{ id: string; body: string }>) rows.set(a.id, a.body);
    cursor = res.body.nextCursor;
  } while (cursor);
  return rows;
}

export const bodyIn = (doc: Y.Doc, id: string) => (annotationsOf(doc).get(id)?.get("body") as Y.Text | undefined)?.toString();
/** Whether a write's token is in the document's copy of its annotation. */
export const inDoc = (doc: Y.Doc, w: Write) => bodyIn(doc, w.annotationId)?.includes(w.token) ?? false;
/** Whether a write's token is in the projection's row of its annotation. */
export const inRows = (rows: Map<string, string>, w: Write) => rows.get(w.annotationId)?.includes(w.token) ?? false;
