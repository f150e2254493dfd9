import { sql } from "drizzle-orm";
import { createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import type { Db, Tx } from "../src/db.ts";
import { articleWithMembers } from "./support/article.ts";
import { SETTLED } from "./support/settled.ts";
import { type SyncClient, eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Deleting an article through one of two processes: nothing is told before the deletion commits
 * (docs/sync.md, "6. Acknowledgements"). Before, every socket on the article closed with 4410, and what
 * they had sent and was not yet stored was thrown away, before the deletion's transaction decided the
 * moderator's role again: a just-demoted moderator's refused delete ended every session for nothing.
 */
const missing = twoProcessesMissing("relay-article-delete.test");

/**
 * Holds the group's row for update, as demoting a member does (services/groups.ts), until `commit` runs its
 * change in that transaction and commits it. `waiting` counts lock waits in this database.
 */
async function holdGroup(db: Db, groupId: string) {
  let commit: (change: (tx: Tx) => Promise<void>) => void = () => {};
  const gate = new Promise<(tx: Tx) => Promise<void>>((resolve) => (commit = resolve));
  let taken = () => {};
  const holding = new Promise<void>((resolve) => (taken = resolve));
  const held = db.transaction(async (tx) => {
    await tx.execute(sql`select id from groups where id = ${groupId} for update`);
    taken();
    await (await gate)(tx);
  });
  await Promise.race([holding, held]);
  const waiting = async () => {
    const rows = (await db.execute(sql`
      select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where not l.granted and a.datname = current_database()`)) as unknown as Array<{ n: number }>;
    return rows[0]!.n;
  };
  return {
    waiting,
    commit: async (change: (tx: Tx) => Promise<void>) => {
      commit(change);
      await held;
    },
  };
}

describe.runIf(!missing)("deleting an article across two server processes", () => {
  const servers = twoProcesses();

  /** An annotator's socket on each process, each with a comment written and stored. */
  async function readersOnBoth() {
    const setup = await articleWithMembers(servers.t.app, ["annotator", "moderator"]);
    const [annotator] = setup.members;
    const { memberId } = (await call(servers.a, annotator!, "GET", `/api/articles/${setup.article.id}`)).body as { memberId: string };
    const sockets = [servers.a, servers.b].map((server) => servers.open(server.url, setup.article.sync.room, annotator!.token, { acks: true }));
    await Promise.all(sockets.map((s) => s.synced));
    const write = async (socket: SyncClient, body: string) => {
      const acked = socket.acks.length;
      const id = createAnnotation(socket.doc, { kind: "comment", authorId: memberId, body, status: "published" });
      await eventually(() => expect(socket.acks.length).toBeGreaterThan(acked), SETTLED.timeout);
      return id;
    };
    const ids = [await write(sockets[0]!, "before, through A"), await write(sockets[1]!, "before, through B")];
    return { ...setup, sockets, write, ids };
  }

  it("closes no socket and loses no write when the deletion's transaction refuses a moderator demoted meanwhile", async () => {
    const { owner, group, article, members, sockets, write, ids } = await readersOnBoth();
    const mod = members[1]!;
    const db = servers.t.database.db;
    const lock = await holdGroup(db, group.id);
    // The route's checks pass; its transaction then waits for the group's row, which the demotion holds.
    const deleted = call(servers.a, mod, "DELETE", `/api/articles/${article.id}`);
    await eventually(async () => expect(await lock.waiting()).toBeGreaterThan(0), SETTLED.timeout);
    await lock.commit(async (tx) => {
      await tx.execute(sql`update memberships set role = 'annotator' where group_id = ${group.id} and user_id = ${mod.user.id}`);
    });
    expect((await deleted).status).toBe(403);
    // Both sockets still take writes, and everything written before and after is stored.
    ids.push(await write(sockets[0]!, "after, through A"), await write(sockets[1]!, "after, through B"));
    expect(sockets.map((s) => s.closes)).toEqual([[], []]);
    for (const server of [servers.a, servers.b]) {
      expect((await call(server, owner, "GET", `/api/articles/${article.id}`)).status).toBe(200);
      for (const id of ids) expect((await call(server, owner, "GET", `/api/annotations/${id}`)).status).toBe(200);
    }
  }, 60_000);

  it("closes every socket on both processes with 4410 once the deletion commits, and leaves none of its documents' rows", async () => {
    const { article, members, sockets } = await readersOnBoth();
    expect((await call(servers.b, members[1]!, "DELETE", `/api/articles/${article.id}`)).status).toBe(204);
    await eventually(() => expect(sockets.map((s) => s.closes.map((c) => c.code))).toEqual([[4410], [4410]]), SETTLED.timeout);
    const rows = (await servers.t.database.db.execute(sql`
      select (select count(*)::int from doc_updates where doc_name like ${`article:${article.id}%`})
           + (select count(*)::int from doc_snapshots where doc_name like ${`article:${article.id}%`}) as n`)) as unknown as Array<{ n: number }>;
    expect(rows[0]!.n).toBe(0);
  }, 60_000);
});
