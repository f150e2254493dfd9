import { annotationsOf } from "@marginalia/schema";
import { expect } from "vitest";
import { articleWithMembers } from "./article.ts";
import { type SyncClient, eventually } from "./sync-client.ts";
import { callProcess as call, type twoProcesses } from "./two-processes.ts";

/**
 * A pre-moderated article with an author and a moderator, the author's private document open on both
 * processes (as in two tabs), and `submit`, which submits through the first process and resolves once both
 * tabs hold the submission.
 */
export async function submissionsOnBoth(servers: ReturnType<typeof twoProcesses>) {
  const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "pre");
  const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
  const { sync } = (await call(servers.a, author, "GET", `/api/articles/${article.id}`)).body as { sync: { privateRoom: string } };
  const tabs = [servers.a, servers.b].map((server) => servers.open(server.url, sync.privateRoom, author.token)) as [SyncClient, SyncClient];
  await Promise.all(tabs.map((tab) => tab.synced));
  const submit = async (body: string) => {
    const id = (await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body })).body!.id as string;
    await eventually(() => expect(tabs.every((tab) => annotationsOf(tab.doc).has(id))).toBe(true), 5_000);
    return id;
  };
  return { owner, group, article, author, mod, tabs, submit };
}
