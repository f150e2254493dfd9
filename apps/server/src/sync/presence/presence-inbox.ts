import { readAwarenessEntries, writeAwarenessEntries } from "./awareness-entries.ts";
import { Pace } from "./pace.ts";
import type { PresenceBudget } from "./presence-budget.ts";
import { PRESENCE_WINDOW_MS } from "./presence-fanout.ts";

/**
 * How often one socket's query for everyone's presence is answered. A stock provider asks once, as it
 * connects, and hears every change after; a query answered at every ask let 600 bytes of queries draw
 * 5.9 MB of answers from a busy document.
 */
export const PRESENCE_QUERY_INTERVAL_MS = 1_000;

/** Client ids whose latest state one window keeps; a message naming more new ones is not kept past them. */
const MAX_WAITING_CLIENTS = 256;

/**
 * One socket's presence messages, taken at most once per PRESENCE_WINDOW_MS:
 * the first at once, and what comes within the window at its end, as one
 * message with the latest state of each client id named. (A stock provider
 * sends its own state and, echoed, everyone else's: keeping only the last
 * message lost the sender's own cursor to an echo of another's.) A member
 * sending thousands a second (each valid, each stamped and parsed) took the
 * loop from everyone else: round trips of other sockets passed 50 ms.
 *
 * Echoes of other clients' states are dropped as they come, and what is kept
 * goes out only within the account's presence budget (presence-budget.ts):
 * over it, the latest states wait, window after window, until it allows.
 */
export class PresenceInbox {
  /** By client id: its clock and its state as sent (JSON), the latest of the window. */
  private readonly waiting = new Map<number, [number, string]>();
  private readonly pace = new Pace(PRESENCE_WINDOW_MS, () => this.applyWaiting());
  private lastQuery = Number.NEGATIVE_INFINITY;

  /** `foreign`: whether a state is another client's (an echo), ignored here. */
  constructor(
    private readonly budget: PresenceBudget,
    private readonly foreign: (clientId: number, clock: number) => boolean,
    private readonly apply: (update: Uint8Array) => void,
    private readonly answerQuery: () => void,
  ) {}

  take(update: Uint8Array) {
    let kept = false;
    for (const [clientId, clock, json] of readAwarenessEntries(update)) {
      if (this.foreign(clientId, clock)) continue;
      if (this.waiting.has(clientId) || this.waiting.size < MAX_WAITING_CLIENTS) this.waiting.set(clientId, [clock, json]);
      kept = true;
    }
    if (kept && this.pace.now()) this.applyWaiting();
  }

  /** A query for every state: answered unless this socket was answered within PRESENCE_QUERY_INTERVAL_MS. */
  query() {
    const now = performance.now();
    if (now - this.lastQuery < PRESENCE_QUERY_INTERVAL_MS) return;
    this.lastQuery = now;
    this.answerQuery();
  }

  stop() {
    this.pace.stop();
    this.waiting.clear();
  }

  /** Applies what waited, as one update; false when nothing did. What the budget does not allow yet waits on. */
  private applyWaiting(): boolean {
    if (this.waiting.size === 0) return false;
    let bytes = 0;
    for (const [, json] of this.waiting.values()) bytes += json.length;
    if (!this.budget.take(bytes)) return true;
    const update = writeAwarenessEntries([...this.waiting].map(([clientId, [clock, json]]) => [clientId, clock, json] as const));
    this.waiting.clear();
    this.apply(update);
    return true;
  }
}
