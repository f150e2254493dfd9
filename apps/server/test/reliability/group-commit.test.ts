import * as Y from "yjs";
import { annotationsOf, createAnnotation, hiddenRoom } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { GroupCommitter, MAX_BATCH_ANNOTATIONS, type PersistSource } from "../../src/sync/persist/persist.ts";
import { PROJECTED_PER_TURN } from "../../src/sync/persist/projection.ts";
import { articleWithMembers } from "../support/article.ts";
import { endsAtDeadline } from "../support/deadline.ts";
import { liveServer } from "../support/live.ts";
import { seeded } from "../support/seed.ts";
import { capturingLogger, faulty, held, liveOn, logRowsOf, outage, outcomes, projectedOf } from "./support/commit-bench.ts";
import { groupContext } from "./support/docs.ts";

/**
 * The group commit under updates the database refuses and a database that is
 * away (persist.ts, commit-errors.ts): a refused update is dropped alone and
 * everything else is written; an outage is waited out, in order, losing
 * nothing; shutdown ends by its deadline whatever the database does. The
 * same through a running server: group-commit-e2e.test.ts.
 */

const server = liveServer();

/** What was written, read from the real database (some tests hand the committer a faulty view of it). */
const logRows = (docName: string) => logRowsOf(server.t.database.db, docName);
const projected = (ids: string[]) => projectedOf(server.t.database.db, ids);

/** Two real articles with their owners, for updates the database takes. */
async function twoArticles() {
  const a = await articleWithMembers(server.t.app, []);
  const b = await articleWithMembers(server.t.app, []);
  return [
    { userId: a.owner.user.id, context: groupContext({ id: a.article.id, groupId: a.group.id }) },
    { userId: b.owner.user.id, context: groupContext({ id: b.article.id, groupId: b.group.id }) },
  ] as const;
}

describe("an update the database refuses", () => {
  it("is rejected alone: every other update of its batch is written, and later ones are too (an article deleted meanwhile)", async () => {
    const rng = seeded("group-commit:poisoned-batch");
    const [a, b] = await twoArticles();
    const { logger, lines } = capturingLogger();
    const committer = new GroupCommitter(server.t.database.db, logger);
    const refused: PersistSource[] = [];
    committer.onRefused = (source) => refused.push(source);
    const gones: PersistSource[] = [];
    committer.onGone = (source) => gones.push(source);
    // A document whose article does not exist: its projection row breaks the foreign key, as an article
    // deleted under an open socket does. That is a race the deletion won, told as the article being gone.
    const gone = liveOn(committer, { ...a.context, docName: `article:${rng.uuid()}`, articleId: rng.uuid() });
    const docA = liveOn(committer, a.context);
    const docB = liveOn(committer, b.context);

    // One batch: every change below is made in the same turn.
    const count = 6 + rng.int(20);
    const poisonAt = rng.int(count);
    const writes: Array<{ doc: "a" | "b" | "gone"; id: string; durable: Promise<void> }> = [];
    for (let i = 0; i < count; i++) {
      if (i === poisonAt) writes.push({ doc: "gone", ...gone.write(a.userId, "poisoned") });
      const [name, doc, user] = rng.chance(0.5) ? (["a", docA, a.userId] as const) : (["b", docB, b.userId] as const);
      writes.push({ doc: name, ...doc.write(user, `note ${rng.letters(8)}`) });
    }
    expect(committer.pending).toBe(writes.length);

    expect(await outcomes(writes.map((w) => w.durable))).toEqual(writes.map((w) => (w.doc === "gone" ? "gone" : "ok")));
    const rejection = await writes.find((w) => w.doc === "gone")!.durable.catch((err: unknown) => err);
    expect(rejection).toMatchObject({ reason: "gone", docName: gone.live.name });
    expect((rejection as Error & { cause: Error & { cause?: { code?: string } } }).cause.cause?.code).toBe("23503");

    const written = writes.filter((w) => w.doc !== "gone");
    expect(await projected(written.map((w) => w.id))).toEqual(written.map((w) => w.id).sort());
    expect(await logRows(docA.live.name)).toHaveLength(written.filter((w) => w.doc === "a").length);
    expect(await logRows(docB.live.name)).toHaveLength(written.filter((w) => w.doc === "b").length);
    expect(await logRows(gone.live.name)).toEqual([]);
    expect(refused).toEqual([]);
    expect(gones).toEqual([gone.source]);
    expect(lines.filter((l) => l.room === gone.live.name).map((l) => [l.level, l.msg])).toEqual([[30, "update of a deleted article not stored"]]);
    // The log says what failed, not what was written: no statement, no parameters, no one's text.
    expect(JSON.stringify(lines)).not.toContain("poisoned");
    expect(JSON.stringify(lines)).not.toMatch(/insert into/i);

    // The queue is not stuck behind it: later updates are written, and the refused document takes nothing more.
    const later = [docA.write(a.userId, "later a"), docB.write(b.userId, "later b")];
    const afterRefusal = gone.write(a.userId, "after its refusal");
    expect(await outcomes([...later.map((w) => w.durable), afterRefusal.durable])).toEqual(["ok", "ok", "gone"]);
    expect(await projected(later.map((w) => w.id))).toEqual(later.map((w) => w.id).sort());
    expect(committer.pending).toBe(0);
  });

  it("takes its document's later updates with it, and leaves its earlier ones and other documents' alone", async () => {
    const rng = seeded("group-commit:poisoned-document");
    const [a, b] = await twoArticles();
    const { logger } = capturingLogger();
    const committer = new GroupCommitter(server.t.database.db, logger);
    // The projection of one annotation cannot be built (a value it cannot take): reading it throws.
    const poisoned = new Set<string>();
    const docA = liveOn(committer, a.context, (live) => ({
      context: live.context,
      stored: (id) => {
        if (poisoned.has(id)) throw new RangeError("Invalid time value");
        return live.stored(id);
      },
      votesFor: (ids) => live.votesFor(ids),
    }));
    const docB = liveOn(committer, b.context);

    const before = 1 + rng.int(5);
    const after = 1 + rng.int(5);
    const early = Array.from({ length: before }, (_, i) => docA.write(a.userId, `early ${i}`));
    const others = Array.from({ length: before + after }, (_, i) => docB.write(b.userId, `other ${i}`));
    const bad = docA.write(a.userId, "unprojectable");
    poisoned.add(bad.id);
    const late = Array.from({ length: after }, (_, i) => docA.write(a.userId, `late ${i}`));

    expect(await outcomes(early.map((w) => w.durable))).toEqual(early.map(() => "ok"));
    expect(await outcomes([bad.durable])).toEqual(["refused"]);
    // Later updates of the same document may build on the refused one: they are not written either, and
    // their senders send them again once the document is reloaded.
    expect(await outcomes(late.map((w) => w.durable))).toEqual(late.map(() => "reloaded"));
    expect(await outcomes(others.map((w) => w.durable))).toEqual(others.map(() => "ok"));
    expect(await projected([...early, ...others].map((w) => w.id))).toEqual([...early, ...others].map((w) => w.id).sort());
    expect(await projected([bad, ...late].map((w) => w.id))).toEqual([]);
    expect(await logRows(docA.live.name)).toHaveLength(before);
    expect(await logRows(docB.live.name)).toHaveLength(before + after);
  });
});

describe("a database that is away", () => {
  it("is waited out: every update is written, in order, none dropped", async () => {
    const rng = seeded("group-commit:outage");
    const [a, b] = await twoArticles();
    const { logger, lines } = capturingLogger();
    const codes = ["ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "08006", "57P01", "57P03", "40001", "40P01", "53300"];
    const failures = 2 + rng.int(6);
    let attempts = 0;
    const db = faulty(server.t.database.db, () => (++attempts <= failures ? Promise.reject(outage(rng.pick(codes))) : null));
    const committer = new GroupCommitter(db, logger, { retryMinMs: 1, retryMaxMs: 8 });
    const docA = liveOn(committer, a.context);
    const docB = liveOn(committer, b.context);

    // Updates arrive over several turns, while the first batch is failing.
    const writes: Array<{ doc: "a" | "b"; id: string; durable: Promise<void>; update?: Uint8Array }> = [];
    const rounds = 2 + rng.int(4);
    for (let round = 0; round < rounds; round++) {
      for (let i = 1 + rng.int(6); i > 0; i--) {
        const [name, doc, user] = rng.chance(0.5) ? (["a", docA, a.userId] as const) : (["b", docB, b.userId] as const);
        writes.push({ doc: name, ...doc.write(user, `round ${round} ${rng.letters(6)}`) });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await outcomes(writes.map((w) => w.durable))).toEqual(writes.map(() => "ok"));
    expect(attempts).toBeGreaterThan(failures);
    expect(lines.filter((l) => l.msg === "group commit failed")).toHaveLength(failures);
    expect(await projected(writes.map((w) => w.id))).toEqual(writes.map((w) => w.id).sort());
    // In order: each document's log holds its updates as they were made, once each.
    for (const doc of [docA, docB]) {
      const mine = writes.filter((w) => (w.doc === "a" ? docA : docB) === doc);
      const stored = await logRows(doc.live.name);
      expect(stored).toHaveLength(mine.length);
      expect(idsCreatedBy(stored)).toEqual(mine.map((w) => w.id));
    }
  });

  it("does not hold up shutdown: close ends by its deadline and reports what was not written", async () => {
    const rng = seeded("group-commit:shutdown");
    const [a, b] = await twoArticles();
    for (const mode of ["refusing", "hanging"] as const) {
      const { logger, lines } = capturingLogger();
      const db = faulty(server.t.database.db, () => (mode === "refusing" ? Promise.reject(outage("ECONNREFUSED")) : new Promise<never>(() => {})));
      const committer = new GroupCommitter(db, logger, { retryMinMs: 5, retryMaxMs: 50 });
      const docA = liveOn(committer, a.context);
      const docB = liveOn(committer, b.context);
      const inA = 1 + rng.int(5);
      const inB = 1 + rng.int(5);
      const writes = [
        ...Array.from({ length: inA }, (_, i) => docA.write(a.userId, `unwritten ${i}`)),
        ...Array.from({ length: inB }, (_, i) => docB.write(b.userId, `unwritten ${i}`)),
      ];
      const settled = outcomes(writes.map((w) => w.durable));

      const unwritten = await endsAtDeadline(1_000, (deadline) => committer.close(deadline), mode);
      expect(Object.fromEntries(unwritten), mode).toEqual({ [docA.live.name]: inA, [docB.live.name]: inB });
      expect(lines.find((l) => l.msg === "shutting down with updates not written"), mode).toMatchObject({
        updates: inA + inB,
        byDocument: { [docA.live.name]: inA, [docB.live.name]: inB },
      });
      // Refused connections settle every promise as not stored; a hanging one leaves the batch under way
      // pending, but nothing new is taken.
      if (mode === "refusing") expect(await settled).toEqual(writes.map(() => "shutdown"));
      expect(await outcomes([docA.write(a.userId, "too late").durable])).toEqual(["shutdown"]);
      expect(await projected(writes.map((w) => w.id))).toEqual([]);
    }
  });
});

/** The ids of the annotations each update creates, applied in order as a load would (each update here creates one). */
function idsCreatedBy(updates: Uint8Array[]): Array<string | undefined> {
  const doc = new Y.Doc();
  const ids = updates.map((update) => {
    const before = new Set(annotationsOf(doc).keys());
    Y.applyUpdate(doc, update);
    return [...annotationsOf(doc).keys()].find((id) => !before.has(id));
  });
  doc.destroy();
  return ids;
}

/** A document of a real article whose committer counts its statements: each batch is one statement (or one transaction). */
async function countedDocument() {
  const [a] = await twoArticles();
  let statements = 0;
  const counting = faulty(server.t.database.db, () => {
    statements++;
    return null;
  });
  const doc = liveOn(new GroupCommitter(counting, capturingLogger().logger), a.context);
  return { a, doc, statements: () => statements };
}

describe("a queue of updates that touch many annotations", () => {
  it("is written in batches of at most MAX_BATCH_ANNOTATIONS annotations past each batch's first update, in order, all of it", async () => {
    const { a, doc, statements } = await countedDocument();
    const perUpdate = 120;
    // Queued in one turn, as the pieces of a large update are while a commit is under way.
    const writes = Array.from({ length: 6 }, (_, n) => {
      const ids: string[] = [];
      const durable = doc.live.change({ userId: a.userId }, (d) => {
        for (let i = 0; i < perUpdate; i++) ids.push(createAnnotation(d, { kind: "comment", authorId: a.userId, body: `${n}.${i}` }));
      });
      return { ids, durable };
    });
    await Promise.all(writes.map((w) => w.durable));
    // Two updates fit under the bound (240 annotations); a third would pass it.
    const perBatch = Math.floor(MAX_BATCH_ANNOTATIONS / perUpdate);
    expect(statements()).toBe(Math.ceil(writes.length / perBatch));
    expect(await projected(writes.flatMap((w) => w.ids))).toHaveLength(writes.length * perUpdate);
    expect(await logRows(doc.live.name)).toHaveLength(writes.length);
  });

  it("writes one update that touches more annotations than a turn projects in one statement, every row of it", async () => {
    const { a, doc, statements } = await countedDocument();
    const ids: string[] = [];
    const durable = doc.live.change({ userId: a.userId }, (d) => {
      for (let i = 0; i < 4 * PROJECTED_PER_TURN + 3; i++) ids.push(createAnnotation(d, { kind: "comment", authorId: a.userId, body: `many ${i}` }));
    });
    await durable;
    // Its rows, serialized in slices (projection.test.ts), went as one JSON parameter of one statement.
    expect(statements()).toBe(1);
    expect(await projected(ids)).toEqual([...ids].sort());
  });
});

type Write = { id: string; durable: Promise<void> };

/** The batch each tracked write was written in, counted from 1 (each batch is one statement here). */
function batchesOf(database: ReturnType<typeof held>) {
  const batchOf = new Map<string, number>();
  const tracked = (w: Write) => (void w.durable.then(() => batchOf.set(w.id, database.started())), w);
  return { batchOf, tracked };
}

/** Lets the held database write batch after batch until every write is settled; how each settled. */
async function writtenThrough(database: ReturnType<typeof held>, writes: Write[]): Promise<string[]> {
  const all = outcomes(writes.map((w) => w.durable));
  let settled = false;
  void all.then(() => (settled = true));
  while (!settled) {
    database.release();
    await Promise.race([database.waiting(), all]);
  }
  return all;
}

describe("an article with a backlog", () => {
  it("does not hold up another article's update, which goes in the next batch; the backlog is still written whole and in order", async () => {
    const rng = seeded("group-commit:fair");
    const [a, b] = await twoArticles();
    const database = held(server.t.database.db);
    const committer = new GroupCommitter(database.db, capturingLogger().logger);
    const docA = liveOn(committer, a.context);
    const docB = liveOn(committer, b.context);
    const { batchOf, tracked } = batchesOf(database);

    // 2,000 updates of article A, queued over several turns as the pieces of large updates are.
    const backlog: Write[] = [];
    while (backlog.length < 2_000) {
      for (let i = 1 + rng.int(200); i > 0 && backlog.length < 2_000; i--) backlog.push(tracked(docA.write(a.userId, `backlog ${backlog.length}`)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await database.waiting();
    expect(database.started()).toBe(1);
    // While A's first batch is being written, B queues one update.
    const late = tracked(docB.write(b.userId, "one comment"));
    expect(await writtenThrough(database, [...backlog, late])).toEqual([...backlog, late].map(() => "ok"));
    expect(batchOf.get(late.id)).toBe(2);
    expect(batchOf.get(backlog.at(-1)!.id)).toBeGreaterThan(2);
    expect(idsCreatedBy(await logRows(docA.live.name))).toEqual(backlog.map((w) => w.id));
    expect(await logRows(docB.live.name)).toHaveLength(1);
  });

  it("keeps what one turn queued for an article's documents in one batch (both halves of a move)", async () => {
    const [a, b] = await twoArticles();
    const database = held(server.t.database.db);
    const committer = new GroupCommitter(database.db, capturingLogger().logger);
    const docA = liveOn(committer, a.context);
    const group = liveOn(committer, b.context);
    const hidden = liveOn(committer, { ...b.context, docName: hiddenRoom(b.context.articleId) });
    const { batchOf, tracked } = batchesOf(database);
    const backlog: Write[] = [];
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 50; i++) backlog.push(tracked(docA.write(a.userId, `backlog ${turn}.${i}`)));
      // Each turn, B's two documents queue an update each, after A's.
      backlog.push(tracked(group.write(b.userId, `group ${turn}`)), tracked(hidden.write(b.userId, `hidden ${turn}`)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await writtenThrough(database, backlog)).toEqual(backlog.map(() => "ok"));
    for (let i = 50; i < backlog.length; i += 52) expect(batchOf.get(backlog[i + 1]!.id)).toBe(batchOf.get(backlog[i]!.id));
  });
});
