import WebSocket from "ws";
import { expect } from "vitest";
import { createLogger } from "../../../src/logger.ts";
import { colorFor } from "../../../src/sync/presence/awareness.ts";
import { Connection } from "../../../src/sync/connection/connection.ts";
import type { LiveDocument } from "../../../src/sync/document/document.ts";
import type { SyncHub } from "../../../src/sync/hub.ts";
import type { Member } from "../../support/article.ts";
import type { Rng } from "../../support/seed.ts";
import { socketAuth } from "../../support/socket-auth.ts";
import { type SyncClient, eventually } from "../../support/sync-client.ts";
import { connectCore, syncStep1 } from "./core.ts";
import { sleep } from "../../support/sleep.ts";
import { type Corpus, FRAME_KINDS, type FrameKind } from "./frames.ts";
import { rawSession } from "./raw-session.ts";

/*
 * The phases of the websocket fuzzing (fuzz-socket.test.ts), one function each: frames through the
 * core, through hub.connect's admission, over real websockets and over raw TCP, then the leak checks.
 * Every phase draws from the arena's one seeded Rng, in the order the test runs them.
 */

type Tally = Record<string, number>;
const bump = (tally: Tally, key: string | number, by = 1) => (tally[String(key)] = (tally[String(key)] ?? 0) + by);

/** What a run sent and how the server answered, by frame kind: the test's report prints it and its assertions read it. */
export class FuzzTally {
  sent: Tally = {};
  closes: Tally = {};
  closesByKind: Record<string, Tally> = {};
  survived: Tally = {}; // frames after which their connection stayed open (valid, or held)
  connections: Tally = { core: 0, hub: 0, websocket: 0, tcp: 0 };
  threw = 0;
  maxFrameMs = 0;

  send(kind: string) {
    bump(this.sent, kind);
  }

  /** The server closed a connection with `code` after a frame of `kind`. */
  closed(kind: string, code: number | string) {
    bump(this.closes, code);
    bump((this.closesByKind[kind] ??= {}), code);
  }
}

export type Fuzzer = { user: Member; role: "annotator" | "viewer" };
export type Arena = { hub: SyncHub; live: LiveDocument; room: string; articleId: string; rng: Rng; corpus: Corpus; fuzzers: Fuzzer[]; tally: FuzzTally };

type Open = { connection: Connection; closed: { code: number } | null };

/** A Connection per hostile client, opened straight on the live document: the transport-independent core. */
function openDirect(a: Arena, logger: ReturnType<typeof createLogger>): Open {
  const fuzzer = a.rng.pick(a.fuzzers);
  const state: Open = { connection: null as unknown as Connection, closed: null };
  state.connection = new Connection(
    { send() {}, close: (code) => (state.closed = { code }) },
    { acks: a.rng.chance(0.3), logger, maxBuffered: 256 },
  );
  state.connection.open(
    a.live,
    { userId: fuzzer.user.user.id, role: fuzzer.role, moderation: "open", room: { kind: "group", articleId: a.articleId } },
    { id: fuzzer.user.user.id, name: fuzzer.user.user.name, color: colorFor(fuzzer.user.user.id) },
    fuzzer.user.user.id,
  );
  a.tally.connections.core!++;
  return state;
}

/** Through admission: the frame arrives while its connection is still joining, and waits in its buffer. */
async function fuzzAdmission(a: Arena, kind: FrameKind, bytes: Uint8Array) {
  const core = connectCore(a.hub, a.room, a.rng.pick(a.fuzzers).user.token, a.rng.chance(0.3));
  a.tally.connections.hub!++;
  core.connection.receive(bytes);
  await core.ready;
  if (core.closed) a.tally.closed(kind, core.closed.code);
  else core.connection.close(1000, "done");
}

/** `frames` hostile frames through the core, one in 500 through hub.connect; the honest side gets turns in between. */
export async function fuzzCore(a: Arena, frames: number, honest: { edit(n: number): void; converged(): Promise<void> }) {
  const logger = createLogger("silent");
  let current: Open | null = null;
  for (let i = 0; i < frames; i++) {
    const kind = FRAME_KINDS[i % FRAME_KINDS.length]!;
    const bytes = a.corpus.frame(kind);
    a.tally.send(kind);
    // Offset from the multiples of 5,000 below, which would otherwise always take this path and
    // never give the honest side its turn or check convergence mid-run.
    if (i % 500 === 250) {
      await fuzzAdmission(a, kind, bytes);
      continue;
    }
    current ??= openDirect(a, logger);
    const t0 = performance.now();
    try {
      current.connection.receive(bytes);
    } catch {
      a.tally.threw++;
    }
    a.tally.maxFrameMs = Math.max(a.tally.maxFrameMs, performance.now() - t0);
    if (current.closed) {
      a.tally.closed(kind, current.closed.code);
      current = null;
    } else bump(a.tally.survived, kind);
    if (i % 200 === 0) await new Promise((r) => setImmediate(r)); // let sockets, broadcasts and commits run
    if (i % 5_000 === 0) {
      honest.edit(i);
      a.corpus.refresh(a.live.doc);
    }
    if (i % 25_000 === 0) await honest.converged();
  }
  current?.connection.close(1000, "done");
}

/** Real websockets, `workers` side by side: the glue in socket.ts, and what only a socket can send. */
export async function fuzzWebsockets(a: Arena, url: string, frames: number, workers: number) {
  const wsBase = `${url.replace(/^http/, "ws")}/sync/${a.room}`;
  const socketKinds = [...FRAME_KINDS, "text", "bad-text", "oversized"] as const;
  const socketWorker = async (count: number) => {
    let ws: WebSocket | null = null;
    let closed: Promise<number> | null = null;
    let probe: (() => void) | null = null;
    for (let i = 0; i < count; i++) {
      if (!ws) {
        const fuzzer = a.rng.pick(a.fuzzers);
        const socket = new WebSocket(wsBase, { headers: socketAuth(fuzzer.user.token).headers });
        a.tally.connections.websocket!++;
        closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
        // The probe's answer is a sync step 2 ([0, 1, …]); broadcasts are updates ([0, 2, …]) or awareness.
        socket.on("message", (data: Buffer) => {
          if (data[0] === 0 && data[1] === 1) probe?.();
        });
        socket.on("error", () => {});
        const opened = await Promise.race([new Promise<boolean>((r) => socket.on("open", () => r(true))), closed.then(() => false)]);
        if (!opened) {
          bump(a.tally.closes, `${await closed} (before open)`);
          continue;
        }
        ws = socket;
      }
      const kind = socketKinds[a.rng.int(socketKinds.length)]!;
      a.tally.send(`socket:${kind}`);
      if (kind === "text") ws.send("hello, not binary");
      else if (kind === "bad-text") ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      else if (kind === "oversized") ws.send(new Uint8Array(1024 * 1024 + 1 + a.rng.int(1024)));
      else ws.send(a.corpus.frame(kind));
      // A sync step 1 after each frame: its answer means the socket is still open.
      if (ws.readyState === WebSocket.OPEN) ws.send(syncStep1(a.live.doc));
      const answered = new Promise<boolean>((r) => (probe = () => r(true)));
      // Patient: under a loaded CI machine an answer can take seconds; a socket that never answers is a bug.
      const outcome = await Promise.race([answered, closed!.then((code) => code), sleep(15_000).then(() => "silent" as const)]);
      probe = null;
      if (typeof outcome === "number") {
        a.tally.closed(`socket:${kind}`, outcome);
        ws = null;
      } else if (outcome === "silent") {
        a.tally.closed(`socket:${kind}`, "silent");
        ws.terminate();
        ws = null;
      }
    }
    ws?.close(1000);
  };
  await Promise.all(Array.from({ length: workers }, () => socketWorker(Math.ceil(frames / workers))));
}

/** Raw TCP, one session per frame: websocket frames the `ws` client would never write. */
export async function fuzzTcp(a: Arena, url: string, sessions: number) {
  const rawFrames: Array<[string, Uint8Array]> = [
    // Random bytes may read as a frame that promises more than is sent: the server then waits for the rest
    // until the heartbeat closes it (4508), as the truncated-frame case in fuzz-socket-edges.test.ts checks on purpose.
    ["tcp:random", a.rng.bytes(24)],
    ["tcp:rsv-bits", new Uint8Array([0xf2, 0x81, 1, 2, 3, 4, 5])],
    ["tcp:bad-opcode", new Uint8Array([0x83, 0x81, 1, 2, 3, 4, 5])],
    ["tcp:unmasked", new Uint8Array([0x82, 0x03, 0, 0, 0])],
    ["tcp:huge-length", new Uint8Array([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])],
    ["tcp:long-ping", new Uint8Array([0x89, 0xfe, 0x00, 0x80, 1, 2, 3, 4, ...new Uint8Array(128)])],
    ["tcp:fragmented-ping", new Uint8Array([0x09, 0x80, 1, 2, 3, 4])],
    ["tcp:orphan-continuation", new Uint8Array([0x00, 0x81, 1, 2, 3, 4, 5])],
  ];
  const port = Number(new URL(url).port);
  for (let i = 0; i < Math.max(rawFrames.length, sessions); i++) {
    const [kind, bytes] = rawFrames[i % rawFrames.length]!;
    a.tally.send(kind);
    a.tally.connections.tcp!++;
    a.tally.closed(kind, await rawSession(port, `/sync/${a.room}`, a.fuzzers[0]!.user.token, bytes));
  }
}

/** The hub's own registers, read for the leak checks. */
const internals = (hub: SyncHub) => hub as unknown as { connections: Set<unknown>; perUser: Map<string, number> };

/** Nothing leaked: no connection, presence or per-user count outlives its socket; only the honest clients remain. */
export async function expectNoLeaks(a: Arena, honest: SyncClient[]) {
  await eventually(() => {
    expect(internals(a.hub).connections.size).toBe(honest.length);
    expect(a.live.peers.size).toBe(honest.length);
    expect([...a.live.awareness.getStates().keys()].sort()).toEqual(honest.map((c) => c.doc.clientID).sort());
    expect(a.live.awarenessOwners.size).toBe(honest.length);
    for (const f of a.fuzzers) expect(internals(a.hub).perUser.get(f.user.user.id) ?? 0).toBe(0);
  }, 10_000);
}
