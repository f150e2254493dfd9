import * as Y from "yjs";
import type { Actor } from "@marginalia/schema";
import type { AccountLimits } from "./account-limits.ts";
import { type ModerationStep, authorizeUpdate } from "../authorize/authorize.ts";
import { forgetDecoded } from "../validate/decoded-update.ts";
import type { LiveDocument } from "../document/document.ts";
import { anyArrived, awaitedClocks, takenInTurns } from "./large-update.ts";
import { type Claim, type Reach, buildsOn, joinedClaim, reachOf } from "./held-joins.ts";
import { ownTurn } from "../document/own-turn.ts";

export { type Claim, claims } from "./held-joins.ts";

/**
 * Updates that build on content the server has not received yet, held until
 * it arrives (see `authorizeAndApply` in socket-updates.ts). An honest client
 * sends at most what it types between reconnecting and catching the server up.
 */
const MAX_HELD_UPDATES = 256;
const MAX_HELD_BYTES = 4 * 1024 * 1024;

/** How long one connection's held updates are judged in a turn before the rest wait for another. */
export const HELD_TURN_MS = 8;

/**
 * How long an update may wait for the content it builds on. An honest client's comes within moments (its
 * own sync step 2, or another socket's update); past this it is not coming: it was in a copy that outlived a
 * server's crash, written by a client that never came back. Held for ever, the update would keep every later
 * acknowledgement on its connection from being sent; closed for a reconnect, it came back in the client's
 * step 2 every 30 s, and nothing it wrote after it was ever stored. So the connection closes with 4422: the
 * client's copy holds what the server can never have, and only one taken afresh from the server goes on.
 */
export const HELD_MAX_MS = 30_000;

/**
 * A connection whose own messages still wait to be read when HELD_MAX_MS passes may hold the content in
 * one of them: a client's first changes travel in its sync step 2, which a busy server can still be
 * keeping (kept-messages.ts) when a later change that builds on them has waited 30 s. Its deadline moves on
 * by this much while that lasts, up to HELD_LONGEST_MS from when the update was first held.
 */
export const HELD_RECHECK_MS = 5_000;
export const HELD_LONGEST_MS = 4 * HELD_MAX_MS;

/** What a connection's held updates tell it, and ask of it. */
export type HeldEvents = {
  /** Content arrived that held updates may wait for: they are to be judged again. */
  retry: () => void;
  /** The oldest held update waited HELD_MAX_MS: the connection is closed, so that its client syncs afresh. */
  expired: () => void;
  /** Whether the connection has messages it has not handled yet (kept, or its reading paused). */
  backlog: () => boolean;
};

/**
 * `awaited`: the clocks it waits for (large-update.ts); it is judged again only once one arrives, so
 * that changes which bring none of them cost nothing (a held update judged at every change to a busy
 * document, 64 of them on one socket, held the loop for 600 ms).
 */
export type Held = {
  update: Uint8Array;
  claim: Claim;
  settle: (durable: Promise<void>) => void;
  awaited: ReadonlyMap<number, number>;
  heldAt: number;
  /** What it counts against the bounds: the bytes of the updates it was made of (`join`). */
  bytes: number;
  /** The clocks its structs span (`join`). */
  reach: Reach;
};

/**
 * Held updates that build on each other are merged, up to this size together (`join`); what is larger is
 * taken in turns of the loop when applied (update-pieces.ts, LARGE_UPDATE_BYTES), and merging it would not
 * be. Merging and reading what the result awaits: under a millisecond for 16 KiB (4,000 typed
 * characters), 1–2 ms for 32 KiB.
 */
const MAX_JOINED_BYTES = 64 * 1024;

/** What tests tune: how long a turn judges (HELD_TURN_MS), and up to what size held updates are joined (MAX_JOINED_BYTES). */
export type HeldTuning = { turnMs?: number; joinBytes?: number };

/** What judging held updates again needs of their connection (socket-updates.ts). */
export type HeldJudge = {
  live: LiveDocument;
  actor: Actor;
  /** Whether the connection is still open as it was. */
  open(): boolean;
  /** Closes the connection when the update writes under another user's Yjs client id. */
  refusedForClientIds(update: Uint8Array): boolean;
  /** Takes a large update (or one behind one) in the document's lane (large-update.ts). */
  inTurns(update: Uint8Array, claim: Claim): Promise<void>;
  apply(update: Uint8Array, claim: Claim, steps: ModerationStep[]): Promise<void>;
  /** Closes the connection for an update it may not make. */
  refuse(reason: string): void;
};

/**
 * One connection's held updates, in order, and the watch on the document that
 * has them judged again: `retry` runs once after any change to the document.
 */
export class HeldUpdates {
  private entries: Held[] = [];
  private heldBytes = 0;
  private watching: LiveDocument | null = null;
  private retryScheduled = false;
  /** Set while updates are held: fires when the oldest has waited HELD_MAX_MS. */
  private deadline: NodeJS.Timeout | null = null;

  /** Whose updates these are, for the bound across an account's sockets: a connection has one account. */
  private account = "";

  constructor(
    private readonly limits: AccountLimits,
    private readonly events: HeldEvents,
    private readonly tuning: HeldTuning = {},
  ) {}

  get length() {
    return this.entries.length;
  }

  get bytes() {
    return this.heldBytes;
  }

  /** Whether they are to be judged again in a turn to come (`retryLater`). */
  get retrying(): boolean {
    return this.retryScheduled;
  }

  /** Holds an update and watches `live` for the content it waits for; null when the bound is reached. */
  hold(live: LiveDocument, account: string, update: Uint8Array, claim: Claim, awaited: ReadonlyMap<number, number>): Promise<void> | null {
    if (this.entries.length === 0) this.account = account;
    if (this.entries.length >= MAX_HELD_UPDATES || this.heldBytes + update.length > MAX_HELD_BYTES) return null;
    if (!this.limits.hold(this.account, update.length)) return null;
    this.heldBytes += update.length;
    this.watch(live);
    let reach: Reach;
    try {
      reach = reachOf(update);
    } catch {
      reach = new Map(); // unreadable: the judgement refuses it
    }
    const joined = this.join(live, { update, claim, awaited, reach });
    if (joined) return joined;
    const held = new Promise<void>((settle) => this.entries.push({ update, claim, settle, awaited, heldAt: Date.now(), bytes: update.length, reach }));
    if (this.entries.length === 1) this.keepDeadline();
    return held;
  }

  /**
   * Merges `arrived` with the held updates it builds on or that build on it, and has the result judged again.
   * Held apart, two updates can each wait for the other: a client that merges its outbox sends its first and
   * third changes as one update with a gap where the second goes, then the second, whose clocks follow the
   * first's. Yjs applies the first at once and the rest when the gap is filled; here neither would ever be
   * judged complete, and the connection closed after HELD_MAX_MS with all three lost. Updates that do not
   * build on each other stay apart, each applied as soon as it can be. Null when it joins none.
   */
  private join(live: LiveDocument, arrived: Omit<Held, "settle" | "heldAt" | "bytes">): Promise<void> | null {
    const partners = this.entries.filter((entry) => buildsOn(arrived.awaited, entry.reach) || buildsOn(entry.awaited, arrived.reach));
    const bytes = partners.reduce((sum, entry) => sum + entry.bytes, arrived.update.length);
    if (partners.length === 0 || bytes > (this.tuning.joinBytes ?? MAX_JOINED_BYTES)) return null;
    const parts = [...partners, arrived];
    let merged: Pick<Held, "update" | "awaited" | "reach" | "claim">;
    try {
      const update = Y.mergeUpdates(parts.map((part) => part.update));
      merged = { update, awaited: awaitedClocks(live.doc, update), reach: reachOf(update), claim: joinedClaim(live.doc, parts) };
      forgetDecoded(update);
    } catch {
      return null; // judged apart, as before: the judgement refuses what cannot be read
    }
    const settles = partners.map((entry) => entry.settle);
    const held = new Promise<void>((settle) => settles.push(settle));
    // In the place of the oldest, which keeps its time: the deadline counts from the first of them held.
    const [first, ...rest] = partners as [Held, ...Held[]];
    Object.assign(first, merged, { bytes, settle: (durable: Promise<void>) => settles.forEach((settle) => settle(durable)) });
    this.entries = this.entries.filter((entry) => !rest.includes(entry));
    this.retryLater();
    return held;
  }

  /** The timer follows the oldest held update, and stops once none is held. */
  private keepDeadline(at?: number) {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    const oldest = this.entries[0];
    if (!oldest) return;
    // After the timer, the next turn's reading first (setImmediate runs after it): a late loop fires timers
    // before it reads what sockets sent meanwhile.
    this.deadline = setTimeout(() => setImmediate(() => this.expire(oldest)), (at ?? oldest.heldAt + HELD_MAX_MS) - Date.now());
    this.deadline.unref();
  }

  private expire(oldest: Held) {
    this.deadline = null;
    if (this.entries[0] !== oldest) return this.keepDeadline();
    const now = Date.now();
    if (this.events.backlog() && now < oldest.heldAt + HELD_LONGEST_MS) return this.keepDeadline(now + HELD_RECHECK_MS);
    this.events.expired();
  }

  /** The held updates in order, as a copy that may be walked while entries are taken out. */
  list(): Held[] {
    return [...this.entries];
  }

  take(entry: Held) {
    const index = this.entries.indexOf(entry);
    this.entries.splice(index, 1);
    this.heldBytes -= entry.bytes;
    this.limits.unhold(this.account, entry.bytes);
    if (index === 0) this.keepDeadline();
  }

  /**
   * Judges again, in order, the held updates whose awaited content came, for
   * up to HELD_TURN_MS; the rest in a later turn. Each is applied, refused
   * (closing the connection), or held again with what it awaits now. A turn
   * judges at least one, so that a turn stalled before its first (a pause
   * of the collector) still moves on, as the loop's shares do (loop-budget.ts).
   */
  judgeAgain(judge: HeldJudge) {
    const started = performance.now();
    let judged = 0;
    let progress = true;
    while (progress && this.entries.length && judge.open()) {
      progress = false;
      for (const entry of this.list()) {
        if (!judge.open()) return;
        if (!anyArrived(judge.live.doc, entry.awaited)) continue;
        if (judged++ > 0 && performance.now() - started > (this.tuning.turnMs ?? HELD_TURN_MS)) return this.retryLater();
        if (takenInTurns(judge.live, entry.update)) {
          this.take(entry);
          entry.settle(judge.inTurns(entry.update, entry.claim));
          continue;
        }
        // Judged again whole: the client ids it writes under may have been claimed while it waited.
        if (judge.refusedForClientIds(entry.update)) return;
        const verdict = authorizeUpdate(judge.live.doc, entry.update, judge.actor);
        if (!verdict.ok && verdict.missing) {
          entry.awaited = awaitedClocks(judge.live.doc, entry.update);
          forgetDecoded(entry.update);
          continue;
        }
        this.take(entry);
        progress = true;
        if (!verdict.ok) return judge.refuse(verdict.reason);
        entry.settle(verdict.empty ? Promise.resolve() : judge.apply(entry.update, entry.claim, verdict.steps));
      }
    }
    if (this.entries.length === 0) this.watch(null);
  }

  /** Drops every held update and stops watching. */
  clear() {
    this.limits.unhold(this.account, this.heldBytes);
    this.entries = [];
    this.heldBytes = 0;
    this.watch(null);
    this.keepDeadline();
  }

  /**
   * While updates are held, any change to the document (this connection's or
   * another's: the missing content may come from either) has them judged
   * again, once the change's transaction is over.
   */
  watch(live: LiveDocument | null) {
    if (this.watching === live) return;
    this.watching?.doc.off("update", this.onDocumentChange);
    this.watching = live;
    live?.doc.on("update", this.onDocumentChange);
  }

  /** Has the held updates judged again in a later turn: what one turn did not get to. */
  retryLater() {
    this.onDocumentChange();
  }

  // In a turn of its own (own-turn.ts): with many sockets holding updates, their retries would otherwise
  // all run in one check phase of the loop.
  private onDocumentChange = () => {
    if (this.retryScheduled) return;
    this.retryScheduled = true;
    void ownTurn().then(() => {
      this.retryScheduled = false;
      this.events.retry();
    });
  };
}
