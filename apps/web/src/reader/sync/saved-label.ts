import type { SessionState } from "../../sync/doc-session.ts";

/**
 * The saved mark's words, [spoken, shown], for the documents the page holds. Unsaved work is named in every
 * state it can be in: a page reconnecting after an outage with a comment not yet stored said only
 * "Connecting", and its writer could not tell that closing it then would lose the comment.
 */
export function savedLabel(states: readonly SessionState[]): [string, string] {
  const saved = states.every((s) => s.saved);
  if (states.some((s) => s.connection === "stopped")) return ["Not connected", "Not connected"];
  if (states.some((s) => s.connection === "offline")) return saved ? ["Offline", "● Offline"] : ["Offline: not saved yet", "● Offline, not saved yet"];
  if (states.some((s) => s.connection === "connecting" && !s.synced)) {
    return saved ? ["Connecting", "… Connecting"] : ["Connecting: not saved yet", "… Connecting, not saved yet"];
  }
  return saved ? ["Saved", "✓ Saved"] : ["Saving", "… Saving"];
}
