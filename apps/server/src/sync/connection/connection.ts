import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { type Actor, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, SYNC_CLOSE_CODES } from "@marginalia/schema";
import type { Logger } from "../../logger.ts";
import { type Identity, presenceInbox, releasePresence } from "../presence/awareness.ts";
import type { LiveDocument, Peer } from "../document/document.ts";
import type { SyncObserver } from "../observer.ts";
import type { HeldTuning } from "./held-updates.ts";
import { Acks } from "./acks.ts";
import { awarenessMessage, hasTrailingBytes, isStep1WithState, needsDocument, readStateVector, roleMessage, syncStep1Message } from "./messages.ts";
import { type Intake, IntakeGate, KeptMessages } from "./kept-messages.ts";
import type { Transport } from "./transport.ts";
import { LoopShare } from "./loop-budget.ts";
import { AccountLimits } from "./account-limits.ts";
import { type OpenSocket, SocketUpdates } from "./socket-updates.ts";

export type ConnectionOptions = {
  acks: boolean;
  /** Whether the client asked to be told its role, at open and on every change (`?roles=1`). */
  roles?: boolean;
  logger: Logger;
  /** Messages kept while the document loads or is busy, or past a loop share; past this (or MAX_KEPT_BYTES), 4529. */
  maxBuffered: number;
  observer?: SyncObserver;
  /** Event-loop time this socket may take per second (loop-budget.ts); past it, its messages wait. */
  loopShareMs?: number;
  /** What an account's sockets share (the hub's); by default, this socket's own. */
  limits?: AccountLimits;
  /** For tests: how this socket's held updates are judged and joined (held-updates.ts). */
  held?: HeldTuning;
};

type ActorChange = Partial<Pick<Actor, "role" | "moderation" | "reviewQuorum">>;

type Open = Extract<Phase, { phase: "open" }>;

type Phase =
  /** `changed`: what access events said of the actor while it was admitted (open-access.ts replays them then). */
  | { phase: "admitting"; buffered: KeptMessages; changed?: ActorChange }
  | ({ phase: "open"; identity: Identity; presence: ReturnType<typeof presenceInbox> } & OpenSocket)
  | { phase: "closed" };

/** One socket joined to one document. Messages that arrive before the document is ready are buffered, with a bound; then each is handled in order. */
export class Connection implements Peer {
  private state: Phase;
  private readonly acks: Acks;
  private readonly awarenessClients = new Set<number>();
  private readonly limits: AccountLimits;
  private readonly updates: SocketUpdates;
  /** Sync messages that need the document, waiting while it is busy (LiveDocument.whenFree). */
  private readonly waiting: KeptMessages;
  /** Pauses the socket's reading while messages wait (kept-messages.ts). */
  private readonly gate: IntakeGate;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly transport: Transport,
    private readonly options: ConnectionOptions,
  ) {
    this.gate = new IntakeGate(transport.pause && transport.resume ? (transport as Intake) : undefined);
    this.state = { phase: "admitting", buffered: new KeptMessages(options.maxBuffered, this.gate) };
    this.waiting = new KeptMessages(options.maxBuffered, this.gate);
    this.acks = new Acks(options.acks ? transport : null, () => this.state.phase === "open");
    this.limits = options.limits ?? new AccountLimits();
    this.updates = new SocketUpdates({
      peer: this,
      current: () => (this.state.phase === "open" ? this.state : null),
      close: (code, reason) => this.close(code, reason),
      presence: this.awarenessClients,
      logger: options.logger,
      observer: options.observer,
      limits: this.limits,
      backlog: () => this.gate.backlogged,
      held: options.held,
    });
  }

  get phase() {
    return this.state.phase;
  }

  /** The account this connection writes as, once open (the log's writer). */
  get account(): string | null {
    return this.state.phase === "open" ? this.state.account : null;
  }

  /** Runs `fn` once the connection closes, at once if it already has. */
  onClose(fn: () => void) {
    if (this.state.phase === "closed") fn();
    else this.closeListeners.push(fn);
  }

  receive(data: Uint8Array) {
    const state = this.state;
    if (state.phase === "admitting") {
      if (!state.buffered.keep(data)) {
        this.close(SYNC_CLOSE_CODES.busy, "too many messages before the document was ready");
      }
    } else if (state.phase === "open") {
      state.share.receive(data);
    }
  }

  open(live: LiveDocument, actor: Actor, identity: Identity, account: string) {
    const state = this.state;
    if (state.phase !== "admitting") return;
    const accountShare = this.limits.share(account);
    const share = new LoopShare(
      this.options.loopShareMs,
      accountShare,
      new KeptMessages(this.options.maxBuffered, this.gate),
      (message) => this.handle(open, message),
      () => this.close(SYNC_CLOSE_CODES.busy, "too many messages: this socket took its share of the server"),
    );
    const open: Open = {
      phase: "open",
      live,
      actor: { ...actor, ...state.changed, mayAnswer: (id) => live.answerers.has(id) },
      identity,
      account,
      share,
      openedAt: performance.now(),
      presence: presenceInbox(live, this, accountShare.presence, () => this.state === open && { identity, userId: open.actor.userId, clients: this.awarenessClients }),
    };
    this.state = open;
    live.peers.add(this);
    if (this.options.roles) this.transport.send(roleMessage(open.actor.role));
    // On a cold document the server's own step 1 waits for its state vector, read on the worker from the
    // loaded bytes (LiveDocument.stateVector), so that opening a document never builds it: the answer to
    // the client's step 1, usually among the buffered messages, needs only those bytes too. The document
    // is built when something needs it, such as the first write.
    if (live.isCold) void this.sendStep1(open);
    else this.transport.send(syncStep1Message(Y.encodeStateVector(live.doc)));
    const present = [...live.awareness.getStates().keys()];
    if (present.length) this.transport.send(awarenessMessage(live.awareness, present));
    for (const message of state.buffered.takeAll()) if (this.state === open) this.receive(message);
  }

  /**
   * A new role or moderation mode (access.ts): the next update, and every
   * held one, is judged under it; while still admitting, it is kept for `open`.
   */
  updateActor(change: ActorChange) {
    const state = this.state;
    if (state.phase === "open") {
      if (this.options.roles && change.role && change.role !== state.actor.role) this.transport.send(roleMessage(change.role));
      state.actor = { ...state.actor, ...change };
    } else if (state.phase === "admitting") state.changed = { ...state.changed, ...change };
  }

  /** The server's sync step 1: the client answers with what the server lacks (its offline work). */
  private async sendStep1(open: Open) {
    try {
      const stateVector = await open.live.stateVector();
      if (this.state === open) this.transport.send(syncStep1Message(stateVector));
    } catch (err) {
      // Bytes a snapshot this server verified could not be read: the client keeps its offline work until it reconnects.
      this.cannotAnswer(open, err);
    }
  }

  /** The document could not be written out for this socket: logged, and closed (1011) so that the client tries again. */
  private cannotAnswer(state: Open, err: unknown) {
    this.options.logger.error({ err, doc: state.live.name }, "a sync message for a loaded document could not be written");
    if (this.state === state) this.close(SYNC_CLOSE_CODES.internal, "the document could not be sent");
  }

  send(message: Uint8Array) {
    if (this.state.phase === "open") this.transport.send(message);
  }

  /** Closes from the server side, once the acks owed for updates taken before it are sent (acks.ts). */
  close(code: number, reason: string) {
    if (this.state.phase === "closed") return;
    this.options.observer?.closed(code);
    this.teardown();
    // Close reasons are limited to 123 bytes by the websocket protocol.
    this.acks.closeAfterOwed(() => this.transport.close(code, Buffer.from(reason).subarray(0, 120).toString()));
  }

  /** The socket closed on its own. */
  transportClosed() {
    if (this.state.phase !== "closed") this.teardown();
  }

  private teardown() {
    const state = this.state;
    this.state = { phase: "closed" };
    this.updates.clear();
    this.waiting.takeAll();
    if (state.phase === "open") {
      state.share.stop();
      state.presence.stop();
      state.live.peers.delete(this);
      releasePresence(state.live, this.awarenessClients);
    }
    for (const fn of this.closeListeners.splice(0)) fn();
  }

  private handle(state: Open, data: Uint8Array) {
    // An update also waits while too much of its account's work is not stored yet (account-limits.ts).
    const waits = this.waiting.length > 0 || state.live.isBusy || (needsDocument(data) && this.limits.backlogged(state.account));
    if (waits && (needsDocument(data) || isStep1WithState(data))) {
      this.waitUntilFree(state, data);
      return;
    }
    try {
      if (hasTrailingBytes(data)) return this.close(SYNC_CLOSE_CODES.badMessage, "bytes after the end of the message");
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.handleSync(state, decoder);
      else if (type === MESSAGE_AWARENESS) state.presence.take(decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) state.presence.query();
      else this.close(SYNC_CLOSE_CODES.badMessage, `unknown message type ${type}`);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, doc: state.live.name }, "malformed sync message");
      this.close(SYNC_CLOSE_CODES.badMessage, "malformed message");
    }
  }

  /**
   * Keeps an update until the document is free (LiveDocument.whenFree: built, and no large update holding its writers out) and
   * its account's unstored updates have drained (AccountLimits.drained), then handles everything kept, in order:
   * judging it now would build the rest on the event loop, or judge against a document about to change. A new client's
   * step 1 is answered at once from the loaded bytes, and a returning one's when the document is small; a large one's
   * diff (Y.diffUpdate: about 170 ms for 10 MB, per client as a restarted server's clients return) waits for the document.
   */
  private waitUntilFree(state: Open, data: Uint8Array) {
    if (!this.waiting.keep(data)) {
      this.close(SYNC_CLOSE_CODES.busy, "too many messages while the document was being built or taking a large update");
      return;
    }
    if (this.waiting.length > 1) return;
    void Promise.all([state.live.whenFree(), this.limits.drained(state.account)]).then(() => {
      const waiting = this.waiting.takeAll();
      for (const message of waiting) if (this.state === state) this.handle(state, message);
    });
  }

  private handleSync(state: Open, decoder: decoding.Decoder) {
    const step = decoding.readVarUint(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) {
      this.answerStep1(state, decoder);
      return;
    }
    if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) {
      this.close(SYNC_CLOSE_CODES.badMessage, `unknown sync step ${step}`);
      return;
    }
    const update = decoding.readVarUint8Array(decoder);
    const seq = this.acks.next();
    const durable = this.updates.take(state, update, step === syncProtocol.messageYjsSyncStep2);
    if (durable) this.acks.after(seq, durable);
  }

  /**
   * The client's sync step 1, answered with what it lacks. A large document's answer is written over several
   * turns, charged to this socket's shares as it goes, and sent only if this same connection is still open.
   */
  private answerStep1(state: Open, decoder: decoding.Decoder) {
    // Room for the answer is claimed before it is written, so that joins refused for their account's backlog make no copy.
    const release = this.transport.reserve?.(state.live.encodedBytes);
    if (release === null) {
      this.close(SYNC_CLOSE_CODES.backlog, "fell behind: the account's sockets hold too much unsent");
      return;
    }
    const answer = state.live.syncStep2For(readStateVector(decoder), (ms) => state.share.spend(ms), () => this.state === state);
    const sendAll = (messages: Uint8Array[]) => {
      release?.();
      if (this.state === state) for (const message of messages) this.send(message);
    };
    const failed = (err: unknown) => {
      release?.();
      this.cannotAnswer(state, err);
    };
    if (Array.isArray(answer)) sendAll(answer);
    else void answer.then(sendAll, failed);
  }
}

