import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { actor, alice, bob } from "../authorize/authorize-testing.ts";
import { room } from "./connection-testing.ts";
import type { Connection } from "./connection.ts";
import { AccountLimits, MAX_HELD_BYTES_PER_ACCOUNT } from "./account-limits.ts";
import { HELD_LONGEST_MS, HELD_MAX_MS, HELD_RECHECK_MS, type Held, HeldUpdates } from "./held-updates.ts";
import { awaitedClocks } from "./large-update.ts";
import { updateMessage } from "./messages.ts";
import { SETTLED } from "../../../test/support/settled.ts";


/**
 * A client's annotation, never sent (`missing`), and `count` updates that
 * build on it: each inserts `typed` characters one at a time at the start of
 * its body (so each is `typed` items to judge, which no encoder merges), or
 * one run of them at its end when `run`.
 */
function buildingOnUnsent(authorId: string, count: number, typed: number, run = false) {
  const client = new Y.Doc();
  const id = createAnnotation(client, { kind: "comment", authorId, body: "" });
  const missing = Y.encodeStateAsUpdate(client);
  const body = annotationsOf(client).get(id)!.get("body") as Y.Text;
  const updates: Uint8Array[] = [];
  client.on("update", (update: Uint8Array) => updates.push(update));
  for (let u = 0; u < count; u++) {
    client.transact(() => {
      if (run) body.insert(body.length, "x".repeat(typed));
      else for (let i = 0; i < typed; i++) body.insert(0, String(i % 10));
    });
  }
  return { id, missing, updates, text: body.toString() };
}

const heldOf = (connection: Connection) => (connection as unknown as { updates: { held: { list(): Held[] } } }).updates.held.list();

describe("updates held for content the server has not received", () => {
  it("close their connection (4422: the client's copy cannot be stored) once the oldest has waited HELD_MAX_MS for content that never comes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const { join } = room("article:held-deadline");
      const writer = join(actor(alice, "annotator"));
      const { updates } = buildingOnUnsent(alice, 2, 1);
      writer.connection.receive(updateMessage(updates[0]!));
      await vi.waitFor(() => expect(heldOf(writer.connection)).toHaveLength(1), SETTLED);
      await vi.advanceTimersByTimeAsync(HELD_MAX_MS / 2);
      writer.connection.receive(updateMessage(updates[1]!));
      // Joined to the first (it builds on it), and waiting since the first was held.
      await vi.waitFor(() => expect(heldOf(writer.connection).map((entry) => entry.bytes)).toEqual([updates[0]!.length + updates[1]!.length]), SETTLED);
      await vi.advanceTimersByTimeAsync(HELD_MAX_MS / 2 - 1_000);
      expect(writer.closes).toEqual([]);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(writer.closes).toEqual([SYNC_CLOSE_CODES.notStored]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("wait on past HELD_MAX_MS while their connection has messages of its own still to handle, which may hold what they wait for", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const { live } = room("article:held-backlog");
      let backlog = true;
      const expired = vi.fn();
      const held = new HeldUpdates(new AccountLimits(), { retry: () => {}, expired, backlog: () => backlog });
      const { updates } = buildingOnUnsent(alice, 1, 1);
      expect(held.hold(live, alice, updates[0]!, "all", awaitedClocks(live.doc, updates[0]!))).not.toBeNull();
      // The deadline's check runs in the turn after its timer (setImmediate, which stays real here).
      const pass = async (ms: number) => {
        await vi.advanceTimersByTimeAsync(ms);
        await new Promise((resolve) => setImmediate(resolve));
      };
      await pass(HELD_MAX_MS + 1);
      expect(expired).not.toHaveBeenCalled();
      await pass(HELD_RECHECK_MS * 3);
      expect(expired).not.toHaveBeenCalled();
      // Handled, and what it waited for was not among them.
      backlog = false;
      await pass(HELD_RECHECK_MS + 1);
      expect(expired).toHaveBeenCalledTimes(1);

      // A connection that never stops sending gets no more than HELD_LONGEST_MS.
      const flooding = vi.fn();
      const endless = new HeldUpdates(new AccountLimits(), { retry: () => {}, expired: flooding, backlog: () => true });
      endless.hold(live, alice, updates[0]!, "all", awaitedClocks(live.doc, updates[0]!));
      for (let waited = 0; waited < HELD_LONGEST_MS - HELD_RECHECK_MS; waited += HELD_RECHECK_MS) await pass(HELD_RECHECK_MS);
      expect(flooding).not.toHaveBeenCalled();
      await pass(2 * HELD_RECHECK_MS);
      expect(flooding).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("are judged again only once what they wait for arrives, a slice of the loop at a time, and then applied in order", async () => {
    // The shares of a turn are made as short as can be, so that each turn takes one update however fast the
    // host is: at the stock shares (HELD_TURN_MS, TURN_SHARE_MS), a quick host judged all 40 in one or two.
    // Joining is off: 40 updates held apart, each judged on its own.
    const { live, join } = room("article:held-1", { limits: new AccountLimits(undefined, 0.001), held: { turnMs: 0, joinBytes: 0 } });
    const writer = join(actor(alice, "annotator"));
    const other = join(actor(bob, "annotator"));
    const { id, missing, updates, text } = buildingOnUnsent(alice, 40, 400);
    for (const update of updates) writer.connection.receive(updateMessage(update));
    // Received in one go, they are judged over several turns (loop-budget.ts, TURN_SHARE_MS).
    expect(heldOf(writer.connection).length).toBeLessThan(40);
    await vi.waitFor(() => expect(heldOf(writer.connection)).toHaveLength(40), SETTLED);
    const held = heldOf(writer.connection);
    const awaited = held.map((entry) => entry.awaited);
    expect(awaited.every((clocks) => clocks.size > 0)).toBe(true);

    // Others' writes change the document but bring nothing awaited: nothing is judged again.
    for (let i = 0; i < 3; i++) {
      const small = new Y.Doc();
      createAnnotation(small, { kind: "comment", authorId: bob, body: `bob ${i}` });
      other.connection.receive(updateMessage(Y.encodeStateAsUpdate(small)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(heldOf(writer.connection).map((entry) => entry.awaited)).toEqual(awaited);
    expect(heldOf(writer.connection).every((entry, i) => entry.awaited === awaited[i])).toBe(true);

    // The content comes: one held update judged a turn, so 40 judgings in turns of their own.
    const judgings = vi.spyOn(HeldUpdates.prototype, "judgeAgain");
    writer.connection.receive(updateMessage(missing));
    let turns = 0;
    const givenUpAt = Date.now() + SETTLED.timeout;
    while (heldOf(writer.connection).length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
      expect(Date.now(), `still held after ${turns} turns`).toBeLessThan(givenUpAt);
    }
    expect(judgings.mock.calls.length).toBeGreaterThanOrEqual(40);
    expect(turns).toBeGreaterThan(2);
    judgings.mockRestore();
    expect(String(annotationsOf(live.doc).get(id)!.get("body"))).toBe(text);
    expect([writer.closes, other.closes]).toEqual([[], []]);
    live.destroy();
  });

  it("are bounded in bytes across an account's sockets, and freed when a socket closes", async () => {
    const { live, join } = room("article:held-2");
    // Three sockets of alice's, each holding 3 MiB (under a socket's own bound of 4 MiB).
    const sockets = [join(actor(alice, "annotator")), join(actor(alice, "annotator")), join(actor(alice, "annotator"))];
    const perSocket = Math.floor((3 * 1024 * 1024) / 50_000);
    // Each socket's updates, sent in one go and judged over as many turns as they take: held, or closed for.
    const send = async (socket: (typeof sockets)[number], authorId: string) => {
      for (const update of buildingOnUnsent(authorId, perSocket, 50_000, true).updates) socket.connection.receive(updateMessage(update));
      await vi.waitFor(() => expect(heldOf(socket.connection).length === perSocket || socket.closes.length > 0).toBe(true), SETTLED);
    };
    for (const socket of sockets) await send(socket, alice);
    expect(sockets.map((s) => s.closes)).toEqual([[], [], [SYNC_CLOSE_CODES.badMessage]]);
    expect(heldOf(sockets[0]!.connection).length + heldOf(sockets[1]!.connection).length).toBe(2 * perSocket);
    expect(2 * perSocket * 50_000).toBeLessThan(MAX_HELD_BYTES_PER_ACCOUNT);

    // Another account is not held back by alice's.
    const bobs = join(actor(bob, "annotator"));
    await send(bobs, bob);
    expect(bobs.closes).toEqual([]);

    // Once one of alice's sockets closes, what it held no longer counts.
    sockets[0]!.connection.transportClosed();
    const again = join(actor(alice, "annotator"));
    await send(again, alice);
    expect(again.closes).toEqual([]);
    for (const s of [sockets[1]!, bobs, again]) s.connection.transportClosed();
    expect(heldOf(again.connection)).toHaveLength(0);
    live.destroy();
  });

  it("are bounded per account, not per member id: one account's sockets in groups anonymous to peers count together", async () => {
    const limits = new AccountLimits();
    const account = randomUUID();
    // One account, a different member id in each of three groups; each socket holds 3 MiB.
    const sockets = ["article:held-anon-1", "article:held-anon-2", "article:held-anon-3"].map((name) => {
      const member = randomUUID();
      return { member, socket: room(name, { limits }).join(actor(member, "annotator"), false, undefined, false, account) };
    });
    const perSocket = Math.floor((3 * 1024 * 1024) / 50_000);
    for (const { member, socket } of sockets) {
      for (const update of buildingOnUnsent(member, perSocket, 50_000, true).updates) socket.connection.receive(updateMessage(update));
      await vi.waitFor(() => expect(heldOf(socket.connection).length === perSocket || socket.closes.length > 0).toBe(true), SETTLED);
    }
    expect(sockets.map(({ socket }) => socket.closes)).toEqual([[], [], [SYNC_CLOSE_CODES.badMessage]]);
    for (const { socket } of sockets) socket.connection.transportClosed();
  });

  it("are joined with what they build on, or what builds on them, and held apart from the rest", async () => {
    const { live, join } = room("article:held-3");
    const writer = join(actor(alice, "annotator"), true);
    // Four updates that build on one never sent, each on the one before: joined as they come.
    const chain = buildingOnUnsent(alice, 4, 10);
    for (const update of chain.updates) writer.connection.receive(updateMessage(update));
    await vi.waitFor(() => expect(heldOf(writer.connection).map((entry) => entry.bytes)).toEqual([chain.updates.reduce((sum, u) => sum + u.length, 0)]), SETTLED);
    // Another client's, building on other unsent content: held apart.
    const apart = buildingOnUnsent(alice, 1, 10);
    writer.connection.receive(updateMessage(apart.updates[0]!));
    await vi.waitFor(() => expect(heldOf(writer.connection)).toHaveLength(2), SETTLED);
    expect(heldOf(writer.connection).map((entry) => entry.claim)).toEqual(["all", "all"]);

    // What the chain waited for comes: it is applied whole; the other waits on.
    writer.connection.receive(updateMessage(chain.missing));
    await vi.waitFor(() => expect(heldOf(writer.connection)).toHaveLength(1), SETTLED);
    expect(String(annotationsOf(live.doc).get(chain.id)!.get("body"))).toBe(chain.text);
    writer.connection.receive(updateMessage(apart.missing));
    await vi.waitFor(() => expect(heldOf(writer.connection)).toHaveLength(0), SETTLED);
    expect(String(annotationsOf(live.doc).get(apart.id)!.get("body"))).toBe(apart.text);
    expect(writer.closes).toEqual([]);
    live.destroy();
  });
});
