import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, annotationsOf, createAnnotation } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId } from "../authorize/authorize-testing.ts";
import { Connection } from "../connection/connection.ts";
import { LiveDocument } from "./document.ts";
import { STEP2_HEADROOM, updateMessage } from "../connection/messages.ts";
import { BUILD_AFTER_MS } from "./sliced-build.ts";
import { compactionWorker, yjsWorker } from "../persist/yjs-worker.ts";
import { largeState } from "./large-state-testing.ts";
import { SETTLED } from "../../../test/support/settled.ts";

/** A client's sync step 1, as a message. */
function step1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** A group document's context, by name. */
const context = (docName: string) => ({ docName, articleId, groupId: "g", visibility: "group" as const, revision: 1 });

/**
 * A write that reaches a large document while it is built in slices
 * (document.ts, connection.ts) waits for the last slice instead of making
 * the server apply the rest at once on the event loop; then it is judged and
 * applied as ever, in order.
 */
describe("a write during a build in slices", () => {
  it("waits for the build, then is applied in order", async () => {
    const { doc: client, state } = largeState();
    const stored: Uint8Array[] = [];
    const live = new LiveDocument(context("article:a"), { persist: (_live, update) => (stored.push(update), Promise.resolve()) }, { bytes: state, servable: true });
    expect(live.isBuilding).toBe(true);

    const sent: Uint8Array[] = [];
    const connection = new Connection({ send: (m) => void sent.push(m), close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
    connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);

    const updates: Uint8Array[] = [];
    client.on("update", (u: Uint8Array) => updates.push(u));
    const first = createAnnotation(client, { kind: "comment", authorId: alice, body: "written while the server builds" });
    const second = createAnnotation(client, { kind: "comment", authorId: alice, body: "and another" });
    for (const u of updates) connection.receive(updateMessage(u));
    // Neither forced the build: the document is still cold, and nothing was stored yet.
    expect(live.isCold).toBe(true);
    expect(stored).toHaveLength(0);

    await live.whenBuilt();
    await new Promise((resolve) => setImmediate(resolve));
    expect(live.isBuilding).toBe(false);
    expect(connection.phase).toBe("open");
    expect(stored).toHaveLength(2);
    const annotations = annotationsOf(live.doc);
    expect(annotations.size).toBe(202);
    expect(annotations.has(first) && annotations.has(second)).toBe(true);
    live.destroy();
  });

  it("answers new clients from the loaded bytes with one step 2, framed in the room the load left, while the build goes on", async () => {
    const { doc: client, state } = largeState();
    const roomy = new Uint8Array(new SharedArrayBuffer(STEP2_HEADROOM + state.byteLength), STEP2_HEADROOM);
    roomy.set(state);
    const live = new LiveDocument(context("article:b"), { persist: () => Promise.resolve() }, { bytes: roomy, servable: true, headroom: STEP2_HEADROOM });
    const empty = Y.encodeStateVector(new Y.Doc());
    const [message, ...more] = await live.syncStep2For(empty);
    expect(more).toEqual([]);
    // The state's own buffer, not a copy, and the same message for the next new client.
    expect(message!.buffer).toBe(roomy.buffer);
    expect((await live.syncStep2For(empty))[0]).toBe(message);
    const decoder = decoding.createDecoder(message!);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
    expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsSyncStep2);
    const reader = new Y.Doc();
    Y.applyUpdate(reader, decoding.readVarUint8Array(decoder));
    expect(annotationsOf(reader).size).toBe(annotationsOf(client).size);
    // A client that has some of it gets the difference, and the build in slices carried on regardless.
    const diff = await live.syncStep2For(Y.encodeStateVector(client));
    expect(diff).toHaveLength(1);
    expect(diff[0]!.byteLength).toBeLessThan(100);
    expect(live.isBuilding).toBe(true);
    await live.whenBuilt();
    expect(live.isCold).toBe(false);
    expect(annotationsOf(live.doc).size).toBe(200);
    live.destroy();
  });

  it("answers a returning client's step 1 on a large cold document once it is built, and a new client's at once", async () => {
    const { doc: client, state } = largeState();
    const live = new LiveDocument(context("article:g"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    try {
      const open = (sent: Uint8Array[]) => {
        const connection = new Connection({ send: (m) => void sent.push(m), close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
        connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
        return connection;
      };
      const step2s = (sent: Uint8Array[]) =>
        sent.filter((m) => {
          const decoder = decoding.createDecoder(m);
          return decoding.readVarUint(decoder) === MESSAGE_SYNC && decoding.readVarUint(decoder) === syncProtocol.messageYjsSyncStep2;
        });
      const newcomer: Uint8Array[] = [];
      open(newcomer).receive(step1(new Y.Doc()));
      expect(step2s(newcomer)).toHaveLength(1);
      const returning: Uint8Array[] = [];
      open(returning).receive(step1(client));
      // Not answered from the loaded bytes (a pass over all of them on the event loop), but after the build.
      expect(step2s(returning)).toHaveLength(0);
      expect(live.isCold).toBe(true);
      await live.whenBuilt();
      expect(live.isCold).toBe(false);
      // Encoded a slice per turn (sliced-encode.ts): on a busy machine that takes more turns than one.
      await vi.waitFor(() => expect(step2s(returning)).toHaveLength(1), { timeout: 10_000, interval: 5 });
      const [answer] = step2s(returning);
      const decoder = decoding.createDecoder(answer!);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      // The client had everything: only the (empty) delete set comes back.
      expect(decoding.readVarUint8Array(decoder).byteLength).toBeLessThan(100);
    } finally {
      live.destroy();
    }
  });

  it("refuses a step 1 whose state vector does not read with 4400 on a large document, as on a small one", async () => {
    const { state } = largeState();
    const live = new LiveDocument(context("article:g-bad-vector"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    try {
      const closes: number[] = [];
      const connection = new Connection({ send: () => {}, close: (code) => void closes.push(code) }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
      connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
      // A vector that claims 2^53 clients and lists none.
      const vector = encoding.createEncoder();
      encoding.writeVarUint(vector, Number.MAX_SAFE_INTEGER);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1);
      encoding.writeVarUint8Array(encoder, encoding.toUint8Array(vector));
      connection.receive(encoding.toUint8Array(encoder));
      await live.whenBuilt();
      await vi.waitFor(() => expect(closes).toEqual([4400]), SETTLED);
    } finally {
      live.destroy();
    }
  });

  it("starts a large document's build after a wait, or at the first write, and never for one closed before", async () => {
    const cuts = vi.spyOn(compactionWorker, "slices");
    const { doc: client, state } = largeState();
    // The wait is a timer the test moves on by hand; the build's own turns (setImmediate) stay real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const closedSoon = new LiveDocument(context("article:c"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    const kept = new LiveDocument(context("article:d"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    const written = new LiveDocument(context("article:e"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    expect(cuts).not.toHaveBeenCalled();
    closedSoon.destroy();

    // A write does not wait out the delay: it starts the build and waits for it.
    const connection = new Connection({ send: () => {}, close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
    connection.open(written, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
    const updates: Uint8Array[] = [];
    client.on("update", (u: Uint8Array) => updates.push(u));
    createAnnotation(client, { kind: "comment", authorId: alice, body: "the first write" });
    for (const u of updates) connection.receive(updateMessage(u));
    expect(cuts).toHaveBeenCalledTimes(1);
    await written.whenBuilt();
    expect(written.isCold).toBe(false);

    // The one left alone is cut once the delay is over, not before; the one closed before, never.
    vi.advanceTimersByTime(BUILD_AFTER_MS - 1);
    expect(cuts).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(cuts).toHaveBeenCalledTimes(2);
    await kept.whenBuilt();
    expect(kept.isCold).toBe(false);
    expect(annotationsOf(kept.doc).size).toBe(200);
    expect(cuts).toHaveBeenCalledTimes(2);
    kept.destroy();
    written.destroy();
  });
});

/** The state vector in a connection's sync step 1, among the messages it sent. */
function step1Of(sent: Uint8Array[]) {
  for (const message of sent) {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC || decoding.readVarUint(decoder) !== syncProtocol.messageYjsSyncStep1) continue;
    return Object.fromEntries(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
  }
  return null;
}

describe("building a loaded document", () => {
  it("writes no update out for the document's listeners, in slices or whole, and they hear every change after", async () => {
    const { state } = largeState();
    const sliced = new LiveDocument(context("article:unheard-1"), { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    const whole = new LiveDocument(context("article:unheard-2"), { persist: () => Promise.resolve() }, { bytes: state.slice(0, state.length), servable: false });
    // Listening before the build, as the document's own listener does: Yjs writes each transaction out for it.
    const heard: unknown[] = [];
    for (const live of [sliced, whole]) (live as unknown as { ydoc: Y.Doc }).ydoc.on("update", (_u: Uint8Array, origin: unknown) => heard.push(origin));
    await sliced.whenBuilt();
    void whole.doc;
    expect(annotationsOf(sliced.doc).size).toBe(200);
    expect(annotationsOf(whole.doc).size).toBe(200);
    expect(heard).toEqual([]);
    createAnnotation(sliced.doc, { kind: "comment", authorId: alice, body: "after the build" }, "a change");
    createAnnotation(whole.doc, { kind: "comment", authorId: alice, body: "after the build" }, "another");
    expect(heard).toEqual(["a change", "another"]);
    sliced.destroy();
    whole.destroy();
  });
});

describe("a cold document's state vector", () => {
  it("comes from the one stored with the snapshot when there is one, else from the bytes on the worker", async () => {
    const reads = vi.spyOn(yjsWorker, "stateVector");
    const { doc: client, state } = largeState();
    const expected = Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(client)));
    for (const stored of [Y.encodeStateVector(client), null]) {
      const live = new LiveDocument(context("article:f"), { persist: () => Promise.resolve() }, { bytes: state, servable: true, stateVector: stored });
      const sent: Uint8Array[] = [];
      const connection = new Connection({ send: (m) => void sent.push(m), close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
      connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
      await vi.waitFor(() => expect(step1Of(sent)).toEqual(expected), SETTLED);
      expect(reads).toHaveBeenCalledTimes(stored ? 0 : 1);
      expect(live.isCold).toBe(true);
      live.destroy();
    }
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
