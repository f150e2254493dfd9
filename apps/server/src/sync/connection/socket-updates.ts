import { type Actor, SYNC_CLOSE_CODES } from "@marginalia/schema";
import type { Logger } from "../../logger.ts";
import { type Authorization, type ModerationStep, authorizeUpdate } from "../authorize/authorize.ts";
import { closeCodeOf } from "../authorize/article-text.ts";
import { writtenClients } from "../authorize/client-ids.ts";
import { neededRole } from "../authorize/needed-role.ts";
import type { LiveDocument, Peer } from "../document/document.ts";
import type { SyncObserver } from "../observer.ts";
import { closeForNotStored, refusedByServer } from "../persist/commit-errors.ts";
import { forgetDecoded } from "../validate/decoded-update.ts";
import type { AccountLimits } from "./account-limits.ts";
import { type Claim, HeldUpdates, type HeldTuning, claims } from "./held-updates.ts";
import { type Judged, type Taker, awaitedClocks, stillHolds, takeInTurns, takenInTurns } from "./large-update.ts";
import type { LoopShare } from "./loop-budget.ts";
import { isEmptyUpdate } from "./messages.ts";
import { applyStep2 } from "./step2.ts";

/**
 * An open connection as its updates see it. `actor.userId` is the member id the document knows, `account`
 * who the log records as the writer; `actor` is replaced when the sender's role changes, so that the next
 * update, and every held one, is judged under the new one. `openedAt` is when the socket joined
 * (performance.now()), which tells work done while away from live work.
 */
export type OpenSocket = { live: LiveDocument; actor: Actor; account: string; share: LoopShare; openedAt: number };

/**
 * How long after joining a socket's updates count as catching up: a client sends its offline work in its
 * sync step 2 and the updates around it, at once on reconnecting, though a large step 2 takes some turns.
 */
const CATCH_UP_MS = 15_000;

/** What a socket's updates need of its connection (connection.ts). */
export type UpdateSender = {
  /** The connection as one of the document's peers: the origin of what it applies, which is not sent back to it. */
  peer: Peer;
  /**
   * The connection's state while its updates may go in (open, or draining after its client closed), null once
   * it closed: an update goes on only while it is the one it came in.
   */
  current(): OpenSocket | null;
  close(code: number, reason: string): void;
  /** The awareness client ids the sender's presence introduced. */
  presence: ReadonlySet<number>;
  logger: Logger;
  observer?: SyncObserver;
  limits: AccountLimits;
  /** Whether messages the socket sent still wait to be handled: a held update's deadline waits for them (held-updates.ts). */
  backlog?: () => boolean;
  /** For tests: how held updates are judged and joined (held-updates.ts). */
  held?: HeldTuning;
  /** Work on an update that went on over turns ended, or held updates were judged again: the connection may be done. */
  idle?: () => void;
};

/**
 * One socket's updates on their way into its document: checked against the
 * client ids and refused content (client-ids.ts, refused-structs.ts), judged
 * (authorize.ts), held while they build on content not received yet
 * (held-updates.ts), taken in turns when large (large-update.ts), split when
 * a sync step 2 carries what the sender may not make (step2.ts), and
 * applied, claiming the client ids they write under.
 */
export class SocketUpdates {
  private readonly held: HeldUpdates;
  /**
   * Updates taken over turns (`inTurns`) not yet applied whole, held or given up: this socket's later updates
   * follow them in the document's lane (large-update.ts), in order.
   */
  private inTurnsNow = 0;
  /** Large sync steps 2 being judged over turns (step2.ts), until they settle. */
  private step2Now = 0;

  constructor(private readonly sender: UpdateSender) {
    const expired = () => this.refuseAt("socket", SYNC_CLOSE_CODES.notStored, "an update builds on content the server never received");
    this.held = new HeldUpdates(sender.limits, { retry: () => this.retryHeld(), expired, backlog: () => sender.backlog?.() ?? false }, sender.held);
  }

  /**
   * Takes an update or sync step 2 from the client: its durability, or null once the connection is closed
   * for it. An update that is not stored closes the socket, whether it asked for acks or not: no later ack
   * may count it as durable, and the sender must learn that it was not.
   */
  take(state: OpenSocket, update: Uint8Array, step2: boolean): Promise<void> | null {
    // Nothing to judge or store, and judging would build a cold document: the usual answer of a client
    // that has nothing the server lacks to the server's step 1.
    let durable: Promise<void> | null;
    if (isEmptyUpdate(update)) durable = Promise.resolve();
    else if (step2 && takenInTurns(state.live, update)) {
      const ended = this.underWay("step2Now");
      durable = this.applyStep2(state, update);
      void (durable ?? Promise.resolve()).then(ended, ended);
    } else if (step2) durable = this.applyStep2(state, update);
    else durable = this.authorizeAndApply(state, update, "all");
    durable?.catch((err: Error) => this.notStored(state, err));
    return durable;
  }

  /** The connection closed: held updates were never applied; they stay unacknowledged, and the client resends them on reconnect. */
  clear() {
    this.held.clear();
  }

  /** Whether an update is still on its way in: taken over turns, or held updates about to be judged again. */
  get busy(): boolean {
    return this.inTurnsNow > 0 || this.step2Now > 0 || this.held.retrying;
  }

  /** Whether an update taken over turns is still going in: one begun goes on to its last piece, closed or not (`inTurns`). */
  get applying(): boolean {
    return this.inTurnsNow > 0;
  }

  /** Counts work on its way in until the function returned is called (once). */
  private underWay(counter: "inTurnsNow" | "step2Now"): () => void {
    this[counter]++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this[counter]--;
      this.sender.idle?.();
    };
  }

  private isCurrent(state: OpenSocket): boolean {
    return this.sender.current() === state;
  }

  /** The committer did not store an update of this socket's (commit-errors.ts): it closes, saying why. */
  private notStored(state: OpenSocket, err: Error) {
    if (!this.isCurrent(state)) return;
    const [code, reason] = closeForNotStored(err);
    this.sender.logger.warn({ doc: state.live.name, userId: state.actor.userId, code, err: err.message }, "update not stored; socket closed");
    // Only a refusal is counted as one: a stop or a reload closes the socket too, with nothing of it refused.
    if (refusedByServer(err)) this.refuseAt("commit", code, reason);
    else this.sender.close(code, reason);
  }

  /**
   * Applies an update if the sender may make it, and returns its durability; null once the connection is
   * closed for it. One that builds on content the server has not received yet (typing right after
   * reconnecting, before the step 2 that carries offline work) is held, in order, and judged again whenever
   * the document changes; its durability settles when it is applied.
   */
  private authorizeAndApply(state: OpenSocket, update: Uint8Array, claim: Claim, judged?: Judged): Promise<void> | null {
    if (takenInTurns(state.live, update, this.inTurnsNow > 0)) return this.inTurns(state, update, claim, judged);
    if (this.refusedForClientIds(state, update)) return null;
    const verdict = stillHolds(state.live, judged, state.actor) ?? authorizeUpdate(state.live.doc, update, state.actor);
    if (!verdict.ok || verdict.empty) return this.withoutApplying(state, update, claim, verdict);
    const durable = this.applyNow(state, update, claim, verdict.steps);
    this.releaseHeld(state);
    return durable;
  }

  /** What a verdict that applies nothing leads to: the update held (with the clocks it awaits), refused (null: closed), or nothing. */
  private withoutApplying(state: OpenSocket, update: Uint8Array, claim: Claim, verdict: Authorization): Promise<void> | null {
    if (verdict.ok) return Promise.resolve();
    // Judged after its connection closed (a step 2 judged over turns): nothing is held for it any more.
    if (!this.isCurrent(state)) return null;
    if (!verdict.missing) {
      this.refuse(state, verdict.reason);
      return null;
    }
    const durable = this.held.hold(state.live, state.account, update, claim, awaitedClocks(state.live.doc, update));
    // Its decoded structs (about 27 times its bytes) are not kept while it waits: it is decoded again when judged.
    forgetDecoded(update);
    if (!durable) this.refuseAt("socket", SYNC_CLOSE_CODES.badMessage, "too many updates that build on content never sent");
    return durable;
  }

  /**
   * A large update, or one queued behind one, taken in turns (large-update.ts). It goes on while the connection
   * is open or draining; once its first piece is applied it goes on to its last whatever closes the connection,
   * so that one update is never stored in part.
   */
  private inTurns(state: OpenSocket, update: Uint8Array, claim: Claim, judged?: Judged): Promise<void> {
    const ended = this.underWay("inTurnsNow");
    let begun = false;
    const taker: Taker = {
      live: state.live,
      judged,
      actor: () => state.actor,
      open: () => begun || this.isCurrent(state),
      spend: (ms) => state.share.spend(ms),
      refusedForClientIds: (piece) => this.refusedForClientIds(state, piece ?? update),
      withoutApplying: (verdict) => {
        const durable = this.withoutApplying(state, update, claim, verdict);
        ended();
        return durable;
      },
      apply: (piece, steps) => {
        begun = true;
        return this.applyNow(state, piece, claim, steps);
      },
      applied: () => {
        this.releaseHeld(state);
        ended();
      },
    };
    const taken = takeInTurns(taker, update);
    taken.then(ended, ended);
    return taken;
  }

  /** Closes the connection when `update` writes under another user's Yjs client id (client-ids.ts), or brings back what the database refused. */
  private refusedForClientIds(state: OpenSocket, update: Uint8Array): boolean {
    const taken = state.live.clientIds.takenIn(state.live.doc, update, state.actor.userId);
    const reason = state.live.refusedBefore(update) ?? (taken === null ? null : `Yjs client ${taken} writes for another user`);
    if (reason === null) return false;
    this.refuse(state, reason);
    return true;
  }

  /** Applies an authorized update, and makes the client ids it writes under the sender's. */
  private applyNow(state: OpenSocket, update: Uint8Array, claim: Claim, steps: ModerationStep[]): Promise<void> {
    const started = performance.now();
    const written = writtenClients(state.live.doc, update);
    const needs = neededRole(state.live.doc, update, state.actor);
    forgetDecoded(update);
    // Judged when applied, which can be later than the update came (a step 2 taken in turns, a backlog): a
    // step 2's pieces (claim "presence") and updates held and joined (a set of clients) are catching up whenever.
    const catchingUp = claim !== "all" || performance.now() - state.openedAt < CATCH_UP_MS;
    const durable = state.live.apply(update, { userId: state.account, memberId: state.actor.userId, needs, peer: this.sender.peer, catchingUp });
    this.sender.limits.storing(state.account, update.byteLength, durable);
    this.sender.observer?.applied(performance.now() - started);
    for (const client of written) {
      if (claims(claim, client, this.sender.presence)) state.live.clientIds.claim(client, state.actor.userId);
    }
    // Logged once stored, as the REST steps are; a step that is never stored was never taken.
    if (steps.length) durable.then(() => state.live.moderated(steps, state.account)).catch(() => {});
    return durable;
  }

  /** A sync step 2, judged in pieces when it cannot be applied whole (step2.ts). */
  private applyStep2(state: OpenSocket, update: Uint8Array): Promise<void> | null {
    const sender = {
      live: state.live,
      actor: state.actor,
      presence: this.sender.presence,
      logger: this.sender.logger,
      apply: (piece: Uint8Array, judged: Judged) => this.authorizeAndApply(state, piece, "presence", judged),
      refuse: (reason: string) => this.refuse(state, reason),
    };
    return applyStep2(sender, update);
  }

  private releaseHeld(state: OpenSocket) {
    const started = performance.now();
    try {
      this.held.judgeAgain({
        live: state.live,
        actor: state.actor,
        open: () => this.isCurrent(state),
        refusedForClientIds: (update) => this.refusedForClientIds(state, update),
        inTurns: (update, claim) => this.inTurns(state, update, claim),
        apply: (update, claim, steps) => this.applyNow(state, update, claim, steps),
        refuse: (reason) => this.refuse(state, reason),
      });
    } finally {
      state.share.spend(performance.now() - started);
    }
  }

  /** Held updates judged again after the document changed (held-updates.ts). */
  private retryHeld() {
    const state = this.sender.current();
    if (state === null || this.held.length === 0) return this.sender.idle?.();
    try {
      this.releaseHeld(state);
    } catch (err) {
      this.sender.logger.warn({ err: (err as Error).message, doc: state.live.name }, "held update failed");
      this.refuseAt("socket", SYNC_CLOSE_CODES.badMessage, "malformed message");
    }
    this.sender.idle?.();
  }

  private refuse(state: OpenSocket, reason: string) {
    this.sender.logger.warn({ doc: state.live.name, userId: state.actor.userId, role: state.actor.role, reason }, "update refused");
    this.refuseAt("socket", closeCodeOf(reason), reason);
  }

  /** Closes the socket for an update of its that is refused, counted as such (observer.ts, `refused`). */
  private refuseAt(stage: "socket" | "commit", code: number, reason: string) {
    this.sender.observer?.refused(stage, code);
    this.sender.close(code, reason);
  }
}
