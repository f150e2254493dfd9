import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import {
  MESSAGE_ACK,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SYNC_CLOSE_CODES,
} from "@marginalia/schema";
import type { Logger } from "../logger.ts";
import { type Identity, stampAwarenessUpdate } from "./awareness.ts";
import { authorizeUpdate } from "./authorize.ts";
import { type LiveDocument, type Peer, awarenessMessage } from "./document.ts";
import type { Actor } from "./policy.ts";

/** What the sync core needs of a socket; the websocket glue provides it. */
export type Transport = { send(data: Uint8Array): void; close(code: number, reason: string): void };

export type ConnectionOptions = {
  acks: boolean;
  logger: Logger;
  /** Messages kept while the document loads; more than this closes the socket. */
  maxBuffered: number;
};

type Phase =
  | { phase: "admitting"; buffered: Uint8Array[] }
  | { phase: "open"; live: LiveDocument; actor: Actor; identity: Identity }
  | { phase: "closed" };

/**
 * One socket joined to one document. Messages that arrive before the
 * document is ready are buffered, with a bound; then each is handled in order.
 */
export class Connection implements Peer {
  private state: Phase = { phase: "admitting", buffered: [] };
  private updatesReceived = 0;
  private ackChain: Promise<void> = Promise.resolve();
  private readonly awarenessClients = new Set<number>();
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly transport: Transport,
    private readonly options: ConnectionOptions,
  ) {}

  get phase() {
    return this.state.phase;
  }

  /** Runs `fn` once the connection closes, at once if it already has. */
  onClose(fn: () => void) {
    if (this.state.phase === "closed") fn();
    else this.closeListeners.push(fn);
  }

  receive(data: Uint8Array) {
    const state = this.state;
    if (state.phase === "admitting") {
      state.buffered.push(data);
      if (state.buffered.length > this.options.maxBuffered) {
        this.close(SYNC_CLOSE_CODES.tooManyConnections, "too many messages before the document was ready");
      }
    } else if (state.phase === "open") this.handle(state, data);
  }

  open(live: LiveDocument, actor: Actor, identity: Identity) {
    const state = this.state;
    if (state.phase !== "admitting") return;
    const open = { phase: "open", live, actor, identity } as const;
    this.state = open;
    live.peers.add(this);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, live.doc);
    this.transport.send(encoding.toUint8Array(encoder));
    const present = [...live.awareness.getStates().keys()];
    if (present.length) this.transport.send(awarenessMessage(live.awareness, present));
    for (const message of state.buffered) if (this.state === open) this.handle(open, message);
  }

  send(message: Uint8Array) {
    if (this.state.phase === "open") this.transport.send(message);
  }

  /** Closes from the server side. */
  close(code: number, reason: string) {
    if (this.state.phase === "closed") return;
    this.teardown();
    // Close reasons are limited to 123 bytes by the websocket protocol.
    this.transport.close(code, Buffer.from(reason).subarray(0, 120).toString());
  }

  /** The socket closed on its own. */
  transportClosed() {
    if (this.state.phase !== "closed") this.teardown();
  }

  private teardown() {
    const state = this.state;
    this.state = { phase: "closed" };
    if (state.phase === "open") {
      state.live.peers.delete(this);
      for (const id of this.awarenessClients) state.live.awarenessOwners.delete(id);
      awarenessProtocol.removeAwarenessStates(state.live.awareness, [...this.awarenessClients], null);
    }
    for (const fn of this.closeListeners.splice(0)) fn();
  }

  private handle(state: Extract<Phase, { phase: "open" }>, data: Uint8Array) {
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.handleSync(state, decoder);
      else if (type === MESSAGE_AWARENESS) this.handleAwareness(state, decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) {
        this.send(awarenessMessage(state.live.awareness, [...state.live.awareness.getStates().keys()]));
      } else this.close(SYNC_CLOSE_CODES.badMessage, `unknown message type ${type}`);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, doc: state.live.name }, "malformed sync message");
      this.close(SYNC_CLOSE_CODES.badMessage, "malformed message");
    }
  }

  private handleSync(state: Extract<Phase, { phase: "open" }>, decoder: decoding.Decoder) {
    const step = decoding.readVarUint(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep2(encoder, state.live.doc, decoding.readVarUint8Array(decoder));
      this.send(encoding.toUint8Array(encoder));
      return;
    }
    if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) {
      this.close(SYNC_CLOSE_CODES.badMessage, `unknown sync step ${step}`);
      return;
    }
    const update = decoding.readVarUint8Array(decoder);
    const seq = ++this.updatesReceived;
    const verdict = authorizeUpdate(state.live.doc, update, state.actor);
    if (!verdict.ok) {
      this.options.logger.warn(
        { doc: state.live.name, userId: state.actor.userId, role: state.actor.role, reason: verdict.reason },
        "update refused",
      );
      this.close(SYNC_CLOSE_CODES.forbidden, verdict.reason);
      return;
    }
    const durable = verdict.empty ? Promise.resolve() : state.live.apply(update, { userId: state.actor.userId, peer: this });
    if (!this.options.acks) return;
    // Acknowledged in order: n means the first n update messages are all durable.
    this.ackChain = this.ackChain
      .then(() => durable)
      .then(() => this.sendAck(seq))
      .catch((err: Error) => this.options.logger.error({ err, doc: state.live.name }, "update not persisted"));
  }

  private handleAwareness(state: Extract<Phase, { phase: "open" }>, update: Uint8Array) {
    const owners = state.live.awarenessOwners;
    const stamped = stampAwarenessUpdate(update, state.identity, (id) => (owners.get(id) ?? this) === this);
    for (const id of stamped.clientIds) {
      owners.set(id, this);
      this.awarenessClients.add(id);
    }
    awarenessProtocol.applyAwarenessUpdate(state.live.awareness, stamped.update, this);
  }

  private sendAck(seq: number) {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_ACK);
    encoding.writeVarUint(encoder, seq);
    this.send(encoding.toUint8Array(encoder));
  }
}
