import * as Y from "yjs";
import { notesOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/sync-client.ts";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId, bob } from "../authorize/authorize-testing.ts";
import { AccountLimits } from "./account-limits.ts";
import { Connection } from "./connection.ts";
import { LiveDocument } from "../document/document.ts";
import { updateMessage } from "./messages.ts";

const context = { docName: "article:budget", articleId, groupId: "g", visibility: "group" as const, revision: 1 };

function open(live: LiveDocument, userId: string, loopShareMs?: number, limits?: AccountLimits, maxBuffered = 8) {
  const closes: number[] = [];
  const connection = new Connection({ send: () => {}, close: (code) => void closes.push(code) }, { acks: false, logger: createLogger("silent"), maxBuffered, loopShareMs, limits });
  connection.open(live, actor(userId, "annotator"), { id: userId, name: userId, color: "red" }, userId);
  return { connection, closes };
}

/** A writer's edits to the notes, one update each, as its socket would send them. */
function typing(pieces: string[]): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(updateMessage(u)));
  for (const piece of pieces) notesOf(doc).insert(notesOf(doc).length, piece);
  return updates;
}

describe("a socket's share of the event loop", () => {
  it("keeps a socket's messages past its share for the next second, in order, while other sockets go on", async () => {
    const live = new LiveDocument(context, { persist: () => Promise.resolve() });
    // A share too small for more than one message a second.
    const flooding = open(live, alice, 0.000_001);
    const other = open(live, bob);
    const [first, second, third] = typing(["one ", "two ", "three "]);
    flooding.connection.receive(first!);
    flooding.connection.receive(second!);
    flooding.connection.receive(third!);
    expect(notesOf(live.doc).toString()).toBe("one ");
    // Another socket is not held behind them.
    const [theirs] = typing(["theirs"]);
    other.connection.receive(theirs!);
    expect(notesOf(live.doc).toString()).toContain("theirs");

    await eventually(() => expect(notesOf(live.doc).toString()).toMatch(/one two three |theirsone two three /), 5_000);
    expect(flooding.closes).toEqual([]);
    live.destroy();
  });

  it("has an account's sockets share the account's share too: another socket of the same account waits, another account's does not", async () => {
    const live = new LiveDocument(context, { persist: () => Promise.resolve() });
    // Each socket's own share is the usual one; the account's, too small for more than one message a second.
    const limits = new AccountLimits(0.000_001);
    const first = open(live, alice, undefined, limits);
    const second = open(live, alice, undefined, limits);
    const other = open(live, bob, undefined, limits);
    const [one, two] = typing(["one ", "two "]);
    first.connection.receive(one!);
    second.connection.receive(two!);
    expect(notesOf(live.doc).toString()).toBe("one ");
    other.connection.receive(typing(["bob's "])[0]!);
    expect(notesOf(live.doc).toString()).toContain("bob's ");
    await eventually(() => expect(notesOf(live.doc).toString()).toContain("one two "), 5_000);
    // Its sockets closed, the account's share is kept until its second is over: a new socket does not start
    // afresh, or closing and opening sockets in turn would bring a whole share each time.
    for (const s of [first, second]) s.connection.transportClosed();
    const again = open(live, alice, undefined, limits);
    again.connection.receive(typing(["four "])[0]!);
    expect(notesOf(live.doc).toString()).not.toMatch(/four /);
    await eventually(() => expect(notesOf(live.doc).toString()).toMatch(/four /), 5_000);
    live.destroy();
  });

  it("handles what one read brings over several turns once the turn's share is spent, in order", async () => {
    const live = new LiveDocument(context, { persist: () => Promise.resolve() });
    // The account's share of a turn is made tiny, so that the first update spends it however fast the host
    // is: at the stock shares (10 ms of a turn for a socket), a quick host judged all 20 within one turn.
    const socket = open(live, alice, undefined, new AccountLimits(undefined, 0.001), 64);
    // Each update 300 characters typed one by one at the start of the notes: 300 items to judge.
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(updateMessage(u)));
    for (let u = 0; u < 20; u++) doc.transact(() => {
      for (let i = 0; i < 300; i++) notesOf(doc).insert(0, String(u % 10));
    });
    for (const message of updates) socket.connection.receive(message);
    const first = notesOf(live.doc).length;
    expect(first).toBeLessThan(20 * 300);
    await eventually(() => expect(notesOf(live.doc).toString()).toBe(notesOf(doc).toString()), 10_000);
    expect(socket.closes).toEqual([]);
    live.destroy();
  });

  it("closes a socket that keeps sending past its share with 4529", () => {
    const live = new LiveDocument(context, { persist: () => Promise.resolve() });
    const flooding = open(live, alice, 0.000_001);
    for (const message of typing(Array.from({ length: 12 }, (_, i) => `${i} `))) flooding.connection.receive(message);
    expect(flooding.closes).toEqual([4529]);
    live.destroy();
  });
});
