import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation, notesOf } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { CLOSE_CODES } from "../../errors.ts";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId } from "../authorize/authorize-testing.ts";
import { AccountLimits, MAX_UNSTORED_UPDATES } from "./account-limits.ts";
import { Connection } from "./connection.ts";
import { LiveDocument } from "../document/document.ts";
import { updateMessage } from "./messages.ts";
import { applied, quiet, room, typing } from "./connection-testing.ts";
import { SETTLED } from "../../../test/support/settled.ts";

const context = (docName: string) => ({ docName, articleId, groupId: "g", visibility: "group" as const, revision: 1 });

/** A document whose commits wait until the test lets them land; what landed is counted. */
function slowlyStored(name: string) {
  const landing: Array<() => void> = [];
  const stored: Uint8Array[] = [];
  const live = new LiveDocument(context(name), { persist: (_live, update) => new Promise<void>((resolve) => landing.push(() => (stored.push(update), resolve()))) });
  return { live, landing, stored };
}

/** A socket of alice's on `live`, with a loop share and the account limits given. */
function open(live: LiveDocument, { loopShareMs, limits = new AccountLimits() }: { loopShareMs?: number; limits?: AccountLimits } = {}) {
  const closes: number[] = [];
  const sent: Uint8Array[] = [];
  const connection = new Connection(
    { send: (m) => void sent.push(m), close: (code) => void closes.push(code) },
    { acks: false, logger: createLogger("silent"), maxBuffered: 4_096, loopShareMs, limits },
  );
  connection.open(live, actor(alice, "annotator"), { id: alice, name: "alice", color: "red" }, alice);
  return { connection, closes, sent };
}

/** One client transaction of `n` comments by alice: a large update, applied in pieces (update-pieces.ts). */
function comments(n: number) {
  const client = new Y.Doc();
  client.transact(() => {
    for (let i = 0; i < n; i++) createAnnotation(client, { kind: "comment", authorId: alice, body: `${i} `.padEnd(200, "x") });
  });
  return Y.encodeStateAsUpdate(client);
}

/**
 * What a socket received before its client closed is handled as if it had stayed open (connection.ts,
 * "draining"); what the server closes it for is not.
 */
describe("a socket its client closed", () => {
  it("handles every message kept past its share of the loop, then closes", async () => {
    const live = new LiveDocument(context("article:drain-share"), { persist: () => Promise.resolve() });
    // A share too small for more than one message a second: the rest are kept.
    const socket = open(live, { loopShareMs: 0.000_001 });
    const closed = vi.fn();
    socket.connection.onClose(closed);
    for (const message of typing(5, "w")) socket.connection.receive(message);
    expect(applied(live, "w")).toBe(1);
    socket.connection.transportClosed();
    expect(socket.connection.phase).toBe("draining");
    // Nothing is read any more.
    socket.connection.receive(typing(1, "late")[0]!);
    await vi.waitFor(() => expect(socket.connection.phase).toBe("closed"), { timeout: 10_000, interval: 20 });
    expect(applied(live, "w")).toBe(5);
    expect(applied(live, "late")).toBe(0);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(live.peers.size).toBe(0);
    expect(socket.closes).toEqual([]);
    live.destroy();
  });

  it("handles every message kept while its account's updates were not stored, and stores them", async () => {
    const { live, landing, stored } = slowlyStored("article:drain-backlog");
    const socket = open(live, { loopShareMs: 1e9, limits: new AccountLimits(1e9, 1e9) });
    const updates = typing(MAX_UNSTORED_UPDATES + 300, "a");
    for (const message of updates) socket.connection.receive(message);
    await quiet(live);
    expect(applied(live, "a")).toBe(MAX_UNSTORED_UPDATES + 1);
    socket.connection.transportClosed();
    while (landing.length) {
      for (const land of landing.splice(0)) land();
      await quiet(live);
    }
    expect(applied(live, "a")).toBe(updates.length);
    const reloaded = new Y.Doc();
    for (const update of stored) Y.applyUpdate(reloaded, update);
    expect(notesOf(reloaded).length).toBe(updates.length);
    await vi.waitFor(() => expect(socket.connection.phase).toBe("closed"), SETTLED);
    live.destroy();
  });

  it("judges what it kept under the sender's role when its turn comes: a role lost meanwhile writes nothing more", async () => {
    const live = new LiveDocument(context("article:drain-role"), { persist: () => Promise.resolve() });
    const socket = open(live, { loopShareMs: 0.000_001 });
    for (const message of typing(5, "w")) socket.connection.receive(message);
    socket.connection.transportClosed();
    socket.connection.updateActor({ role: "viewer" });
    await vi.waitFor(() => expect(socket.connection.phase).toBe("closed"), { timeout: 10_000, interval: 20 });
    expect(applied(live, "w")).toBe(1);
    live.destroy();
  });

  it("drops what it kept when the server closes it, as before, whether the client closed first or not", async () => {
    const live = new LiveDocument(context("article:drain-server-close"), { persist: () => Promise.resolve() });
    const first = open(live, { loopShareMs: 0.000_001 });
    const second = open(live, { loopShareMs: 0.000_001 });
    for (const message of typing(5, "x")) first.connection.receive(message);
    for (const message of typing(5, "y")) second.connection.receive(message);
    first.connection.close(SYNC_CLOSE_CODES.forbidden, "access lost");
    second.connection.transportClosed();
    second.connection.close(SYNC_CLOSE_CODES.forbidden, "access lost");
    expect([first.connection.phase, second.connection.phase]).toEqual(["closed", "closed"]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect([applied(live, "x"), applied(live, "y")]).toEqual([1, 1]);
    // The first was told; the second's client had gone.
    expect([first.closes, second.closes]).toEqual([[SYNC_CLOSE_CODES.forbidden], []]);
    live.destroy();
  });

  it("applies a large update it was taking in pieces whole", async () => {
    const { live, join } = room("article:drain-large");
    const writer = join(actor(alice, "annotator"));
    let firstPiece = 0;
    live.doc.on("update", () => {
      if (firstPiece > 0) return;
      firstPiece = annotationsOf(live.doc).size;
      writer.connection.transportClosed();
    });
    writer.connection.receive(updateMessage(comments(800)));
    await vi.waitFor(() => expect(writer.connection.phase).toBe("closed"), SETTLED);
    expect(firstPiece).toBeGreaterThan(0);
    expect(firstPiece).toBeLessThan(800);
    expect(annotationsOf(live.doc).size).toBe(800);
    live.destroy();
  });

  it("applies a large update whole even when the server closes it between pieces", async () => {
    const { live, join, stored } = room("article:drain-large-server");
    const writer = join(actor(alice, "annotator"));
    let firstPiece = 0;
    live.doc.on("update", () => {
      if (firstPiece > 0) return;
      firstPiece = annotationsOf(live.doc).size;
      writer.connection.close(CLOSE_CODES.goingAway, "server shutting down");
    });
    writer.connection.receive(updateMessage(comments(800)));
    await vi.waitFor(() => expect(firstPiece).toBeGreaterThan(0), SETTLED);
    await writer.connection.settled();
    expect(firstPiece).toBeLessThan(800);
    expect(annotationsOf(live.doc).size).toBe(800);
    const reloaded = new Y.Doc();
    for (const update of stored) Y.applyUpdate(reloaded, update);
    expect(annotationsOf(reloaded).size).toBe(800);
    live.destroy();
  });

  it("handles what it sent while it was admitted, once the document is ready, when its client closed before that", async () => {
    const live = new LiveDocument(context("article:drain-admitting"), { persist: () => Promise.resolve() });
    const sent: Uint8Array[] = [];
    const closes: number[] = [];
    const connection = new Connection({ send: (m) => void sent.push(m), close: (code) => void closes.push(code) }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
    for (const message of typing(5, "w")) connection.receive(message);
    connection.transportClosed();
    expect(connection.phase).toBe("admitting");
    connection.open(live, actor(alice, "annotator"), { id: alice, name: "alice", color: "red" }, alice);
    await vi.waitFor(() => expect(connection.phase).toBe("closed"), SETTLED);
    expect(applied(live, "w")).toBe(5);
    // Nothing went to a client that had left: no step 1, no presence.
    expect([sent, closes]).toEqual([[], []]);
    live.destroy();
  });
});
