import { connect as tcpConnect } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation, notesOf, readAnnotations, setVote, updateAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { colorFor } from "../../src/sync/awareness.ts";
import { Connection } from "../../src/sync/connection.ts";
import type { LiveDocument } from "../../src/sync/document.ts";
import type { SyncHub } from "../../src/sync/hub.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { Rng, runSeed, seedFor } from "../support/seed.ts";
import { socketAuth } from "../support/socket-auth.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { connectCore, syncStep1, updateMessage } from "./support/core.ts";
import { docFrom, docState, expectedRows, groupContext, projectedRows, sleep, stateVector } from "./support/docs.ts";
import { Corpus, FRAME_KINDS, type FrameKind } from "./support/frames.ts";
import { SIZES, budget, report } from "./support/sizes.ts";

/**
 * Fuzzing the websocket. Hostile frames of every kind go to
 * one document while two honest clients keep editing it. The bulk goes
 * through the transport-independent core (a `Connection` per hostile client,
 * a new one whenever the last was closed), some through `hub.connect` (with
 * admission and the buffer before the document is ready), and a few thousand
 * over real websockets and raw TCP, to cover the socket glue. Under all of
 * it: nothing throws, only the offending connection is closed, and with a
 * protocol close code; the honest clients carry on and converge; the stored
 * document is what they hold; nothing leaks.
 */

const ALLOWED_CLOSES = new Set([4400, 4403, 4413, 1009, 1002, 1007]);
/** Every draw of this file comes from here (test/support/seed.ts); `MARGINALIA_SEED` replays a run. */
const SEED = seedFor("fuzz-socket");
/** Short, so that frames the server must wait out (truncated ones) end within the test's patience. */
const HEARTBEAT_MS = 2_000;

let t: TestApp;
let url: string;
let setup: Awaited<ReturnType<typeof articleWithMembers>>;
const honest: SyncClient[] = [];

/** The hub's own registers, read for the leak checks. */
const internals = (hub: SyncHub) => hub as unknown as { connections: Set<unknown>; perUser: Map<string, number> };

/** A real garbage collection, so that heap figures mean something (vitest does not expose `gc`). */
function collectGarbage() {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}
const heapMiB = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

beforeAll(async () => {
  console.log(`[fuzz-socket] seed ${SEED} (run seed ${runSeed()}; replay with MARGINALIA_SEED=${runSeed()})`);
  t = await createTestApp({ env: { SYNC_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
  url = await t.listen();
  setup = await articleWithMembers(t.app, ["annotator", "annotator", "viewer"]);
  honest.push(openSyncClient(url, setup.article.sync.room, setup.owner.token));
  honest.push(openSyncClient(url, setup.article.sync.room, setup.members[0]!.token));
  await Promise.all(honest.map((c) => c.synced));
  for (const c of honest) c.provider.awareness.setLocalStateField("selection", { start: 0, end: 3 });
});
afterAll(async () => {
  for (const c of honest) c.destroy();
  await t.close();
});

/** One honest edit by each honest client, of the kinds the UI offers. */
function honestEdits(n: number) {
  const [owner, annotator] = honest as [SyncClient, SyncClient];
  const ownerId = setup.owner.user.id;
  const annotatorId = setup.members[0]!.user.id;
  const id = createAnnotation(owner.doc, { kind: "comment", authorId: ownerId, body: `honest ${n}` });
  updateAnnotation(owner.doc, id, { tags: [`t${n % 7}`] });
  const theirs = readAnnotations(annotator.doc).filter((a) => a.authorId === annotatorId);
  if (theirs.length && n % 2) {
    const body = annotationsOf(annotator.doc).get(theirs[n % theirs.length]!.id)!.get("body") as Y.Text;
    body.insert(body.length, ` +${n}`);
  } else createAnnotation(annotator.doc, { kind: "highlight", authorId: annotatorId, body: `mine ${n}` });
  const all = readAnnotations(annotator.doc);
  if (all.length) setVote(annotator.doc, all[n % all.length]!.id, annotatorId, n % 3 ? "agree" : "disagree");
  notesOf(owner.doc).insert(0, `${n} `);
}

/** The honest clients and the server hold the same document. */
async function converged(live: LiveDocument) {
  await eventually(() => {
    for (const c of honest) {
      expect(stateVector(c.doc)).toEqual(stateVector(live.doc));
      expect(docState(c.doc)).toEqual(docState(live.doc));
    }
  }, 20_000);
}

type Tally = Record<string, number>;
const bump = (tally: Tally, key: string | number, by = 1) => (tally[String(key)] = (tally[String(key)] ?? 0) + by);

describe("fuzzing the websocket", () => {
  it(
    `survives ${SIZES.coreFrames} hostile frames through the core and ${SIZES.socketFrames} over sockets`,
    async () => {
      const started = Date.now();
      const rng = new Rng(SEED);
      const ctx = groupContext({ id: setup.article.id, groupId: setup.group.id });
      const room = setup.article.sync.room;
      const live = await t.hub.read(ctx, (l) => l); // kept loaded by the honest clients
      const logger = createLogger("silent");
      const fuzzers = [
        { user: setup.members[1]!, role: "annotator" as const },
        { user: setup.members[2]!, role: "viewer" as const },
      ];
      const corpus = new Corpus(rng, fuzzers[0]!.user.user.id);
      corpus.refresh(live.doc);
      honestEdits(0);
      await converged(live);

      const sent: Tally = {};
      const closes: Tally = {};
      const closesByKind: Record<string, Tally> = {};
      const survived: Tally = {}; // frames after which their connection stayed open (valid, or held)
      const connections: Tally = { core: 0, hub: 0, websocket: 0, tcp: 0 };
      let threw = 0;
      let maxFrameMs = 0;
      let unhandled = 0;
      const onUnhandled = () => unhandled++;
      process.on("unhandledRejection", onUnhandled);
      const heapBefore = heapMiB();

      // ---- the core: a Connection per hostile client, opened on the live document
      type Open = { connection: Connection; closed: { code: number } | null };
      let current: Open | null = null;
      const openDirect = (): Open => {
        const fuzzer = rng.pick(fuzzers);
        const state: Open = { connection: null as unknown as Connection, closed: null };
        state.connection = new Connection(
          { send() {}, close: (code) => (state.closed = { code }) },
          { acks: rng.chance(0.3), logger, maxBuffered: 256 },
        );
        state.connection.open(
          live,
          { userId: fuzzer.user.user.id, role: fuzzer.role, moderation: "open", room: { kind: "group", articleId: setup.article.id } },
          { id: fuzzer.user.user.id, name: fuzzer.user.user.name, color: colorFor(fuzzer.user.user.id) },
          fuzzer.user.user.id,
        );
        connections.core!++;
        return state;
      };
      const record = (kind: FrameKind, code: number) => {
        bump(closes, code);
        bump((closesByKind[kind] ??= {}), code);
      };

      for (let i = 0; i < SIZES.coreFrames; i++) {
        const kind = FRAME_KINDS[i % FRAME_KINDS.length]!;
        const bytes = corpus.frame(kind);
        bump(sent, kind);
        if (i % 500 === 0) {
          // Through admission: the frame arrives while the connection is still joining, and waits in its buffer.
          const core = connectCore(t.hub, room, rng.pick(fuzzers).user.token, rng.chance(0.3));
          connections.hub!++;
          core.connection.receive(bytes);
          await core.ready;
          if (core.closed) record(kind, core.closed.code);
          else core.connection.close(1000, "done");
          continue;
        }
        current ??= openDirect();
        const t0 = performance.now();
        try {
          current.connection.receive(bytes);
        } catch {
          threw++;
        }
        maxFrameMs = Math.max(maxFrameMs, performance.now() - t0);
        if (current.closed) {
          record(kind, current.closed.code);
          current = null;
        } else bump(survived, kind);
        if (i % 200 === 0) await new Promise((r) => setImmediate(r)); // let sockets, broadcasts and commits run
        if (i % 5_000 === 0) {
          honestEdits(i);
          corpus.refresh(live.doc);
        }
        if (i % 25_000 === 0) await converged(live);
      }
      current?.connection.close(1000, "done");
      current = null;

      const coreSeconds = (Date.now() - started) / 1000;
      // ---- real websockets: the glue in socket.ts, and what only a socket can send
      const wsBase = `${url.replace(/^http/, "ws")}/sync/${room}`;
      const socketKinds = [...FRAME_KINDS, "text", "bad-text", "oversized"] as const;
      const socketWorker = async (frames: number) => {
        let ws: WebSocket | null = null;
        let closed: Promise<number> | null = null;
        let probe: (() => void) | null = null;
        for (let i = 0; i < frames; i++) {
          if (!ws) {
            const fuzzer = rng.pick(fuzzers);
            const socket = new WebSocket(wsBase, { headers: socketAuth(fuzzer.user.token).headers });
            connections.websocket!++;
            closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
            // The probe's answer is a sync step 2 ([0, 1, …]); broadcasts are updates ([0, 2, …]) or awareness.
            socket.on("message", (data: Buffer) => {
              if (data[0] === 0 && data[1] === 1) probe?.();
            });
            socket.on("error", () => {});
            const opened = await Promise.race([new Promise<boolean>((r) => socket.on("open", () => r(true))), closed.then(() => false)]);
            if (!opened) {
              bump(closes, `${await closed} (before open)`);
              continue;
            }
            ws = socket;
          }
          const kind = socketKinds[rng.int(socketKinds.length)]!;
          bump(sent, `socket:${kind}`);
          if (kind === "text") ws.send("hello, not binary");
          else if (kind === "bad-text") ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
          else if (kind === "oversized") ws.send(new Uint8Array(1024 * 1024 + 1 + rng.int(1024)));
          else ws.send(corpus.frame(kind));
          // A sync step 1 after each frame: its answer means the socket is still open.
          if (ws.readyState === WebSocket.OPEN) ws.send(syncStep1(live.doc));
          const answered = new Promise<boolean>((r) => (probe = () => r(true)));
          // Patient: under a loaded CI machine an answer can take seconds; a socket that never answers is a bug.
          const outcome = await Promise.race([answered, closed!.then((code) => code), sleep(15_000).then(() => "silent" as const)]);
          probe = null;
          if (typeof outcome === "number") {
            bump(closes, outcome);
            bump((closesByKind[`socket:${kind}`] ??= {}), outcome);
            ws = null;
          } else if (outcome === "silent") {
            bump(closes, "silent");
            bump((closesByKind[`socket:${kind}`] ??= {}), "silent");
            ws.terminate();
            ws = null;
          }
        }
        ws?.close(1000);
      };
      const workers = 6;
      await Promise.all(Array.from({ length: workers }, () => socketWorker(Math.ceil(SIZES.socketFrames / workers))));

      const socketSeconds = (Date.now() - started) / 1000 - coreSeconds;
      // ---- raw TCP: websocket frames the `ws` client would never write
      const rawFrames: Array<[string, Uint8Array]> = [
        // Random bytes may read as a frame that promises more than is sent: the server then waits for the rest
        // until the heartbeat closes it (4408), as the truncated-frame test below checks on purpose.
        ["tcp:random", rng.bytes(24)],
        ["tcp:rsv-bits", new Uint8Array([0xf2, 0x81, 1, 2, 3, 4, 5])],
        ["tcp:bad-opcode", new Uint8Array([0x83, 0x81, 1, 2, 3, 4, 5])],
        ["tcp:unmasked", new Uint8Array([0x82, 0x03, 0, 0, 0])],
        ["tcp:huge-length", new Uint8Array([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])],
        ["tcp:long-ping", new Uint8Array([0x89, 0xfe, 0x00, 0x80, 1, 2, 3, 4, ...new Uint8Array(128)])],
        ["tcp:fragmented-ping", new Uint8Array([0x09, 0x80, 1, 2, 3, 4])],
        ["tcp:orphan-continuation", new Uint8Array([0x00, 0x81, 1, 2, 3, 4, 5])],
      ];
      const port = Number(new URL(url).port);
      for (let i = 0; i < Math.max(rawFrames.length, Math.round(SIZES.socketFrames / 30)); i++) {
        const [kind, bytes] = rawFrames[i % rawFrames.length]!;
        bump(sent, kind);
        connections.tcp!++;
        const code = await rawSession(port, `/sync/${room}`, fuzzers[0]!.user.token, bytes);
        bump(closes, code);
        bump((closesByKind[kind] ??= {}), code);
      }

      process.off("unhandledRejection", onUnhandled);

      // ---- the honest clients carried on
      honestEdits(SIZES.coreFrames + 1);
      await converged(live);
      for (const c of honest) expect(c.closes, "an honest client was closed").toEqual([]);

      // ---- nothing leaked: no connection, presence or per-user count outlives its socket
      await eventually(() => {
        expect(internals(t.hub).connections.size).toBe(honest.length);
        expect(live.peers.size).toBe(honest.length);
        expect([...live.awareness.getStates().keys()].sort()).toEqual(honest.map((c) => c.doc.clientID).sort());
        expect(live.awarenessOwners.size).toBe(honest.length);
        for (const f of fuzzers) expect(internals(t.hub).perUser.get(f.user.user.id) ?? 0).toBe(0);
      }, 10_000);
      await t.hub.committer.flush();
      const heapAfter = heapMiB();

      // ---- the stored document is intact: what the database loads is what everyone holds
      // Nothing the server let through waits on content it lacks: such structs would be echoed to every client.
      expect(live.doc.store.pendingStructs, "structs Yjs set aside as pending").toBeNull();
      expect(live.doc.store.pendingDs, "deletions Yjs set aside as pending").toBeNull();
      const { state } = await t.hub.store.load(room);
      const stored = docFrom(state);
      expect(stateVector(stored)).toEqual(stateVector(live.doc));
      expect(docState(stored)).toEqual(docState(live.doc));
      expect(await projectedRows(t.database.db, setup.article.id)).toEqual(expectedRows(live.doc, room));

      const total = Object.values(sent).reduce((a, b) => a + b, 0);
      // Only random bytes may leave the server waiting for the rest of a frame, which the heartbeat ends.
      const waitedOut = closesByKind["tcp:random"]?.[SYNC_CLOSE_CODES.timeout] ?? 0;
      const unexpected = Object.keys(closes).filter(
        (code) => !ALLOWED_CLOSES.has(Number(code)) && !(Number(code) === SYNC_CLOSE_CODES.timeout && closes[code] === waitedOut),
      );
      report("fuzz-socket", {
        seed: SEED,
        framesSent: total,
        sentByKind: sent,
        connections,
        closesByCode: closes,
        closesByKind,
        survivedByKind: survived,
        crashes: threw + unhandled,
        maxFrameMs: Math.round(maxFrameMs),
        heapMiB: { before: Math.round(heapBefore), after: Math.round(heapAfter) },
        annotations: annotationsOf(live.doc).size,
        documentBytes: Y.encodeStateAsUpdate(live.doc).length,
        seconds: { total: Math.round((Date.now() - started) / 1000), core: Math.round(coreSeconds), sockets: Math.round(socketSeconds) },
      });
      expect(total).toBeGreaterThanOrEqual(SIZES.coreFrames + SIZES.socketFrames);
      expect(threw, "frames that made the core throw").toBe(0);
      expect(unhandled, "unhandled rejections").toBe(0);
      expect(closes["1011"], "1011 is only for a document that failed to load").toBeUndefined();
      expect(unexpected, `unexpected close codes (seed ${SEED})`).toEqual([]);
      expect(maxFrameMs, "one frame held the event loop").toBeLessThan(2_000);
      expect(heapAfter - heapBefore, "heap growth in MiB").toBeLessThan(64);
    },
    budget(SIZES.coreFrames + SIZES.socketFrames * 20, 1),
  );

  it("waits for the rest of a frame that promises more bytes than it sends, and closes it with 4408 at the heartbeat", async () => {
    // A binary frame whose masked header announces 100 bytes, followed by 10 of them. The server cannot
    // read anything after it (a pong included) until the rest arrives, so it is right to wait; the
    // heartbeat is what ends the wait: the first ping goes unanswered, and the next tick closes.
    const port = Number(new URL(url).port);
    const truncated = new Uint8Array([0x82, 0x80 | 100, 1, 2, 3, 4, ...new Uint8Array(10)]);
    const started = Date.now();
    const outcome = await rawSession(port, `/sync/${setup.article.sync.room}`, setup.members[1]!.token, truncated);
    const waited = Date.now() - started;
    expect(outcome).toBe(SYNC_CLOSE_CODES.timeout);
    expect(waited, "closed before the peer missed a ping").toBeGreaterThanOrEqual(HEARTBEAT_MS);
    // The same frame sent whole is an ordinary (malformed) message, refused at once.
    const whole = new Uint8Array([0x82, 0x80 | 3, 1, 2, 3, 4, 0xff, 0xff, 0xff]);
    expect(await rawSession(port, `/sync/${setup.article.sync.room}`, setup.members[1]!.token, whole)).toBe(SYNC_CLOSE_CODES.badMessage);
    for (const c of honest) expect(c.closes, "an honest client was closed").toEqual([]);
  });

  it("shows a client's presence again after it reconnects, although others echoed its departure", async () => {
    // y-websocket providers re-send every awareness change they see, removals included. The echo of a departed
    // client's removal used to make the echoing connection the owner of that client id, for as long as it stayed:
    // the returning client's own presence was then dropped, and every departure left an entry behind.
    const [watcher] = honest as [SyncClient];
    const member = setup.members[0]!;
    const returning = openSyncClient(url, setup.article.sync.room, member.token);
    try {
      await returning.synced;
      const seen = () => watcher.provider.awareness.getStates().get(returning.doc.clientID) as { user?: { id: string }; selection?: unknown } | undefined;
      returning.provider.awareness.setLocalStateField("selection", { start: 1, end: 2 });
      await eventually(() => expect(seen()?.selection).toEqual({ start: 1, end: 2 }), 5_000);
      // The network drops (no goodbye from the client): the server removes its presence, the watcher echoes that.
      (returning.provider.ws as unknown as WebSocket).terminate();
      await eventually(() => expect(seen()).toBeUndefined(), 5_000);
      // The provider reconnects by itself.
      await eventually(() => expect(returning.provider.synced, `reconnected (closes: ${JSON.stringify(returning.closes)})`).toBe(true), 20_000);
      returning.provider.awareness.setLocalStateField("selection", { start: 5, end: 9 });
      await eventually(() => expect(seen()).toMatchObject({ user: { id: member.user.id }, selection: { start: 5, end: 9 } }), 10_000);
    } finally {
      returning.destroy();
    }
  });

  it("holds a forged deletion of content the server does not have yet, and refuses it once that content arrives", async () => {
    // Before the fix, Yjs kept such a delete set pending and applied it to whatever was written there later:
    // an annotator could delete the owner's next annotation before it existed.
    const [owner] = honest as [SyncClient];
    const attacker = connectCore(t.hub, setup.article.sync.room, setup.members[1]!.token);
    await attacker.ready;
    const victim = owner.doc.clientID;
    const from = Y.getState(owner.doc.store, victim);
    const forged = encoding.createEncoder(); // a Yjs v1 update with no structs and one delete-set range
    for (const n of [0, 1, victim, 1, from, 10_000]) encoding.writeVarUint(forged, n);
    attacker.connection.receive(updateMessage(encoding.toUint8Array(forged)));
    await sleep(20);
    expect(attacker.closed).toBeNull(); // held: it can be judged only once that content exists

    const id = createAnnotation(owner.doc, { kind: "comment", authorId: setup.owner.user.id, body: "written after the forged delete" });
    const ctx = groupContext({ id: setup.article.id, groupId: setup.group.id });
    await eventually(async () => expect(await t.hub.read(ctx, (l) => annotationsOf(l.doc).has(id))).toBe(true), 5_000);
    // Once that content exists, the held update is judged again, against it.
    expect((await attacker.done).code).toBe(4403);
    await sleep(50);
    expect(await t.hub.read(ctx, (l) => annotationsOf(l.doc).has(id))).toBe(true);
    expect(annotationsOf(owner.doc).has(id)).toBe(true);
  });
});

/** Opens a websocket by hand over TCP, writes raw frame bytes, and returns the close code the server sends. */
function rawSession(port: number, path: string, session: string, bytes: Uint8Array): Promise<number | string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const done = (result: number | string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done("silent"), 10_000);
    socket.on("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Cookie: ${socketAuth(session).headers.cookie}\r\n` +
          `Sec-WebSocket-Key: ${Buffer.from("marginalia fuzz!").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (!buffer.subarray(0, end).toString().startsWith("HTTP/1.1 101")) return done("refused upgrade");
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        socket.write(bytes);
      }
      // Server frames are unmasked: opcode, length (7, 16 or 64 bits), payload.
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        if (opcode === 0x8) return done(length >= 2 ? buffer.readUInt16BE(offset) : "close without code");
        buffer = buffer.subarray(offset + length);
      }
    });
    socket.on("close", () => done("ended without close frame"));
    socket.on("error", () => done("socket error"));
  });
}
