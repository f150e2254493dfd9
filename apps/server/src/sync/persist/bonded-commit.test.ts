import { groupRoom, hiddenRoom } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Db } from "../../db.ts";
import { createLogger } from "../../logger.ts";
import { type BatchUpdate, BatchWriter } from "./batch-write.ts";
import { GroupCommitter, MAX_BATCH_ANNOTATIONS, type PersistSource } from "./persist.ts";

const articleId = "00000000-0000-4000-a000-000000000002";
const source = (docName: string): PersistSource => ({
  context: { docName, articleId, groupId: "g", visibility: "group", revision: 1 },
  stored: () => null,
  votesFor: () => new Map(),
});
const group = source(groupRoom(articleId));
const hidden = source(hiddenRoom(articleId));
/** A thread of a root and 171 replies: its move touches 172 annotations in each document, past the batch's bound together. */
const thread = new Set(Array.from({ length: 172 }, (_, i) => `reply-${i}`));
const bytes = new Uint8Array([0, 0]);
/** A permanent failure, as the database refuses an update for what it holds (commit-errors.ts). */
const refused = () => Object.assign(new Error("check violation"), { code: "23514" });

afterEach(() => vi.restoreAllMocks());

/** A committer whose every commit is recorded, and fails when `fails` says so. */
function committer(fails: (part: readonly BatchUpdate[]) => boolean) {
  const commits: Array<{ docs: string[]; ok: boolean }> = [];
  vi.spyOn(BatchWriter.prototype, "write").mockImplementation(async (part) => {
    const ok = !fails(part);
    commits.push({ docs: part.map((u) => u.source.context.docName), ok });
    if (!ok) throw refused();
  });
  const logger = createLogger("silent");
  return { committer: new GroupCommitter({} as Db, logger, { windowMs: 1 }), commits };
}

describe("a move between an article's documents in the group commit", () => {
  it("is one commit however large the thread", async () => {
    expect(thread.size * 2).toBeGreaterThan(MAX_BATCH_ANNOTATIONS);
    const { committer: c, commits } = committer(() => false);
    await c.together(() => Promise.all([c.enqueue(group, bytes, null, thread), c.enqueue(hidden, bytes, null, thread)]));
    expect(commits).toEqual([{ docs: [group.context.docName, hidden.context.docName], ok: true }]);
  });

  it("is refused whole when the database refuses one half: the removal is never written without the addition", async () => {
    const { committer: c, commits } = committer((part) => part.some((u) => u.source === hidden));
    const other = source(`article:${articleId}:private:someone`);
    const [earlier, removal, addition] = await Promise.allSettled([
      c.enqueue(other, bytes, null, new Set(["note"])),
      ...c.together(() => [c.enqueue(group, bytes, null, new Set(["root"])), c.enqueue(hidden, bytes, null, new Set(["root"]))]),
    ]);
    expect([earlier?.status, removal?.status, addition?.status]).toEqual(["fulfilled", "rejected", "rejected"]);
    const written = commits.filter((commit) => commit.ok).flatMap((commit) => commit.docs);
    expect(written).not.toContain(group.context.docName);
  });
});

describe("a bond whose document is retired while it waits", () => {
  it("is dropped whole, and the other document reloads", async () => {
    const { committer: c, commits } = committer(() => false);
    const reloaded: string[] = [];
    c.onRefused = (s) => reloaded.push(s.context.docName);
    const [removal, addition] = c.together(() => [c.enqueue(group, bytes, null, new Set(["root"])), c.enqueue(hidden, bytes, null, new Set(["root"]))]);
    c.retire(hidden, "reloaded");
    const outcomes = await Promise.allSettled([removal, addition]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    await c.flush();
    expect(commits).toEqual([]);
    expect(reloaded).toEqual([group.context.docName]);
  });
});

describe("waiting for one document's updates", () => {
  it("resolves once that document's are written, while other documents keep the queue busy", async () => {
    const feeding = 200;
    let writes = 0;
    const { committer: c } = committer(() => false);
    const busy = source(`article:${articleId}:private:busy`);
    const idle = source(`article:${articleId}:private:idle`);
    // Every commit is followed by another document's update, for the next `feeding` commits.
    c.onAttempt = () => {
      if (++writes < feeding) void c.enqueue(busy, bytes, null, new Set());
    };
    void c.enqueue(busy, bytes, null, new Set());
    const mine = c.enqueue(idle, bytes, null, new Set());
    await c.settled(idle);
    await expect(mine).resolves.toBeUndefined();
    expect(writes).toBeLessThan(feeding);
    await c.flush();
  });
});
