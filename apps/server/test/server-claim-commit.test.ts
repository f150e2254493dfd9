import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import { SERVER_WRITER } from "../src/sync/authorize/client-ids.ts";
import { NO_SHARED_POSTGRES, requiredInCi } from "./support/ci.ts";
import { articleWithMembers } from "./support/article.ts";
import { lockHolder } from "./support/lock-holder.ts";

/**
 * A server's write and the claim of its client id as a server's are one commit (docs/sync.md, "5. What you may
 * write"): a process loading the document finds both or neither, so no member on it can write under the id in
 * the meantime. Before, the claim was a separate insert, and a process that loaded while it waited (a lock, a
 * database hiccup) saw the write without the claim.
 */
const url = inject("databaseUrl");
requiredInCi("server-claim-commit.test", url ? null : NO_SHARED_POSTGRES);

describe.runIf(!!url)("a server's write and its client id's claim", () => {
  const held = lockHolder(url!);

  it("are stored together: while the claim cannot be written, neither is the write", async () => {
    const { owner, article } = await articleWithMembers(held.t.app, []);
    const room = article.sync.room;
    const release = await held.holding((sql) => sql`lock table doc_client_ids in share row exclusive mode`);
    let released = false;
    try {
      const posting = owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "written by the server", visibility: "group" });
      await sleep(1_000);
      const [waiting] = await held.sql`select count(*)::int as n from doc_updates where doc_name = ${room}`;
      expect(waiting!.n).toBe(0);
      await release();
      released = true;
      expect((await posting).status).toBe(201);
      const claims = await held.sql`select member_id from doc_client_ids where doc_name = ${room}`;
      expect(claims.map((c) => c.member_id)).toContain(SERVER_WRITER);
      const [stored] = await held.sql`select count(*)::int as n from doc_updates where doc_name = ${room}`;
      expect(stored!.n).toBeGreaterThan(0);
    } finally {
      if (!released) await release();
    }
  }, 60_000);
});
