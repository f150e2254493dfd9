import type { TextRange } from "./ranges.ts";

/** One awareness client on a document: who it is (as the server stamped it) and what it has selected. */
export type Presence = { clientId: number; userId: string; selection: TextRange | null };

/**
 * Reads y-protocols awareness states. The server stamps `user` on each
 * state from the signed-in account (docs/sync.md, "Awareness"), so only the id is
 * trusted here; the name is looked up by whoever shows it, because a group
 * anonymous to peers must not show names that presence carries.
 */
export function presenceFromAwareness(states: ReadonlyMap<number, unknown>): Presence[] {
  const present: Presence[] = [];
  for (const [clientId, state] of states) {
    if (!state || typeof state !== "object") continue;
    const user = (state as { user?: { id?: unknown } }).user;
    if (typeof user?.id !== "string" || !user.id) continue;
    present.push({ clientId, userId: user.id, selection: validRange((state as { selection?: unknown }).selection) });
  }
  return present.sort((a, b) => a.clientId - b.clientId);
}

function validRange(value: unknown): TextRange | null {
  if (!value || typeof value !== "object") return null;
  const { start, end } = value as { start?: unknown; end?: unknown };
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (start as number) < (end as number)
    ? { start: start as number, end: end as number }
    : null;
}
