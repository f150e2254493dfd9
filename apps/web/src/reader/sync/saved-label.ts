import type { SessionState } from "../../sync/doc-session.ts";

/** The page's documents taken together: the worst of their connections, and whether all they hold is stored. */
export type SyncSummary = { connection: "stopped" | "offline" | "connecting" | "online"; saved: boolean };

export function syncSummary(states: readonly SessionState[]): SyncSummary {
  const saved = states.every((s) => s.saved);
  if (states.some((s) => s.connection === "stopped")) return { connection: "stopped", saved };
  if (states.some((s) => s.connection === "offline")) return { connection: "offline", saved };
  if (states.some((s) => s.connection === "connecting" && !s.synced)) return { connection: "connecting", saved };
  return { connection: "online", saved };
}

/**
 * The saved mark's words, [spoken, shown], for the documents the page holds. Unsaved work is named in every
 * state it can be in: a page reconnecting after an outage with a comment not yet stored said only
 * "Connecting", and its writer could not tell that closing it then would lose the comment.
 */
export function savedLabel(states: readonly SessionState[]): [string, string] {
  const { connection, saved } = syncSummary(states);
  if (connection === "stopped") return ["Not connected", "Not connected"];
  if (connection === "offline") return saved ? ["Offline", "● Offline"] : ["Offline: not saved yet", "● Offline, not saved yet"];
  if (connection === "connecting") return saved ? ["Connecting", "… Connecting"] : ["Connecting: not saved yet", "… Connecting, not saved yet"];
  return saved ? ["Saved", "✓ Saved"] : ["Saving", "… Saving"];
}

/** The banner's words while the connection is away, told in the same terms as the mark; none while it holds or has stopped. */
export function connectionBanner({ connection, saved }: SyncSummary): string | null {
  if (connection === "offline") return "You are offline. Your edits are kept on this device and will merge when the connection returns.";
  if (connection !== "connecting") return null;
  return saved ? "Connecting to the live session…" : "Connecting to the live session… What you wrote is not saved yet: it is kept on this device and sent once connected.";
}
