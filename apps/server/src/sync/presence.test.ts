import * as awarenessProtocol from "y-protocols/awareness";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_WINDOW_MS, PresenceFanout } from "./presence-fanout.ts";
import { PRESENCE_QUERY_INTERVAL_MS, PresenceInbox } from "./presence-inbox.ts";

/** The states an awareness message carries, by client id. */
function statesIn(message: Uint8Array): Map<number, unknown> {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder); // message type
  const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
  const states = new Map<number, unknown>();
  for (let n = decoding.readVarUint(update); n > 0; n--) {
    const id = decoding.readVarUint(update);
    decoding.readVarUint(update);
    states.set(id, JSON.parse(decoding.readVarString(update)));
  }
  return states;
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

  it("takes one socket's presence at most once per window, the latest of a flood, and answers its queries at most once per interval", () => {
    const applied: number[] = [];
    let answers = 0;
    const inbox = new PresenceInbox((update) => applied.push(update[0]!), () => answers++);
    for (let i = 0; i < 200; i++) inbox.take(Uint8Array.of(i));
    expect(applied).toEqual([0]);
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS);
    expect(applied).toEqual([0, 199]);
    vi.advanceTimersByTime(PRESENCE_WINDOW_MS * 3);
    inbox.take(Uint8Array.of(7));
    expect(applied).toEqual([0, 199, 7]);
    for (let i = 0; i < 10; i++) inbox.query();
    expect(answers).toBe(1);
    vi.advanceTimersByTime(PRESENCE_QUERY_INTERVAL_MS);
    inbox.query();
    expect(answers).toBe(2);
    inbox.stop();
  });
});
