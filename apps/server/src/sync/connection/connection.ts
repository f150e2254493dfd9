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

type Open = { phase: "open"; socket: OpenSocket; identity: Identity; presence: ReturnType<typeof presenceInbox> };

/**
 * A connection's lifecycle (docs/architecture.md, "A socket's lifecycle"). `draining`: the client closed the
 * socket (or it dropped); what it sent before is still handled in order, as if the socket had stayed open,
 * while nothing is read from it or sent to it, and its presence is gone. It is `closed` once that work is done,
 * or at once when the server closes it (a refusal, access lost, a limit, a shutdown): what it kept is dropped.
 */
type Phase =
  /**
   * `changed`: what access events said of the actor while it was admitted (open-access.ts replays them then).
   * `clientGone`: the client closed before the document was ready; what it sent is handled once it is.
   */
  | { phase: "admitting"; buffered: KeptMessages; changed?: ActorChange; clientGone?: true }
  | Open
  | { phase: "draining"; socket: OpenSocket }
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
  /** Waiting for `settled`. */
  private readonly settledListeners: Array<() => void> = [];
  /** Set while kept messages are handed on in a batch: a draining connection is not done between two of them. */
  private replaying = 0;

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
      current: () => this.socket,
      close: (code, reason) => this.close(code, reason),
      presence: this.awarenessClients,
      logger: options.logger,
      observer: options.observer,
      limits: this.limits,
      backlog: () => this.gate.backlogged,
      held: options.held,
      idle: () => {
        this.checkDrained();
        this.checkSettled();
      },
    });
  }

  get phase() {
    return this.state.phase;
  }

  /** The account this connection writes as, once open and while it drains (the log's writer). */
  get account(): string | null {
    return this.socket?.account ?? null;
  }

  /** The document side of the connection, while its updates may still go in: open, or draining. */
  private get socket(): OpenSocket | null {
    const state = this.state;
    return state.phase === "open" || state.phase === "draining" ? state.socket : null;
  }

  /**
   * Resolves once the connection is closed and no update of its is still going in: a large update it began
   * to apply goes on to its last piece whatever closes it (socket-updates.ts), and the shutdown waits for it
   * before the committer closes (shutdown.ts).
   */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.settledListeners.push(resolve);
      this.checkSettled();
    });
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
      state.socket.share.receive(data);
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
      (message) => this.handle(socket, message),
      () => this.close(SYNC_CLOSE_CODES.busy, "too many messages: this socket took its share of the server"),
    );
    const socket: OpenSocket = {
      live,
      actor: { ...actor, ...state.changed, mayAnswer: (id) => live.answerers.has(id) },
      account,
      share,
      openedAt: performance.now(),
    };
    live.peers.add(this);
    if (state.clientGone) {
      // Nothing is sent to a client that left, and it has no presence: what it sent is only handled.
      this.state = { phase: "draining", socket };
      this.replay(socket, state.buffered.takeAll());
      return;
    }
    const open: Open = {
      phase: "open",
      socket,
      identity,
      presence: presenceInbox(live, this, accountShare.presence, () => this.state === open && { identity, userId: socket.actor.userId, clients: this.awarenessClients }),
    };
    this.state = open;
    if (this.options.roles) this.transport.send(roleMessage(socket.actor.role));
    // On a cold document the server's own step 1 waits for its state vector, read on the worker from the
    // loaded bytes (LiveDocument.stateVector), so that opening a document never builds it: the answer to
    // the client's step 1, usually among the buffered messages, needs only those bytes too. The document
    // is built when something needs it, such as the first write.
    if (live.isCold) void this.sendStep1(open);
    else this.transport.send(syncStep1Message(Y.encodeStateVector(live.doc)));
    const present = [...live.awareness.getStates().keys()];
    if (present.length) this.transport.send(awarenessMessage(live.awareness, present));
    this.replay(socket, state.buffered.takeAll());
  }

  /** Hands kept messages on, in order, through the socket's share of the loop, then sees whether a draining connection is done. */
  private replay(socket: OpenSocket, messages: Uint8Array[]) {
    this.replaying++;
    try {
      for (const message of messages) if (this.socket === socket) socket.share.receive(message);
    } finally {
      this.replaying--;
    }
    this.checkDrained();
  }

  /**
   * A new role or moderation mode (access.ts): the next update, and every
   * held one, is judged under it; while still admitting, it is kept for `open`.
   */
  updateActor(change: ActorChange) {
    const state = this.state;
    if (state.phase === "open" || state.phase === "draining") {
      const socket = state.socket;
      if (state.phase === "open" && this.options.roles && change.role && change.role !== socket.actor.role) this.transport.send(roleMessage(change.role));
      socket.actor = { ...socket.actor, ...change };
    } else if (state.phase === "admitting") state.changed = { ...state.changed, ...change };
  }

  /** The server's sync step 1: the client answers with what the server lacks (its offline work). */
  private async sendStep1(open: Open) {
    try {
      const stateVector = await open.socket.live.stateVector();
      if (this.state === open) this.transport.send(syncStep1Message(stateVector));
    } catch (err) {
      // Bytes a snapshot this server verified could not be read: the client keeps its offline work until it reconnects.
      this.cannotAnswer(open, err);
    }
  }

  /** The document could not be written out for this socket: logged, and closed (1011) so that the client tries again. */
  private cannotAnswer(state: Open, err: unknown) {
    this.options.logger.error({ err, doc: state.socket.live.name }, "a sync message for a loaded document could not be written");
    if (this.state === state) this.close(SYNC_CLOSE_CODES.internal, "the document could not be sent");
  }

  send(message: Uint8Array) {
    if (this.state.phase === "open") this.transport.send(message);
  }

  /**
   * Closes from the server side, once the acks owed for updates taken before it are sent (acks.ts). What the
   * connection kept is dropped, unapplied, whether its client had closed already (draining) or not.
   */
  close(code: number, reason: string) {
    const state = this.state;
    if (state.phase === "closed") return;
    this.teardown();
    // A client that closed first is told nothing: its socket is gone.
    if (state.phase === "draining" || (state.phase === "admitting" && state.clientGone)) return;
    this.options.observer?.closed(code);
    // Close reasons are limited to 123 bytes by the websocket protocol.
    this.acks.closeAfterOwed(() => this.transport.close(code, Buffer.from(reason).subarray(0, 120).toString()));
  }

  /**
   * The socket closed on its own (the client closed it, or it dropped): what it sent before is handled still
   * (`draining`); its presence goes now.
   */
  transportClosed() {
    const state = this.state;
    if (state.phase === "admitting") {
      if (state.buffered.length > 0) state.clientGone = true;
      else this.teardown();
    } else if (state.phase === "open") {
      this.state = { phase: "draining", socket: state.socket };
      state.presence.stop();
      releasePresence(state.socket.live, this.awarenessClients);
      this.checkDrained();
    }
  }

  /** A draining connection with nothing left to handle, and no update of its on its way in, closes. */
  private checkDrained() {
    const state = this.state;
    if (state.phase !== "draining" || this.replaying > 0) return;
    if (state.socket.share.pending > 0 || this.waiting.length > 0 || this.updates.busy) return;
    this.teardown();
  }

  private checkSettled() {
    if (this.state.phase !== "closed" || this.updates.applying) return;
    for (const resolve of this.settledListeners.splice(0)) resolve();
  }

  private teardown() {
    const state = this.state;
    this.state = { phase: "closed" };
    // Held updates (held-updates.ts) a draining connection still had wait for content its client never sent.
    this.updates.clear();
    this.waiting.takeAll();
    if (state.phase === "open") {
      state.presence.stop();
      releasePresence(state.socket.live, this.awarenessClients);
    }
    if (state.phase === "open" || state.phase === "draining") {
      state.socket.share.stop();
      state.socket.live.peers.delete(this);
    }
    for (const fn of this.closeListeners.splice(0)) fn();
    this.checkSettled();
  }

  private handle(socket: OpenSocket, data: Uint8Array) {
    const state = this.state;
    if ((state.phase !== "open" && state.phase !== "draining") || state.socket !== socket) return;
    // A draining connection takes only updates: nothing is sent to its client, whose presence is gone.
    if (state.phase === "draining" && !needsDocument(data)) return this.checkDrained();
    // An update also waits while too much of its account's work is not stored yet (account-limits.ts).
    const waits = this.waiting.length > 0 || socket.live.isBusy || (needsDocument(data) && this.limits.backlogged(socket.account));
    if (waits && (needsDocument(data) || isStep1WithState(data))) {
      this.waitUntilFree(socket, data);
      return;
    }
    try {
      if (hasTrailingBytes(data)) return this.close(SYNC_CLOSE_CODES.badMessage, "bytes after the end of the message");
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.handleSync(state, decoder);
      else if (state.phase !== "open") return;
      else if (type === MESSAGE_AWARENESS) state.presence.take(decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) state.presence.query();
      else this.close(SYNC_CLOSE_CODES.badMessage, `unknown message type ${type}`);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, doc: socket.live.name }, "malformed sync message");
      this.close(SYNC_CLOSE_CODES.badMessage, "malformed message");
    }
    this.checkDrained();
  }

  /**
   * Keeps an update until the document is free (LiveDocument.whenFree: built, and no large update holding its writers out) and
   * its account's unstored updates have drained (AccountLimits.drained), then handles everything kept, in order:
   * judging it now would build the rest on the event loop, or judge against a document about to change. A new client's
   * step 1 is answered at once from the loaded bytes, and a returning one's when the document is small; a large one's
   * diff (Y.diffUpdate: about 170 ms for 10 MB, per client as a restarted server's clients return) waits for the document.
   */
  private waitUntilFree(socket: OpenSocket, data: Uint8Array) {
    if (!this.waiting.keep(data)) {
      this.close(SYNC_CLOSE_CODES.busy, "too many messages while the document was being built or taking a large update");
      return;
    }
    if (this.waiting.length > 1) return;
    void Promise.all([socket.live.whenFree(), this.limits.drained(socket.account)]).then(() => {
      this.replaying++;
      try {
        for (const message of this.waiting.takeAll()) this.handle(socket, message);
      } finally {
        this.replaying--;
      }
      this.checkDrained();
    });
  }

  private handleSync(state: Open | { phase: "draining"; socket: OpenSocket }, decoder: decoding.Decoder) {
    const step = decoding.readVarUint(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) {
      if (state.phase === "open") this.answerStep1(state, decoder);
      return;
    }
    if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) {
      this.close(SYNC_CLOSE_CODES.badMessage, `unknown sync step ${step}`);
      return;
    }
    const update = decoding.readVarUint8Array(decoder);
    const seq = this.acks.next();
    const durable = this.updates.take(state.socket, update, step === syncProtocol.messageYjsSyncStep2);
    if (durable) this.acks.after(seq, durable);
  }

  /**
   * The client's sync step 1, answered with what it lacks. A large document's answer is written over several
   * turns, charged to this socket's shares as it goes, and sent only if this same connection is still open.
   */
  private answerStep1(state: Open, decoder: decoding.Decoder) {
    // Room for the answer is claimed before it is written, so that joins refused for their account's backlog make no copy.
    const { live, share } = state.socket;
    const release = this.transport.reserve?.(live.encodedBytes);
    if (release === null) {
      this.close(SYNC_CLOSE_CODES.backlog, "fell behind: the account's sockets hold too much unsent");
      return;
    }
    const answer = live.syncStep2For(readStateVector(decoder), (ms) => share.spend(ms), () => this.state === state);
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

