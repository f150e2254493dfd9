import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Redis } from "ioredis";
import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { docUpdates } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "../src/db.ts";
import { RedisRelay } from "../src/sync/broadcast/relay.ts";
import { FRAME, ID_BYTES, encodeFrame } from "../src/sync/broadcast/relay-frame.ts";
import { LiveDocument } from "../src/sync/document/document.ts";
import { largeState } from "../src/sync/document/large-state-testing.ts";
import { DocStore } from "../src/sync/persist/doc-store.ts";
import { compactionWorker } from "../src/sync/persist/yjs-worker.ts";
import { requiredInCi } from "./support/ci.ts";
import { openTestDatabase } from "./support/database.ts";
import { type RedisServer, hasRedisServer, startRedis } from "./support/redis.ts";
import { eventually } from "./support/sync-client.ts";

/**
 * The relay's resync from the database (docs/architecture.md, "More than one process"): on attaching a document
 * it reads the stored state again, and applies only what the copy lacks. A large document served cold from its
 * loaded bytes stays so when it lacks nothing; what another process committed in the window still arrives.
 */
const noRedis = requiredInCi("relay-resync.test", hasRedisServer() ? null : "no redis-server binary on PATH");

describe.runIf(!noRedis)("the relay's resync of a loaded document", () => {
  let redis: RedisServer;
  let database: Database;
  let store: DocStore;
  let relay: RedisRelay;
  let admin: Redis;
  const prefix = `resync-${randomUUID()}:`;
  /** The relay's log lines, parsed. */
  const lines: Array<{ msg: string; doc?: string; bytes?: number }> = [];
  const logger = pino(
    { level: "debug" },
    new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString())), done()) }),
  );
  const resynced = (name: string) => lines.filter((line) => line.msg === "resynced from the database" && line.doc === name);

  beforeAll(async () => {
    redis = await startRedis();
    database = await openTestDatabase();
    store = new DocStore(database.db);
    relay = new RedisRelay({ url: redis.url, logger, store, channelPrefix: prefix });
    admin = new Redis(redis.url);
    await eventually(() => expect(relay.connected()).toBe(true), 5_000);
  });

  afterAll(async () => {
    admin?.disconnect();
    await relay?.close();
    await database?.close();
    await redis?.kill();
  });

  /** A large document stored as one verified snapshot, loaded cold as the server loads it; builds in slices are held off. */
  async function loadedCold() {
    const name = `article:resync-${randomUUID()}`;
    const { doc, state } = largeState();
    await database.db.insert(docUpdates).values({ docName: name, update: state, userId: null });
    while ((await store.compact(name, { whole: true })) > 0);
    const loaded = await store.load(name);
    expect(loaded.verified).toBe(true);
    const built = { count: 0 };
    const live = new LiveDocument(
      { docName: name, articleId: randomUUID(), groupId: "g", visibility: "group", revision: 1 },
      { persist: () => Promise.resolve(), built: () => void built.count++ },
      { bytes: loaded.state!, tail: loaded.tail, servable: true, headroom: loaded.headroom, stateVector: loaded.stateVector },
    );
    return { name, doc, live, built };
  }

  it("leaves a large cold document cold and applies nothing when it lacks nothing", async () => {
    // The planned build in slices would otherwise start a second after the load, and blur what the resync did.
    const cut = vi.spyOn(compactionWorker, "slices").mockReturnValue(new Promise(() => {}));
    const { name, live, built } = await loadedCold();
    const applied = vi.spyOn(live, "applyRemote");
    try {
      relay.attach(live);
      // Over once it logs, or once it applies something, which it should not.
      await eventually(() => expect(resynced(name).length + applied.mock.calls.length).toBeGreaterThan(0), 10_000);
      expect(applied).not.toHaveBeenCalled();
      expect(resynced(name).map((line) => line.bytes)).toEqual([0]);
      expect(live.isCold).toBe(true);
      expect(built.count).toBe(0);
    } finally {
      relay.detach(live);
      live.destroy();
      cut.mockRestore();
    }
  });

  it("brings in a deletion, then an insert, that another process committed after the load", async () => {
    const { name, doc, live } = await loadedCold();
    const ids = [...annotationsOf(doc).keys()];
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc));
    const commit = async (change: () => void) => {
      const before = Y.encodeStateVector(writer);
      change();
      await database.db.insert(docUpdates).values({ docName: name, update: Y.encodeStateAsUpdate(writer, before), userId: null });
    };
    try {
      // A deletion alone: no new struct, only the delete set says it.
      await commit(() => annotationsOf(writer).delete(ids[0]!));
      relay.attach(live);
      await eventually(() => expect(annotationsOf(live.doc).has(ids[0]!)).toBe(false), 10_000);
      expect(annotationsOf(live.doc).size).toBe(ids.length - 1);

      // Then an insert, found by the resync a `stale` frame asks for.
      await commit(() => createAnnotation(writer, { kind: "comment", authorId: "u", body: "committed elsewhere" }));
      await admin.publish(prefix + name, encodeFrame(FRAME.stale, new Uint8Array(ID_BYTES).fill(9)));
      await eventually(() => expect(readAnnotations(live.doc).map((a) => a.body)).toContain("committed elsewhere"), 10_000);
      expect(readAnnotations(live.doc)).toEqual(readAnnotations(writer));
    } finally {
      relay.detach(live);
      live.destroy();
    }
  });
});
