import * as Y from "yjs";
import { notesOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { actor, alice, articleId } from "./authorize/authorize-testing.ts";
import { AccountLimits, MAX_UNSTORED_UPDATES } from "./connection/account-limits.ts";
import { Connection } from "./connection/connection.ts";
import { updateMessage } from "./connection/messages.ts";
import { typing } from "./connection/connection-testing.ts";
import { LiveDocument } from "./document/document.ts";
import { SocketsClosing, drainSockets } from "./shutdown.ts";

const context = { docName: "article:shutdown", articleId, groupId: "g", visibility: "group" as const, revision: 1 };

describe("draining the sockets at shutdown", () => {
  it("returns only once a close that waited for its acks has gone out, with the committer still stuck", async () => {
    // A database that never answers: nothing is stored, so the ack owed holds the close for its grace.
    const live = new LiveDocument(context, { persist: () => new Promise<void>(() => {}) });
    const sockets = new SocketsClosing();
    const closes: number[] = [];
    let ended!: () => void;
    const closed = new Promise<void>((resolve) => (ended = resolve));
    const transport = sockets.watch({ send: () => {}, close: (code) => (closes.push(code), ended()), closed });
    const connection = new Connection(transport, { acks: true, logger: createLogger("silent"), maxBuffered: 64 });
    connection.open(live, actor(alice, "annotator"), { id: alice, name: alice, color: "red" }, alice);
    const doc = new Y.Doc();
    doc.on("update", (update: Uint8Array) => connection.receive(updateMessage(update)));
    notesOf(doc).insert(0, "owed an ack");

    const committer = { flush: async () => false, close: async () => new Map([[context.docName, 1]]) };
    const unwritten = await drainSockets({ connections: new Set([connection]), committer, sockets, stopWriters: async () => {}, firstFlushMs: 0 }, Infinity);
    expect(closes).toEqual([1001]);
    expect(unwritten.get(context.docName)).toBe(1);
    live.destroy();
  });

  it("lets a socket whose client closed handle what it kept before the committer closes, for at most the first flush", async () => {
    const live = new LiveDocument({ ...context, docName: "article:shutdown-draining" }, { persist: () => Promise.resolve() });
    const sockets = new SocketsClosing();
    // A share of the loop too small for more than one message a second: the rest are kept.
    const connection = new Connection({ send: () => {}, close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64, loopShareMs: 0.000_001 });
    connection.open(live, actor(alice, "annotator"), { id: alice, name: alice, color: "red" }, alice);
    for (const message of typing(5, "n")) connection.receive(message);
    connection.transportClosed();
    let atClose = -1;
    const committer = { flush: async () => true, close: async () => ((atClose = notesOf(live.doc).length), new Map<string, number>()) };
    await drainSockets({ connections: new Set([connection]), committer, sockets, stopWriters: async () => {}, firstFlushMs: 10_000 }, Infinity);
    expect(atClose).toBe(5);
    expect(connection.phase).toBe("closed");
    live.destroy();
  });

  it("does not wait past the first flush for a socket whose client closed and whose updates wait on a database that never answers", async () => {
    const live = new LiveDocument({ ...context, docName: "article:shutdown-stuck" }, { persist: () => new Promise<void>(() => {}) });
    const sockets = new SocketsClosing();
    const connection = new Connection({ send: () => {}, close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 4_096, loopShareMs: 1e9, limits: new AccountLimits(1e9, 1e9) });
    connection.open(live, actor(alice, "annotator"), { id: alice, name: alice, color: "red" }, alice);
    for (const message of typing(MAX_UNSTORED_UPDATES + 10, "n")) connection.receive(message);
    connection.transportClosed();
    expect(connection.phase).toBe("draining");
    const committer = { flush: async () => false, close: async () => new Map<string, number>() };
    await drainSockets({ connections: new Set([connection]), committer, sockets, stopWriters: async () => {}, firstFlushMs: 200 }, Infinity);
    expect(connection.phase).toBe("closed");
    expect(notesOf(live.doc).length).toBeLessThanOrEqual(MAX_UNSTORED_UPDATES + 1);
    live.destroy();
  });
});

