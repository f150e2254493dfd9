import * as Y from "yjs";
import { endClocks } from "../validate/decoded-update.ts";

/**
 * Which user writes under each Yjs client id of a document.
 *
 * Yjs skips a struct whose clock it already has. Without this register, an
 * annotator could write their own, allowed content under another member's
 * client id at that member's next clocks; the member's real edits at those
 * clocks would then be skipped as already seen, and acknowledged all the
 * same. So an id belongs to the first user seen writing under it (or showing
 * presence with it, as a y-websocket client does on connecting, before it
 * writes), and nobody else may write under it or show presence with it.
 *
 * An id written under is claimed for good: each such claim is reported
 * (`onClaim`) and kept beside the log (client-id-store.ts), and a load starts
 * from what was kept, so that after an unload or a restart nobody can claim a
 * member's id before that member returns. An id only shown for presence is
 * held while it is shown and for PRESENCE_GRACE_MS after, in memory alone:
 * every page load brings a new one, and a tab reconnecting in a loop would
 * otherwise add claims, and rows, without end (docs/sync.md, "5. What you may write").
 *
 * A server's own id is claimed the same way, for SERVER_WRITER, when that server first writes under it
 * (document.ts): every process then holds it as a server's, and no member may write or show presence under it.
 */
export class ClientIds {
  private readonly owners = new Map<number, string>();
  /** Ids shown for presence now, and whose. */
  private readonly shown = new Map<number, string>();
  /** Ids no longer shown, whose and until when, in the order they were hidden. */
  private readonly hidden = new Map<number, { userId: string; until: number }>();
  /** Told of each first claim, to keep it. */
  onClaim: (clientId: number, userId: string) => void = () => {};

  constructor(
    /** This server's id, its own before it writes: claimed (reported) only once it does. */
    private readonly serverClientId: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  ownerOf(clientId: number): string | undefined {
    const owner = this.owners.get(clientId) ?? this.shown.get(clientId) ?? this.hiddenOwner(clientId);
    return owner ?? (clientId === this.serverClientId ? SERVER_WRITER : undefined);
  }

  /**
   * Whether a member writes under `clientId`: neither a server (this one or another process's, claimed when it
   * first wrote) nor an id nobody has claimed. Every writer's claim goes out ahead of its writes and is read again
   * on a resync, so content under an unclaimed id is a server's from before servers claimed theirs, or one whose
   * claim a crash lost in the moment before it was kept.
   */
  heldByMember(clientId: number): boolean {
    const owner = this.ownerOf(clientId);
    return owner !== undefined && owner !== SERVER_WRITER;
  }

  /**
   * True when `clientId` is free or already `userId`'s, and it is now theirs for good: something is written
   * under it. `known` claims come from storage or another process, and are not reported again.
   */
  claim(clientId: number, userId: string, options: { known?: boolean } = {}): boolean {
    const owner = this.ownerOf(clientId);
    if (owner !== undefined && owner !== userId) return false;
    if (!this.owners.has(clientId)) {
      this.owners.set(clientId, userId);
      this.hidden.delete(clientId);
      if (!options.known) this.onClaim(clientId, userId);
    }
    return true;
  }

  /** True when `clientId` is free or already `userId`'s, and it now shows `userId`'s presence (not kept beside the log). */
  show(clientId: number, userId: string): boolean {
    this.forgetExpired();
    const owner = this.ownerOf(clientId);
    if (owner !== undefined && owner !== userId) return false;
    this.hidden.delete(clientId);
    if (!this.owners.has(clientId)) this.shown.set(clientId, userId);
    return true;
  }

  /** `clientId` no longer shows presence: it stays its member's for PRESENCE_GRACE_MS, so that a reconnecting tab gets it back. */
  hide(clientId: number) {
    const userId = this.shown.get(clientId);
    if (userId === undefined) return;
    this.shown.delete(clientId);
    this.hidden.set(clientId, { userId, until: this.now() + PRESENCE_GRACE_MS });
    this.forgetExpired();
  }

  /** How many ids are held for presence alone, shown or within their grace. */
  get presenceClaims(): number {
    return this.shown.size + this.hidden.size;
  }

  private hiddenOwner(clientId: number): string | undefined {
    const hidden = this.hidden.get(clientId);
    return hidden && hidden.until > this.now() ? hidden.userId : undefined;
  }

  /** Drops hidden ids past their grace, and the oldest past MAX_RELEASED_PRESENCE: the grace is a courtesy, memory is not. */
  private forgetExpired() {
    const now = this.now();
    for (const [clientId, { until }] of this.hidden) {
      if (until > now && this.hidden.size <= MAX_RELEASED_PRESENCE) break;
      this.hidden.delete(clientId);
    }
  }

  /** A client id under which `update` writes something new that is not `userId`'s to write. */
  takenIn(doc: Y.Doc, update: Uint8Array, userId: string): number | null {
    for (const client of writtenClients(doc, update)) {
      const owner = this.ownerOf(client);
      if (owner !== undefined && owner !== userId) return client;
    }
    return null;
  }
}

/**
 * How long an id shown for presence alone stays its member's after its socket closed: longer than a
 * provider's reconnecting backoff (y-websocket's is at most 2.5 s), with room for a network's hiccup.
 */
export const PRESENCE_GRACE_MS = 60_000;
/** Ids within their grace held per document at most, oldest dropped first. */
export const MAX_RELEASED_PRESENCE = 4_096;

/**
 * The owner recorded for a server's own client id (REST writes, approvals, re-anchoring), kept and relayed as
 * members' are: the nil UUID, which no member id is (they are random).
 */
export const SERVER_WRITER = "00000000-0000-0000-0000-000000000000";

/** The client ids under which `update` carries structs beyond what `doc` holds. */
export function writtenClients(doc: Y.Doc, update: Uint8Array): number[] {
  return [...endClocks(update)].filter(([client, clock]) => clock > Y.getState(doc.store, client)).map(([client]) => client);
}
