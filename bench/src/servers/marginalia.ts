// Marginalia in a process of its own (forked by run.ts), so that it has a
// core to itself and its memory and CPU can be read apart from the generator's.
//
// Env: BENCH_DATABASE_URL (else PGlite in memory), BENCH_IDLE_UNLOAD_MS, BENCH_ALLOC_PROFILE (below).
import * as Y from "yjs";
import { annotationsOf, createAnnotation, parseVoteKey, readAnnotation, votesOf } from "@marginalia/schema";
import { inspectHub } from "../lib/inspect-hub.ts";
import { touchedAnnotations } from "@marginalia/server/sync/document/touched.ts";
import { GroupCommitter, type PersistSource } from "@marginalia/server/sync/persist/persist.ts";
import { COMPACT_AFTER_ROWS } from "@marginalia/server/sync/persist/doc-store.ts";
import type { DocContext } from "@marginalia/server/sync/persist/projection.ts";
import { createLogger } from "@marginalia/server/logger.ts";
import { readTextArticle } from "@marginalia/server/import/plain-text.ts";
import { createArticle } from "@marginalia/server/services/articles.ts";
import { NO_OBSERVER, type SyncObserver } from "@marginalia/server/sync/observer.ts";
import { startMarginalia, SEED } from "../harness.ts";
import { buildHistory, editHistory, rng } from "../lib/cold-data.ts";
import { allocationProfiler } from "../lib/alloc-profile.ts";
import { serveCommands } from "../lib/ipc.ts";

// BENCH_ALLOC_PROFILE=DIR: an allocation profile of each load run's measured windows, dead objects included.
const allocations = process.env.BENCH_ALLOC_PROFILE ? allocationProfiler(process.env.BENCH_ALLOC_PROFILE) : null;

const server = await startMarginalia(process.env.BENCH_DATABASE_URL || undefined, {
  ...(process.env.BENCH_COUNT_FRAMES ? { observer: frameCounter() } : {}),
  idleUnloadMs: Number(process.env.BENCH_IDLE_UNLOAD_MS ?? 60_000),
  ...(process.env.BENCH_COMMIT_WINDOW_MS ? { commitWindowMs: Number(process.env.BENCH_COMMIT_WINDOW_MS) } : {}),
});

serveCommands(
  {
    loaded: () => server.hub.loadedDocuments,
    /**
     * Many rooms at once for the many-rooms scenario: the seed article `count` times into one group,
     * through the same service as POST /api/groups/:id/articles but without 500 HTTP round trips.
     */
    seedArticles: async ({ groupId, authorId, count }: { groupId: string; authorId: string; count: number }) => {
      const imported = readTextArticle(SEED);
      const rooms: string[] = [];
      for (let i = 0; i < count; i += 25) {
        const batch = Array.from({ length: Math.min(25, count - i) }, () =>
          createArticle(server.db, { groupId, authorId, format: "text", imported, meta: {} }),
        );
        for (const article of await Promise.all(batch)) rooms.push(`article:${article.id}`);
      }
      return rooms;
    },
    /** Writes `annotations` annotations with `bodyChars`-character bodies into a document in one server-side change. */
    seedDocument: async ({ context, annotations, authorId, bodyChars }: { context: DocContext; annotations: number; authorId: string; bodyChars: number }) => {
      const body = "lorem ipsum dolor sit amet ".repeat(Math.ceil(bodyChars / 27)).slice(0, bodyChars);
      await server.hub.change(context, { userId: authorId, memberId: authorId }, (doc) => {
        for (let i = 0; i < annotations; i++) createAnnotation(doc, { kind: "comment", authorId, body });
      });
      return true;
    },
    /** What the sync core holds for each loaded document and socket (memory-per-annotation.ts). */
    inspect: () => inspectHub(server.hub),
    /** Where the process's memory is (many rooms reports it beside RSS). */
    memory: () => server.memory(),
    /**
     * Folds the whole log into the snapshot, pass after pass, as the hub's compactor would, until no row
     * is left: a pass that finds another compactor at work (the hub's own, after the document unloaded)
     * folds nothing, and the rows are then waited for rather than left behind.
     */
    compact: async ({ docName }: { docName: string }) => {
      const t = performance.now();
      let passes = 0;
      let rows = 0;
      for (;;) {
        const folded = await server.hub.store.compact(docName);
        rows += folded;
        if (folded > 0) passes++;
        else if ((await server.hub.store.logRows(docName)) === 0) break;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { passes, rows, ms: performance.now() - t };
    },
    /**
     * Writes a big article's history straight through our store: every update
     * goes through a GroupCommitter (log row + projection in one transaction,
     * as a live document's would), without sockets or authorization.
     */
    seedCold: async (args: { context: DocContext; annotations: number; updates: number; authorId: string; voterIds: string[] }) => {
      const t = performance.now();
      const log: Array<{ update: Uint8Array; touched: Set<string> }> = [];
      const { doc, ids } = buildHistory(
        { annotations: args.annotations, updates: args.updates, authorId: args.authorId, voterIds: args.voterIds, articleText: SEED, revision: args.context.revision },
        (update, tr) => log.push({ update, touched: touchedAnnotations(tr.doc, tr) }),
      );
      const buildMs = performance.now() - t;
      // The projection reads the finished document, as a live document's commit reads its current state.
      const source = projectionSource(args.context, doc);
      await commitLog(source, log, args.authorId);
      const state = Y.encodeStateAsUpdate(doc);
      doc.destroy();
      return { ms: performance.now() - t, buildMs, updates: log.length, annotations: ids.length, state, stateBytes: state.byteLength };
    },
    /**
     * Edits a stored document as another server process with it open would: `rows` updates, committed as
     * log rows after its snapshot (through a GroupCommitter, as seedCold), while this process has it unloaded.
     * By default one row short of the log that makes a live document's server fold it (doc-store.ts).
     */
    appendCold: async (args: { context: DocContext; authorId: string; voterIds: string[]; seed: number; rows?: number }) => {
      const rows = args.rows ?? COMPACT_AFTER_ROWS - 1;
      const stored = await server.hub.store.load(args.context.docName);
      const doc = new Y.Doc();
      doc.clientID = 1_000 + args.seed;
      Y.applyUpdate(doc, stored.state!);
      if (stored.tail) Y.applyUpdate(doc, stored.tail);
      const log: Array<{ update: Uint8Array; touched: Set<string> }> = [];
      doc.on("update", (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => log.push({ update, touched: touchedAnnotations(tr.doc, tr) }));
      editHistory(doc, [...annotationsOf(doc).keys()].sort(), rows, rng(args.seed), args.voterIds);
      await commitLog(projectionSource(args.context, doc), log, args.authorId);
      doc.destroy();
      return { rows: log.length };
    },
  },
  () => server.stop(),
  allocations ? (windows) => allocations.windows(windows) : undefined,
);

/** Commits a document's updates in order, as log rows with their projection, 5,000 at a time. */
async function commitLog(source: PersistSource, log: Array<{ update: Uint8Array; touched: Set<string> }>, authorId: string) {
  const committer = new GroupCommitter(server.db, createLogger("silent"), { windowMs: 0, maxBatch: 1000 });
  for (let i = 0; i < log.length; i += 5000) {
    await Promise.all(log.slice(i, i + 5000).map((e) => committer.enqueue(source, e.update, authorId, e.touched)));
  }
  await committer.close();
}

/**
 * BENCH_COUNT_FRAMES=1: every second with traffic, how many updates sockets sent, how many fan-out flushes
 * went out and how many frames they made (one per receiving socket), on stderr.
 */
function frameCounter(): SyncObserver {
  let updates = 0;
  let flushes = 0;
  let frames = 0;
  setInterval(() => {
    if (updates) console.error(`[marginalia frames] updates in ${updates}/s, flushes ${flushes}/s, frames out ${frames}/s (${(frames / updates).toFixed(1)} per update)`);
    updates = flushes = frames = 0;
  }, 1000).unref();
  return {
    ...NO_OBSERVER,
    applied: () => void updates++,
    broadcast: (recipients) => void ((flushes += 1), (frames += recipients)),
  };
}

/**
 * A PersistSource over a plain Y.Doc, with the votes counted once rather than per annotation. The bench's
 * groups are not anonymous, so their member ids are the accounts' and the values go to storage as they are.
 */
function projectionSource(context: DocContext, doc: Y.Doc): PersistSource {
  const counts = new Map<string, { agree: number; disagree: number }>();
  for (const [key, value] of votesOf(doc).entries()) {
    const id = parseVoteKey(key)?.annotationId;
    if (!id) continue;
    const c = counts.get(id) ?? { agree: 0, disagree: 0 };
    if (value === "agree" || value === "disagree") c[value]++;
    counts.set(id, c);
  }
  return {
    context,
    stored: (id) => {
      const map = annotationsOf(doc).get(id);
      return map ? readAnnotation(map) : null;
    },
    votesFor: (ids) => new Map([...ids].map((id) => [id, counts.get(id) ?? { agree: 0, disagree: 0 }])),
  };
}

process.send!({ type: "ready", url: server.url, kind: server.kind });
