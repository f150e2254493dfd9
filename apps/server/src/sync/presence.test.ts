import * as awarenessProtocol from "y-protocols/awareness";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_WINDOW_MS, PresenceFanout } from "./presence-fanout.ts";
import { PRESENCE_QUERY_INTERVAL_MS, PresenceInbox } from "./presence-inbox.ts";
import { awarenessUpdateMessage } from "./messages.ts";
import { readAwarenessEntries, writeAwarenessEntries } from "./awareness-entries.ts";

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
    const update = (...states: Array<[number, number, unknown]>) => writeAwarenessEntries(states.map(([id, clock, state]) => [id, clock, JSON.stringify(state)]));
    const inbox = new PresenceInbox((u) => applied.push(statesIn(awarenessUpdateMessage(u))), () => answers++);
    // A stock provider: its own cursor, and in between the echoes of someone else's.
    for (let i = 0; i < 200; i++) inbox.take(i % 2 ? update([7, i, { cursor: i }]) : update([9, i, { echo: i }]));
    expect(applied).toEqual([new Map([[9, { echo: 0 }]])]);
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS);
    expect(applied[1]).toEqual(new Map<number, unknown>([[9, { echo: 198 }], [7, { cursor: 199 }]]));
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
});
