import { setImmediate as nextTurn } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { Logger } from "../../logger.ts";
import { type AccessEvent, parseAccessEvent } from "../authorize/access.ts";
import type { ClientIdStore } from "../authorize/client-id-store.ts";
import type { DocStore } from "../persist/doc-store.ts";
import type { LiveDocument } from "../document/document.ts";
import type { DocumentRelay } from "./document-relay.ts";
import { openRedisConnection, quit, watchConnection } from "./redis-connection.ts";
import type { SyncObserver } from "../observer.ts";
import { FRAME, type FrameKind, ID_BYTES, decodeFrame, encodeFrame } from "./relay-frame.ts";

/*
 * The Redis relay between server processes (docs/architecture.md, "More than one process").
 *
 * One channel per document, `<prefix><document name>`, e.g.
 * `marginalia:doc:article:<id>` or `marginalia:doc:article:<id>:private:<user>`.
 * A process subscribes (exactly, never by pattern) only to the documents it
 * has loaded, and publishes a document's changes only on that document's
 * channel: a private document's content never reaches a shared channel.
 *
 * Frames, one binary Redis message each, are laid out in relay-frame.ts.
 *
 * Updates are published after their commit, not before. Peers on other
 * processes see a change a commit later (a few ms), and in exchange every
 * message on a channel names data that is already in Postgres. So whatever a
 * process misses (it was not yet subscribed, Redis restarted, a publish
 * failed) it gets back by reloading from Postgres, and a process that dies
 * never leaves another holding an update that no one will store: what a
 * client re-sends after failing over is new to its new process, which stores
 * it and only then acknowledges it.
 *
 * A Redis that hangs instead of going away is cut by each connection's heartbeat (redis-connection.ts) and
 * is from then on a Redis that went away.
 */

/** Documents reloaded from Postgres at once after a reconnect, so as not to flood the database. */
const RESYNC_CONCURRENCY = 4;
const RESYNC_RETRY_MS = 1_000;
/** The first wait before subscribing to the access and notification channels again, doubled up to the cap. */
const CONTROL_RETRY_MS = 100;
const CONTROL_RETRY_MAX_MS = 5_000;

export const DEFAULT_CHANNEL_PREFIX = "marginalia:doc:";

export type RedisRelayOptions = {
  url: string;
  logger: Logger;
  store: Pick<DocStore, "load">;
  /** Where claims of Yjs client ids are kept (client-id-store.ts): a resync reads those it may have missed. */
  claims?: Pick<ClientIdStore, "load">;
  channelPrefix?: string;
  /** Hears how far behind each connection is (its heartbeat's round trip), for metrics. */
  observer?: Pick<SyncObserver, "relayLag">;
};

export class RedisRelay implements DocumentRelay {
  readonly shared = true;
  readonly processId = new Uint8Array(randomBytes(ID_BYTES));
  /** Publishing and subscribing need separate connections: a subscribed one can do nothing else. */
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly store: Pick<DocStore, "load">;
  private readonly claims: Pick<ClientIdStore, "load"> | null;
  /** The loaded documents, by channel. */
  private readonly docs = new Map<string, LiveDocument>();
  /** Committed updates waiting for this turn's publish, by channel: merged into one message each. */
  private outbox = new Map<string, Uint8Array[]>();
  private outboxScheduled = false;
  /** Channels whose committed updates could not be published: they get a `stale` frame once Redis is back. */
  private readonly unpublished = new Set<string>();
  private readonly resyncQueue = new Set<string>();
  /** When each document was last reloaded for a gap (`gapFound`). */
  private readonly gapResyncs = new Map<string, number>();
  private resyncsRunning = 0;
  private closed = false;
  /** Subscribed to the access and notification channels on the current subscriber connection. */
  private controlSubscribed = false;
  private readonly accessChannel: string;
  private accessListener: (event: AccessEvent | null) => void = () => {};
  private readonly notifiedChannel: string;
  private notifiedListener: (userIds: string[]) => void = () => {};

  constructor(options: RedisRelayOptions) {
    this.prefix = options.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
    this.accessChannel = `${this.prefix}#access`;
    this.notifiedChannel = `${this.prefix}#notified`;
    this.logger = options.logger.child({ component: "relay" });
    this.store = options.store;
    this.claims = options.claims ?? null;
    this.pub = openRedisConnection(options.url, "marginalia-pub");
    this.sub = openRedisConnection(options.url, "marginalia-sub");
    const closing = () => this.closed;
    const answered = options.observer?.relayLag.bind(options.observer);
    watchConnection(this.pub, "publisher", this.logger, { closing, onReady: this.onPublisherReady, answered });
    watchConnection(this.sub, "subscriber", this.logger, { closing, onReady: this.onSubscriberReady, answered });
    this.sub.on("messageBuffer", this.onMessage);
  }

  attach(live: LiveDocument) {
    const channel = this.prefix + live.name;
    this.docs.set(channel, live);
    if (this.sub.status === "ready") void this.subscribe([channel]);
  }

  detach(live: LiveDocument) {
    const channel = this.prefix + live.name;
    if (this.docs.get(channel) !== live) return;
    this.docs.delete(channel);
    this.resyncQueue.delete(channel);
    this.gapResyncs.delete(channel);
    if (this.sub.status === "ready") this.sub.unsubscribe(channel).catch(() => {});
  }

  publishUpdate(live: LiveDocument, update: Uint8Array, durable: Promise<void>) {
    const channel = this.prefix + live.name;
    // A failed commit is logged by the committer and acknowledged to no one: there is nothing to relay.
    durable.then(() => this.enqueue(channel, update), () => {});
  }

  publishAwareness(live: LiveDocument, update: Uint8Array) {
    // Presence is not worth a retry: clients renew it every 15 s.
    this.publish(this.prefix + live.name, FRAME.awareness, update);
  }

  publishClaim(live: LiveDocument, clientId: number, userId: string) {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarString(encoder, userId);
    // Published before the presence or the update that made it, on the same channel: others know the id is taken first.
    this.publish(this.prefix + live.name, FRAME.claim, encoding.toUint8Array(encoder));
  }

  publishAccess(event: AccessEvent) {
    this.publish(this.accessChannel, FRAME.access, new TextEncoder().encode(JSON.stringify(event)));
  }

  onAccess(listener: (event: AccessEvent | null) => void) {
    this.accessListener = listener;
  }

  publishNotified(userIds: readonly string[]) {
    // Not retried: a stream that misses one hears of it with the next, and the web app polls besides.
    if (userIds.length) this.publish(this.notifiedChannel, FRAME.notified, new TextEncoder().encode(JSON.stringify(userIds)));
  }

  onNotified(listener: (userIds: string[]) => void) {
    this.notifiedListener = listener;
  }

  /** Both connections: without the publisher nothing leaves, without the subscriber nothing arrives. */
  connected(): boolean {
    return !this.closed && this.pub.status === "ready" && this.sub.status === "ready" && this.controlSubscribed;
  }

  async close() {
    // Commits that resolved just before shutdown still go out.
    await nextTurn();
    this.flushOutbox();
    this.closed = true;
    this.docs.clear();
    this.resyncQueue.clear();
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }

  private enqueue(channel: string, update: Uint8Array) {
    const pending = this.outbox.get(channel);
    if (pending) pending.push(update);
    else this.outbox.set(channel, [update]);
    if (this.outboxScheduled) return;
    this.outboxScheduled = true;
    setImmediate(() => this.flushOutbox());
  }

  /** One commit usually resolves many updates at once: they leave as one message per document. */
  private flushOutbox() {
    this.outboxScheduled = false;
    const outbox = this.outbox;
    this.outbox = new Map();
    for (const [channel, updates] of outbox) {
      const merged = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
      this.publish(channel, FRAME.update, merged, { mustArrive: true });
    }
  }

  private publish(channel: string, kind: FrameKind, payload?: Uint8Array, { mustArrive = false } = {}) {
    if (this.closed) return;
    const missed = () => {
      if (mustArrive) this.unpublished.add(channel);
    };
    if (this.pub.status !== "ready") return missed();
    this.pub.publish(channel, encodeFrame(kind, this.processId, payload)).catch(missed);
  }

  private onMessage = (channelBytes: Buffer, message: Buffer) => {
    const frame = decodeFrame(message);
    if (!frame || Buffer.compare(frame.sender, this.processId) === 0) return;
    const channel = channelBytes.toString();
    if (channel === this.accessChannel) {
      const event = frame.kind === FRAME.access ? parseAccessEvent(Buffer.from(frame.payload).toString()) : null;
      if (event) this.accessListener(event);
      return;
    }
    if (channel === this.notifiedChannel) {
      const userIds = frame.kind === FRAME.notified ? parseUserIds(Buffer.from(frame.payload).toString()) : [];
      if (userIds.length) this.notifiedListener(userIds);
      return;
    }
    const live = this.docs.get(channel);
    if (!live) return;
    try {
      if (frame.kind === FRAME.update) live.applyRemote(frame.payload, () => this.gapFound(channel));
      else if (frame.kind === FRAME.awareness) live.applyRemoteAwareness(frame.payload);
      else if (frame.kind === FRAME.hello) this.publishPresence(channel, live);
      else if (frame.kind === FRAME.claim) claimRelayed(live, frame.payload);
      else this.requestResync(channel);
    } catch (err) {
      this.logger.warn({ err, doc: live.name, kind: frame.kind }, "could not apply a relayed message");
    }
  };

  /** Subscribed, or subscribed again: reload what may have been missed meanwhile, and ask for presence. */
  private async subscribe(channels: string[]) {
    try {
      await this.sub.subscribe(...channels);
    } catch {
      return; // The connection went; its return subscribes everything again.
    }
    for (const channel of channels) {
      if (!this.docs.has(channel)) continue;
      this.requestResync(channel);
      this.publish(channel, FRAME.hello);
    }
  }

  private onSubscriberReady = () => {
    this.controlSubscribed = false;
    this.subscribeControl(0);
    if (this.docs.size) void this.subscribe([...this.docs.keys()]);
  };

  /**
   * Without the access channel another process's revocations never reach this one's sockets, so a refused
   * subscribe is logged and tried again, backing off, until it is taken or the relay closes. Until then the
   * relay counts as down (`connected`), which has the hub check its sockets against Postgres meanwhile.
   */
  private subscribeControl(attempt: number) {
    if (this.closed || this.sub.status !== "ready") return; // a connection that comes back starts over
    this.sub.subscribe(this.accessChannel, this.notifiedChannel).then(
      () => {
        this.controlSubscribed = true;
        this.accessListener(null); // what was missed meanwhile is checked against Postgres
      },
      (err: unknown) => {
        if (this.closed) return;
        const retryMs = Math.min(CONTROL_RETRY_MS * 2 ** attempt, CONTROL_RETRY_MAX_MS);
        this.logger.warn({ err, attempt, retryMs }, "could not subscribe to the access and notification channels; retrying");
        setTimeout(() => this.subscribeControl(attempt + 1), retryMs).unref();
      },
    );
  }

  private onPublisherReady = () => {
    for (const channel of this.unpublished) this.publish(channel, FRAME.stale, undefined, { mustArrive: true });
    this.unpublished.clear();
    // Presence published while Redis was away is lost; announce it again and ask for the others'.
    for (const [channel, live] of this.docs) {
      this.publishPresence(channel, live);
      this.publish(channel, FRAME.hello);
    }
  };

  /** The presence of this process's own sockets on a document, never what it relays for others. */
  private publishPresence(channel: string, live: LiveDocument) {
    const states = live.awareness.getStates();
    const own = [...live.awarenessOwners.keys()].filter((id) => states.has(id));
    if (own.length) this.publish(channel, FRAME.awareness, awarenessProtocol.encodeAwarenessUpdate(live.awareness, own));
  }

  /**
   * A relayed update that this copy cannot place: it builds on one that was committed but never reached
   * this process (its process died between the commit and the publish, or the message was lost). Every
   * relayed update names stored data, so Postgres has what is missing. At most one such reload a second
   * per document, should a gap outlast it.
   */
  private gapFound(channel: string) {
    const now = Date.now();
    if ((this.gapResyncs.get(channel) ?? 0) > now - RESYNC_RETRY_MS) return;
    this.gapResyncs.set(channel, now);
    this.logger.warn({ channel }, "a relayed update builds on one this process never received; reloading the document");
    this.requestResync(channel);
  }

  /**
   * Queues a reload from Postgres. A channel already queued is not queued
   * twice; one already being read is, since that read may predate the need.
   */
  private requestResync(channel: string) {
    if (this.closed || !this.docs.has(channel)) return;
    this.resyncQueue.add(channel);
    this.runResyncs();
  }

  private runResyncs() {
    while (!this.closed && this.resyncsRunning < RESYNC_CONCURRENCY && this.resyncQueue.size) {
      const next = this.resyncQueue.values().next().value!;
      this.resyncQueue.delete(next);
      this.resyncsRunning++;
      void this.resync(next).finally(() => {
        this.resyncsRunning--;
        this.runResyncs();
      });
    }
  }

  /**
   * Applies what this copy lacks of the stored state, and broadcasts that. Only that: the whole state applied again
   * held the event loop for seconds on a large document, and built a cold one for nothing (LiveDocument, `catchUp`).
   */
  private async resync(channel: string) {
    const live = this.docs.get(channel);
    if (!live) return;
    try {
      await this.catchUp(live);
    } catch (err) {
      this.logger.warn({ err, doc: live.name }, "resync from the database failed; retrying");
      setTimeout(() => this.requestResync(channel), RESYNC_RETRY_MS).unref();
    }
  }

  /**
   * Brings a copy attached here up to what is stored, and resolves once it has: a resync, awaited, for work that
   * must not decide on a copy that a relayed update has not reached yet (sync/hub.ts, `caughtUp`). Throws when
   * the database does.
   */
  async catchUp(live: LiveDocument): Promise<void> {
    const channel = this.prefix + live.name;
    if (this.docs.get(channel) !== live) return;
    const { state, tail } = await this.store.load(live.name);
    // Claims relayed while this process was not listening were missed too. Read after the state, they cover
    // whatever it holds, and are taken before what it brings reaches a socket here (client-ids.ts).
    const claims = (await this.claims?.load(live.name)) ?? [];
    if (this.docs.get(channel) !== live) return;
    for (const [clientId, owner] of claims) live.clientIds.claim(clientId, owner, { known: true });
    const bytes = await live.catchUp([state, tail].filter((part): part is Uint8Array => part !== null));
    this.logger.debug({ doc: live.name, bytes }, "resynced from the database");
  }
}

/** A claim another process made: known here as if read from storage (not kept again, not relayed again). */
function claimRelayed(live: LiveDocument, payload: Uint8Array) {
  const decoder = decoding.createDecoder(payload);
  live.clientIds.claim(decoding.readVarUint(decoder), decoding.readVarString(decoder), { known: true });
}

/** The account ids a `notified` frame names; anything else names none. */
function parseUserIds(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}
