import postgres from "postgres";
import { describe, expect, inject, it, vi } from "vitest";
import { NO_SHARED_POSTGRES, requiredInCi } from "../support/ci.ts";
import { lockHolder } from "../support/lock-holder.ts";
import { TestClient, createGroup, type Reply, signUp } from "../support/app.ts";
import { COMMIT_WAIT_MESSAGE } from "../../src/sync/persist/batch-write.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

/**
 * Lock waits on the request paths are bounded, and a group commit's is said (docs/architecture.md, "Lock waits").
 * A second connection stands for what holds a lock meanwhile: an import holding its group's row shared, a
 * row locked by hand. The embedded database has one session, where nothing waits for a lock another holds.
 */
const url = inject("databaseUrl");
requiredInCi("lock-waits.test", url ? null : NO_SHARED_POSTGRES);

describe.runIf(!!url)("lock waits", () => {
  const held = lockHolder(url!);
  const holding = held.holding;

  /** Whether a session other than the holder's waits for a lock in a statement matching `pattern`. */
  async function waitingFor(pattern: string): Promise<boolean> {
    const rows = await held.sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like ${pattern}`;
    return rows.length > 0;
  }

  async function article(owner: TestClient, groupId: string): Promise<string> {
    const imported = await owner.post(`/api/groups/${groupId}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
    expect(imported.status).toBe(201);
    return imported.body.id as string;
  }

  const comment = (owner: TestClient, articleId: string) =>
    owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "Written while a switch waits" });

  it("does not hold up commits while turning anonymity on waits for the group's row, and answers 503 at its bound", async () => {
    const owner = await signUp(held.t.app, "Owner");
    const own = await createGroup(owner, "Own desk");
    const other = await createGroup(owner, "Other desk");
    const [ownArticle, otherArticle] = [await article(owner, own.id), await article(owner, other.id)];
    // As an import does for as long as it stores its article.
    const release = await holding((sql) => sql`select 1 from groups where id = ${own.id} for share`);
    try {
      let answered = false;
      const switching = owner.patch(`/api/groups/${own.id}`, { anonymousToPeers: true }).finally(() => (answered = true));
      await expect.poll(() => waitingFor("%from \"groups\"%"), { timeout: 5_000 }).toBe(true);
      // A second change of the group's settings does not wait too, holding another of the pool's connections.
      const second = await owner.patch(`/api/groups/${own.id}`, { anonymousToPeers: true });
      expect([second.status, second.body.error?.code, second.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      expect(answered).toBe(false);

      // Writes to the group and to another group are committed meanwhile: the switch holds nothing they need.
      const written = await Promise.all([comment(owner, ownArticle), comment(owner, otherArticle)]);
      expect(written.map((w) => w.status)).toEqual([201, 201]);
      expect(answered).toBe(false);

      const switched = await switching;
      expect([switched.status, switched.body.error?.code, switched.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
    } finally {
      await release();
    }
    expect((await owner.get(`/api/groups/${own.id}`)).body.anonymousToPeers).toBe(false);
    // With the row free, the switch runs, and finds the work now stored.
    const again = await owner.patch(`/api/groups/${own.id}`, { anonymousToPeers: true });
    expect([again.status, again.body.error?.message]).toEqual([409, expect.stringMatching(/before the group's first annotation/)]);
  }, 45_000);

  it("answers a role change that waits for the group's row 503 at its bound", async () => {
    const owner = await signUp(held.t.app, "Owner");
    const group = await createGroup(owner, "Held desk");
    const release = await holding((sql) => sql`select 1 from groups where id = ${group.id} for share`);
    try {
      const changed = await owner.patch(`/api/groups/${group.id}/members/${owner.user.id}`, { role: "moderator" });
      expect([changed.status, changed.body.error?.code]).toEqual([503, "unavailable"]);
    } finally {
      await release();
    }
  });

  /**
   * What `request` answers while `lock` is held elsewhere: it must answer before the holder lets go, within
   * twice its bound (a wait that is not bounded would still be waiting when the poll gives up).
   */
  async function answerWhileHeld(lock: (sql: postgres.ReservedSql) => Promise<unknown>, request: () => Promise<Reply>) {
    const release = await holding(lock);
    try {
      let answer: Reply | undefined;
      void request().then((a) => (answer = a));
      await expect.poll(() => answer, { timeout: 10_000, interval: 100 }).toBeDefined();
      return [answer!.status, answer!.body.error?.code];
    } finally {
      await release();
    }
  }

  it("answers a login that waits for its account's row 503 at its bound", async () => {
    const person = await signUp(held.t.app, "Person");
    // As ending the account's credentials does (services/users.ts), here for longer than any request should wait.
    const answer = await answerWhileHeld(
      (sql) => sql`select 1 from users where id = ${person.user.id} for update`,
      () => new TestClient(held.t.app).post("/api/auth/login", { email: person.email, password: person.password }),
    );
    expect(answer).toEqual([503, "unavailable"]);
  });

  it("answers a token minted while its account's row is held 503 at its bound", async () => {
    const person = await signUp(held.t.app, "Person");
    const answer = await answerWhileHeld(
      (sql) => sql`select 1 from users where id = ${person.user.id} for update`,
      () => person.post("/api/tokens", { name: "While held" }),
    );
    expect(answer).toEqual([503, "unavailable"]);
  });

  it("answers an invitation accepted while its group's row is held 503 at its bound", async () => {
    const owner = await signUp(held.t.app, "Owner");
    const invitee = await signUp(held.t.app, "Invitee");
    const group = await createGroup(owner, "Held for a removal");
    const invited = await owner.post(`/api/groups/${group.id}/invitations`, { email: invitee.email, role: "annotator" });
    expect(invited.status).toBe(202);
    // As removing or demoting a member does (services/groups.ts, `lockMembership`).
    const answer = await answerWhileHeld(
      (sql) => sql`select 1 from groups where id = ${group.id} for update`,
      () => invitee.post(`/api/invitations/${invited.body.invitation.id}/accept`),
    );
    expect(answer).toEqual([503, "unavailable"]);
    const accepted = await invitee.post(`/api/invitations/${invited.body.invitation.id}/accept`);
    expect(accepted.status).toBe(201);
  });

  it("says so while a commit waits on a row locked elsewhere, and stores the write once it is let go", async () => {
    const owner = await signUp(held.t.app, "Owner");
    const group = await createGroup(owner, "Locked desk");
    const articleId = await article(owner, group.id);
    const created = await comment(owner, articleId);
    const id = created.body.id as string;
    const warn = vi.spyOn(held.t.logger, "warn");
    const release = await holding((sql) => sql`select 1 from annotations where id = ${id} for update`);
    let editing: Promise<{ status: number }>;
    try {
      editing = owner.patch(`/api/annotations/${id}`, { body: "Edited while its row was locked" });
      const told = () => warn.mock.calls.some((call) => call[1] === COMMIT_WAIT_MESSAGE);
      await expect.poll(told, { timeout: 15_000, interval: 100 }).toBe(true);
    } finally {
      await release();
      warn.mockRestore();
    }
    expect((await editing).status).toBe(200);
    expect((await owner.get(`/api/annotations/${id}`)).body.body).toBe("Edited while its row was locked");
  });
});
