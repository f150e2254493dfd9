import { annotationsOf, createAnnotation, updateAnnotation } from "@marginalia/schema";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * A demotion or removal made through one process, while the relay that would tell the other hangs (its Redis
 * stopped with SIGSTOP): the other's sockets still hold the old role, and the commit is what refuses their
 * writes (docs/architecture.md, "Roles at the commit").
 */
const missing = twoProcessesMissing("relay-roles.test");

describe.runIf(!missing)("roles across two server processes while the relay hangs", () => {
  const servers = twoProcesses();
  const { open } = servers;

  /** Runs `during` with the relay's Redis stopped, then lets it go on. */
  async function withRelayPaused(during: () => Promise<void>) {
    servers.redis.pause();
    try {
      await during();
    } finally {
      servers.redis.resume();
    }
  }

  const stored = async (query: ReturnType<typeof sql>) => ((await servers.t.database.db.execute(query)) as unknown as Array<{ n: number }>)[0]!.n;

  it("stores neither the resolve nor the hide a moderator demoted on A makes through a socket on B, and closes it 4403", async () => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["moderator", "annotator"]);
    const [moderator, author] = [members[0]!, members[1]!];
    const posted = await callProcess(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "Someone else's" });
    const id = posted.body!.id as string;
    const onB = open(servers.b.url, article.sync.room, moderator.token);
    await onB.synced;
    await eventually(() => expect(annotationsOf(onB.doc).has(id)).toBe(true), 5_000);

    await withRelayPaused(async () => {
      expect((await callProcess(servers.a, owner, "PATCH", `/api/groups/${group.id}/members/${moderator.user.id}`, { role: "annotator" })).status).toBe(200);
      updateAnnotation(onB.doc, id, { resolved: true });
      updateAnnotation(onB.doc, id, { status: "hidden" });
      await eventually(() => expect(onB.closes.map((c) => c.code)).toEqual([4403]), 10_000);
    });
    const shown = await callProcess(servers.a, author, "GET", `/api/annotations/${id}`);
    expect([shown.body!.status, shown.body!.resolved]).toEqual(["published", false]);
    expect(await stored(sql`select count(*)::int as n from moderation_log where annotation_id = ${id}`)).toBe(0);
  });

  it("stores none of the comments a member removed on A goes on sending through a socket on B", async () => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const member = members[0]!;
    const onB = open(servers.b.url, article.sync.room, member.token);
    await onB.synced;

    await withRelayPaused(async () => {
      expect((await callProcess(servers.a, owner, "DELETE", `/api/groups/${group.id}/members/${member.user.id}`)).status).toBe(204);
      for (let i = 0; i < 3 && onB.closes.length === 0; i++) {
        createAnnotation(onB.doc, { kind: "comment", authorId: member.user.id, body: `After the removal ${i}` });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await eventually(() => expect(onB.closes.map((c) => c.code)).toEqual([4403]), 10_000);
    });
    expect(await stored(sql`select count(*)::int as n from annotations where group_id = ${group.id} and author_id = ${member.user.id}`)).toBe(0);
  });
});
