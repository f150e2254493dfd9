import * as awarenessProtocol from "y-protocols/awareness";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_WINDOW_MS, PresenceFanout } from "./presence-fanout.ts";
import { PRESENCE_QUERY_INTERVAL_MS, PresenceInbox } from "./presence-inbox.ts";
import { PRESENCE_BURST_BYTES, PRESENCE_BYTES_PER_SECOND, PresenceBudget } from "./presence-budget.ts";
import { awarenessUpdateMessage } from "../connection/messages.ts";
import { readAwarenessEntries, writeAwarenessEntries } from "./awareness-entries.ts";

/** An awareness update of these states. */
const update = (...states: Array<[number, number, unknown]>) => writeAwarenessEntries(states.map(([id, clock, state]) => [id, clock, JSON.stringify(state)]));

/** The states an awareness update carries, by client id. */
const statesOf = (u: Uint8Array) => statesIn(awarenessUpdateMessage(u));

/** The states an awareness message carries, by client id. */
function statesIn(message: Uint8Array): Map<number, unknown> {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder); // message type
  return new Map(readAwarenessEntries(decoding.readVarUint8Array(decoder)).map(([id, , json]) => [id, JSON.parse(json) as unknown]));
}

describe("presence fan-out", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => vi.useRealTimers());

  it("sends the first change at once and a flood's latest state once per window, to peers and the relay", () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    const sent: Uint8Array[] = [];
    const relayed: Uint8Array[] = [];
    const fanout = new PresenceFanout(awareness, { peers: () => [{ send: (m) => sent.push(m) }], relay: (u) => relayed.push(u) });
    const id = awareness.clientID;
    for (let i = 0; i < 500; i++) {
      awareness.setLocalState({ cursor: i });
      fanout.changed([id], true);
    }
    expect(sent).toHaveLength(1);
    expect(statesIn(sent[0]!).get(id)).toEqual({ cursor: 0 });
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS);
    expect(sent).toHaveLength(2);
    expect(statesIn(sent[1]!).get(id)).toEqual({ cursor: 499 });
    expect(relayed).toHaveLength(2);
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS * 4);
    expect(sent).toHaveLength(2);
    // Quiet for a window: the next change goes at once again; what came from elsewhere is not relayed back.
    awareness.setLocalState({ cursor: 500 });
    fanout.changed([id], false);
    expect([sent.length, relayed.length]).toEqual([3, 2]);
    fanout.stop();
  });

  it("takes one socket's presence at most once per window, each client's latest state, and answers its queries at most once per interval", () => {
    const applied: Map<number, unknown>[] = [];
    let answers = 0;
    const inbox = new PresenceInbox(new PresenceBudget(), (id) => id === 9, (u) => applied.push(statesOf(u)), () => answers++);
    // A stock provider: its own cursor, and in between the echoes of someone else's, which are not its to send.
    for (let i = 0; i < 200; i++) inbox.take(i % 2 ? update([7, i, { cursor: i }]) : update([9, i, { echo: i }]));
    expect(applied).toEqual([new Map([[7, { cursor: 1 }]])]);
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS);
    expect(applied[1]).toEqual(new Map<number, unknown>([[7, { cursor: 199 }]]));
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS * 3);
    inbox.take(update([7, 300, { cursor: 300 }]));
    expect(applied).toHaveLength(3);
    for (let i = 0; i < 10; i++) inbox.query();
    expect(answers).toBe(1);
    vi.advanceTimersByTime(PRESENCE_QUERY_INTERVAL_MS);
    inbox.query();
    expect(answers).toBe(2);
    inbox.stop();
  });

  it("sends an account's presence within its budget, whatever its sockets send, and never charges it for echoes", () => {
    const budget = new PresenceBudget();
    const applied: number[] = [];
    const state = { pad: "x".repeat(3_900) };
    // Eight sockets of one account, each speaking for eight ids with 3.9 KiB states, as fast as they can.
    const inboxes = Array.from({ length: 8 }, () => new PresenceInbox(budget, () => false, (u) => applied.push(statesOf(u).size), () => {}));
    for (let tick = 0; tick < 500; tick++) {
      for (const [s, inbox] of inboxes.entries()) inbox.take(update(...Array.from({ length: 8 }, (_, k) => [s * 8 + k, tick + 1, state] as [number, number, unknown])));
      vi.advanceTimersByTime(20);
    }
    // Ten seconds: the burst, then PRESENCE_BYTES_PER_SECOND, where unbounded it was 64 states every 50 ms.
    const sent = applied.reduce((a, b) => a + b, 0) * 3_900;
    expect(sent).toBeLessThanOrEqual(PRESENCE_BURST_BYTES + 10 * PRESENCE_BYTES_PER_SECOND + 8 * 4_096);
    expect(sent).toBeGreaterThanOrEqual(8 * PRESENCE_BYTES_PER_SECOND);
    for (const inbox of inboxes) inbox.stop();

    // Another account, whose provider echoes all of that: its own small cursor still goes at once, every window.
    const own: unknown[] = [];
    const bystander = new PresenceInbox(new PresenceBudget(), (id) => id !== 7, (u) => own.push(statesOf(u).get(7)), () => {});
    for (let tick = 0; tick < 200; tick++) {
      bystander.take(update(...Array.from({ length: 64 }, (_, k) => [k, tick + 1, state] as [number, number, unknown]), [7, tick + 1, { cursor: tick }]));
      vi.advanceTimersByTime(PRESENCE_WINDOW_MS);
    }
    expect(own).toHaveLength(200);
    expect(own.at(-1)).toEqual({ cursor: 199 });
    bystander.stop();
  });
});
