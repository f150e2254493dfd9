import * as Y from "yjs";
import { notesOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { actor, alice, articleId } from "./authorize/authorize-testing.ts";
import { Connection } from "./connection/connection.ts";
import { updateMessage } from "./connection/messages.ts";
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
});
