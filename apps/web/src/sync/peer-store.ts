import type { Awareness } from "y-protocols/awareness";
import { safeColor } from "../lib/colors.ts";

export type Peer = {
  clientId: number;
  user: { id: string; name: string; color: string };
  /** Code points, as docs/sync.md asks in "Awareness". */
  selection: { start: number; end: number } | null;
};

/**
 * Who else has the article open. The server stamps `user` on every state
 * from the signed-in account, so names and colours cannot be spoofed.
 */
export class PeerStore {
  private snapshot: Peer[] = [];
  private listeners = new Set<() => void>();

  constructor(private readonly awareness: Awareness) {
    this.read();
    awareness.on("change", this.onChange);
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = () => this.snapshot;

  dispose() {
    this.awareness.off("change", this.onChange);
    this.listeners.clear();
  }

  private onChange = () => {
    this.read();
    for (const fn of this.listeners) fn();
  };

  private read() {
    const peers: Peer[] = [];
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID) continue;
      const user = (state as { user?: Partial<Peer["user"]> }).user;
      if (!user?.id || typeof user.name !== "string") continue;
      peers.push({
        clientId,
        user: { id: user.id, name: user.name, color: safeColor(user.color) },
        selection: validSelection((state as { selection?: unknown }).selection),
      });
    }
    this.snapshot = peers;
  }
}

function validSelection(value: unknown): Peer["selection"] {
  if (!value || typeof value !== "object") return null;
  const { start, end } = value as { start?: unknown; end?: unknown };
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) < (end as number)
    ? { start: start as number, end: end as number }
    : null;
}
