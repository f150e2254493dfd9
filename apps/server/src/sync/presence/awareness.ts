import * as awarenessProtocol from "y-protocols/awareness";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";
import { type AwarenessEntry, readAwarenessEntries, writeAwarenessEntries } from "./awareness-entries.ts";
import type { LiveDocument, Peer } from "../document/document.ts";
import { awarenessMessage } from "../connection/messages.ts";
import type { PresenceBudget } from "./presence-budget.ts";
import { PresenceInbox } from "./presence-inbox.ts";
import { MAX_CLIENT_ID } from "../validate/decoded-update.ts";

export type Identity = { id: string; name: string; color: string };

/** A stable, readable colour per user, so that everyone sees the same person in the same colour. */
export function colorFor(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

/**
 * Rewrites an awareness update so that every state it carries names the
 * authenticated user, whatever the client claimed (docs/architecture.md, "The path of an update"). States
 * for client ids that belong to another connection are dropped. The format is
 * y-protocols' awareness encoding: a count, then (clientID, clock, JSON state).
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  identity: Identity,
  mayControl: (clientId: number, clock: number) => boolean,
): { update: Uint8Array; clientIds: number[] } | { tooLarge: number } {
  const kept: AwarenessEntry[] = [];
  for (const [clientId, clock, raw] of readAwarenessEntries(update)) {
    // Another client's state, which stock providers send back as they received it (stamped, so larger
    // than its owner sent it): ignored whatever its size, or one member's large state would close every
    // other socket of the document.
    if (!mayControl(clientId, clock)) continue;
    // Every peer receives every state, and a joining peer all of them at once: a state is a cursor and a
    // name, never a payload. Refused whole rather than trimmed, so that no client is shown half a state.
    if (raw.length > MAX_STATE_CHARS) return { tooLarge: raw.length };
    const state = JSON.parse(raw) as unknown;
    const stamped =
      state !== null && typeof state === "object" && !Array.isArray(state) ? { ...state, user: identity } : null;
    kept.push([clientId, clock, JSON.stringify(stamped)]);
  }
  return { update: writeAwarenessEntries(kept), clientIds: kept.map(([id]) => id) };
}

/**
 * Whether a state for `clientId` at `clock` is one this document already has or had: an echo, when no
 * socket here speaks for the id. A y-websocket provider re-sends every awareness change it sees, other
 * clients' states and removals included, with the clock it got them with. Such an echo must not make the
 * echoing connection the id's owner: the owner, reconnecting with the same id, could never show its
 * presence again (a released id is taken again only with a newer clock, as its returning owner sends on its
 * next change), and an echo of another process's member would be removed everywhere when the echoing
 * socket closed. Nor is it charged to the echoing account's presence budget.
 */
function echoed(live: LiveDocument, clientId: number, clock: number): boolean {
  const seen = live.awareness.meta.get(clientId);
  return seen !== undefined && clock <= seen.clock;
}

/** A state `peer` may not give for `clientId` at `clock`: another socket's id, or an echo of one this document had. */
function foreignTo(live: LiveDocument, peer: Peer, clientId: number, clock: number): boolean {
  const owner = live.awarenessOwners.get(clientId);
  return owner ? owner !== peer : echoed(live, clientId, clock);
}

/**
 * Awareness client ids whose connection has closed, per document, oldest release first: y-protocols keeps
 * a clock for each (what `echoed` reads) until it is forgotten here. Bounded: echoes come within moments.
 */
const released = new WeakMap<LiveDocument, Set<number>>();
const MAX_RELEASED = 16_384;
/**
 * Awareness client ids one connection may introduce. A y-websocket client has
 * one (its document's); without a bound, one socket could make the server and
 * every peer hold a presence per id it invents.
 */
const MAX_AWARENESS_CLIENTS = 8;
/** The largest presence state taken, as JSON: a y-websocket client's selection and user fit in a few hundred. */
export const MAX_STATE_CHARS = 4_096;

/**
 * Takes a connection's awareness update: each state is stamped with the
 * connection's user, and only for client ids it may speak for: not another
 * live connection's, not a departed id's echo, not an id someone else writes
 * under (client-ids.ts), and no more than MAX_AWARENESS_CLIENTS of its own.
 */
export function applyPresence(
  live: LiveDocument,
  peer: Peer,
  sender: { identity: Identity; userId: string; clients: Set<number> },
  update: Uint8Array,
): string | null {
  const owners = live.awarenessOwners;
  let introduced = sender.clients.size;
  const mayControl = (id: number, clock: number) => {
    // Read imprecisely past 2^53 − 1, as in an update (decoded-update.ts): not an id anyone can speak for.
    if (id > MAX_CLIENT_ID) return false;
    const writer = live.clientIds.ownerOf(id);
    if (writer !== undefined && writer !== sender.userId) return false;
    if (foreignTo(live, peer, id, clock)) return false;
    return owners.get(id) === peer || introduced++ < MAX_AWARENESS_CLIENTS;
  };
  const stamped = stampAwarenessUpdate(update, sender.identity, mayControl);
  if ("tooLarge" in stamped) return `a presence state of ${stamped.tooLarge} characters (at most ${MAX_STATE_CHARS})`;
  for (const id of stamped.clientIds) {
    owners.set(id, peer);
    sender.clients.add(id);
    live.clientIds.show(id, sender.userId);
  }
  awarenessProtocol.applyAwarenessUpdate(live.awareness, stamped.update, peer);
  return null;
}

/** What a socket's presence needs of its connection: to send, and to close. */
type PresencePeer = Peer & { close(code: number, reason: string): void };
type Sender = { identity: Identity; userId: string; clients: Set<number> };

/**
 * A socket's presence messages (presence-inbox.ts), each applied as the
 * sender it is from (`sender`: false once the socket is no longer open), within
 * its account's presence budget; a state over MAX_STATE_CHARS closes it with
 * 4413. Its queries are answered with every state.
 */
export function presenceInbox(
  live: LiveDocument,
  peer: PresencePeer,
  budget: PresenceBudget,
  sender: () => Sender | false,
): PresenceInbox {
  return new PresenceInbox(
    budget,
    // Neither kept nor charged to the account's budget.
    (clientId, clock) => foreignTo(live, peer, clientId, clock),
    (update) => {
      const from = sender();
      let refused: string | false | null;
      try {
        refused = from && applyPresence(live, peer, from, update);
      } catch {
        // A state that is not JSON: taken at the end of a window, outside the message's own handling.
        return peer.close(SYNC_CLOSE_CODES.badMessage, "malformed presence");
      }
      if (refused) peer.close(SYNC_CLOSE_CODES.tooLarge, refused);
    },
    () => peer.send(awarenessMessage(live.awareness, [...live.awareness.getStates().keys()])),
  );
}

/**
 * Presence another process accepted, stamped there with its member's id, holds its client ids here as well
 * (client-ids.ts); ids whose state went (removed there, or expired here) and that no socket here speaks for
 * are no longer shown.
 */
export function followPresence(live: LiveDocument, shown: readonly number[], gone: readonly number[]) {
  const states = live.awareness.getStates();
  for (const id of shown) {
    const user = (states.get(id) as { user?: { id?: unknown } } | undefined)?.user;
    if (typeof user?.id === "string") live.clientIds.show(id, user.id);
  }
  for (const id of gone) if (!live.awarenessOwners.has(id)) live.clientIds.hide(id);
}

/** A connection closed: its presence goes, and its ids are remembered as released (see `released`) and no longer shown (client-ids.ts). */
export function releasePresence(live: LiveDocument, clients: Set<number>) {
  let gone = released.get(live);
  if (!gone) released.set(live, (gone = new Set()));
  for (const id of clients) {
    live.awarenessOwners.delete(id);
    live.clientIds.hide(id);
    gone.delete(id); // re-inserted last: the set is kept in release order
    gone.add(id);
  }
  for (const id of gone) {
    if (gone.size <= MAX_RELEASED) break;
    gone.delete(id);
    // y-protocols keeps a clock for every id it ever saw, present or gone: forgotten with the release,
    // or a document loaded for weeks holds one per page load that ever showed presence on it.
    if (!live.awareness.states.has(id)) live.awareness.meta.delete(id);
  }
  awarenessProtocol.removeAwarenessStates(live.awareness, [...clients], null);
}
