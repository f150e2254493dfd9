import { describe, expect, it, vi } from "vitest";
import type { Db } from "../../db.ts";
import { createLogger } from "../../logger.ts";
import type { Grant } from "./access.ts";
import type { Connection } from "../connection/connection.ts";
import { OpenAccess } from "./open-access.ts";

const grant: Grant = {
  userId: "u",
  groupId: "g",
  articleId: "a",
  moderatorsOnly: false,
  memberId: "m",
  reviewQuorum: 1,
  credential: { via: "session", sessionId: "s" },
};

/**
 * A check asked for while one runs (the relay reconnecting, a rename) may be
 * for a change the running one read the database too early to see: it runs
 * again once that one ends, rather than being dropped.
 */
describe("checking open sockets' access", () => {
  it("runs a check asked for during another once that one ends, and only once for many asks", async () => {
    const refresh = vi.fn<() => Promise<void>>().mockResolvedValue(undefined);
    // A database whose every read waits until `fail`, then fails: the first check is under way until then, and
    // each check ends in its warning, the rerun all the same.
    let fail: () => void = () => {};
    const reads = new Promise<never>((_, reject) => (fail = () => reject(new Error("no database here"))));
    reads.catch(() => {});
    const query: unknown = new Proxy(() => {}, { get: (_t, key) => (key === "then" ? reads.then.bind(reads) : query), apply: () => query });
    const access = new OpenAccess(query as Db, createLogger("silent"), 60_000, { loaded: () => [], dropArticle: () => {}, relayConnected: () => true, refresh });
    access.opened({} as Connection, grant, access.seq);
    const first = access.check();
    expect(refresh).toHaveBeenCalledTimes(1);
    await Promise.all([access.check(), access.check(), access.check()]);
    expect(refresh).toHaveBeenCalledTimes(1);
    fail();
    await first;
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(2));
    // Nothing asked for during the rerun: no third.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refresh).toHaveBeenCalledTimes(2);
    access.stop();
  });

  it("reads a member's role once for a burst of their role events, and once more for those that came during the read", async () => {
    let reads = 0;
    const answers: Array<() => void> = [];
    const row = [{ role: "annotator", memberId: "m" }];
    // A database whose every read is counted and answers when the test says.
    const query: unknown = new Proxy(() => {}, {
      get: (_t, key) => {
        if (key === "select") reads++;
        if (key === "then") return (resolve: (rows: unknown) => void) => answers.push(() => resolve(row));
        return query;
      },
      apply: () => query,
    });
    const access = new OpenAccess(query as Db, createLogger("silent"), 60_000, { loaded: () => [], dropArticle: () => {}, relayConnected: () => true, refresh: async () => {} });
    const updateActor = vi.fn();
    access.opened({ updateActor, close: vi.fn() } as unknown as Connection, grant, access.seq);
    const event = (role: "viewer" | "annotator") => ({ kind: "role-changed" as const, groupId: "g", userId: "u", memberId: "m", role });
    for (let i = 0; i < 10; i++) access.apply(event(i % 2 ? "annotator" : "viewer"));
    expect(reads).toBe(1);
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    answers.shift()!();
    // Events came while it read: read again, and only then taken.
    await vi.waitFor(() => expect(reads).toBe(2));
    expect(updateActor).toHaveBeenCalledTimes(10);
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    answers.shift()!();
    await vi.waitFor(() => expect(updateActor).toHaveBeenCalledTimes(11));
    expect(updateActor).toHaveBeenLastCalledWith({ role: "annotator" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(2);
    access.stop();
  });
});
