import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { Rng } from "../../support/seed.ts";
import { socketAuth } from "../../support/socket-auth.ts";
import { MESSAGE_ACK, MESSAGE_SYNC, annotationsOf, createAnnotation } from "@marginalia/schema";

/** One write of an `AckedWriter`: the clock range of its own Yjs client that the write took. */
export type Write = {
  kind: "create" | "append";
  annotationId: string;
  /** The Yjs client of the document it was made in. */
  client: number;
  /** Unique text the write put into the annotation's body. */
  token: string;
  from: number;
  to: number;
  /** Its local copy was thrown away (the server refused the document it lived in) before it was saved. */
  discarded: boolean;
};

type Range = { client: number; from: number; to: number };
type SocketLog = { ranges: Array<Range | null>; acked: number };

/**
 * A writing client that knows exactly which of its writes the server has
 * acknowledged (docs/sync.md, "Acknowledgements"): it watches the frames its provider really
 * sends on each socket, counts the update-bearing ones (sync step 2 and
 * update) as the server does, and when ack `n` arrives on that socket, marks
 * the clock ranges of its own Yjs client carried by the first `n` as durable.
 * A write is acknowledged once its whole range is durable.
 */
export class AckedWriter {
  doc = new Y.Doc();
  provider!: WebsocketProvider;
  readonly writes: Write[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  acksReceived = 0;
  /** Clock ranges known durable, per Yjs client, merged and sorted. */
  private readonly durable = new Map<number, Array<[number, number]>>();
  private readonly logs = new WeakMap<object, SocketLog>();
  private seq = 0;

  constructor(
    private serverUrl: string,
    readonly room: string,
    readonly token: string,
    readonly userId: string,
    readonly label: string,
  ) {
    this.open();
  }

  private open() {
    const writer = this;
    const auth = socketAuth(this.token);
    class TrackedSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: auth.headers });
        writer.logs.set(this, { ranges: [], acked: 0 });
      }
      override send(data: unknown, ...rest: unknown[]) {
        writer.sent(this, data as Uint8Array);
        (super.send as (...args: unknown[]) => void)(data, ...rest);
      }
    }
    this.provider = new WebsocketProvider(this.serverUrl, this.room, this.doc, {
      WebSocketPolyfill: TrackedSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { ...auth.params, acks: "1" },
    });
    this.provider.messageHandlers[MESSAGE_ACK] = (_encoder, decoder: decoding.Decoder, provider: WebsocketProvider) => {
      this.acked(provider.ws, decoding.readVarUint(decoder));
    };
    this.provider.on("connection-close", (event) => {
      if (!event) return;
      this.closes.push({ code: event.code, reason: event.reason });
      // A refused client must not retry as it is (docs/sync.md, "What you may write"); the test decides what it does next.
      if (event.code >= 4000) this.provider.shouldConnect = false;
    });
  }

  private sent(socket: object, frame: Uint8Array) {
    if (frame[0] !== MESSAGE_SYNC || (frame[1] !== 1 && frame[1] !== 2)) return;
    const decoder = decoding.createDecoder(frame);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const meta = Y.parseUpdateMeta(decoding.readVarUint8Array(decoder));
    const me = this.doc.clientID;
    const from = meta.from.get(me);
    const to = meta.to.get(me);
    this.logs.get(socket)?.ranges.push(from !== undefined && to !== undefined && to > from ? { client: me, from, to } : null);
  }

  private acked(socket: object | null, n: number) {
    this.acksReceived++;
    const log = socket && this.logs.get(socket);
    if (!log) return;
    for (; log.acked < Math.min(n, log.ranges.length); log.acked++) {
      const range = log.ranges[log.acked];
      if (range) this.markDurable(range);
    }
  }

  private markDurable({ client, from, to }: Range) {
    const all = [...(this.durable.get(client) ?? []), [from, to] as [number, number]].sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const r of all) {
      const last = merged.at(-1);
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.durable.set(client, merged);
  }

  /** Whether the server has acknowledged this write. */
  isAcked(write: Write): boolean {
    return (this.durable.get(write.client) ?? []).some(([from, to]) => from <= write.from && write.to <= to);
  }

  /** Writes a new annotation, or appends a token to one of its own; the choice is `roll`'s. */
  write(roll: number) {
    const mine = this.writes.filter((w) => w.kind === "create" && !w.discarded && annotationsOf(this.doc).has(w.annotationId));
    const name = `${this.label}n${++this.seq}`;
    const token = `${name};`; // delimited, so that one token is never a prefix of another
    const from = Y.getState(this.doc.store, this.doc.clientID);
    let write: Pick<Write, "kind" | "annotationId" | "token">;
    if (mine.length > 0 && roll < 0.3) {
      const target = mine[Math.floor((roll / 0.3) * mine.length)]!.annotationId;
      const body = annotationsOf(this.doc).get(target)!.get("body") as Y.Text;
      body.insert(body.length, ` ${token}`);
      write = { kind: "append", annotationId: target, token };
    } else {
      const id = createAnnotation(this.doc, { id: name, kind: "comment", authorId: this.userId, body: token });
      write = { kind: "create", annotationId: id, token };
    }
    this.writes.push({ ...write, client: this.doc.clientID, from, to: Y.getState(this.doc.store, this.doc.clientID), discarded: false });
  }

  /** Points the provider at another server (a restarted process listens on a new port) and connects. */
  reconnect(serverUrl: string) {
    this.serverUrl = serverUrl;
    this.provider.serverUrl = serverUrl;
    this.provider.disconnect();
    this.provider.connect();
  }

  disconnect() {
    this.provider.disconnect();
  }

  /**
   * What the web client does after a refusal: drop the local copy and join
   * again with a fresh document. Writes that are not on the server are gone
   * with it (none of them can have been acknowledged); returns how many.
   */
  rejoin(serverUrl: string, onServer: (write: Write) => boolean): number {
    let dropped = 0;
    for (const w of this.writes) {
      if (!w.discarded && !onServer(w)) {
        w.discarded = true;
        dropped++;
      }
    }
    this.provider.destroy();
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.serverUrl = serverUrl;
    this.open();
    return dropped;
  }

  get synced() {
    return this.provider.synced;
  }

  /** Synced, and the server has acknowledged its sync step 2: what it sent on reconnecting was accepted and saved. */
  get resynced() {
    const log = this.provider.ws && this.logs.get(this.provider.ws);
    return this.provider.synced && !!log && log.acked >= 1;
  }

  /** Closed with a refusal (4xxx) and not reconnecting. */
  get refused() {
    return !this.provider.shouldConnect && (this.closes.at(-1)?.code ?? 0) >= 4000;
  }

  destroy() {
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** How many of these writers' writes the server has acknowledged. */
export function ackedWrites(writers: readonly AckedWriter[]): number {
  return writers.reduce((n, w) => n + w.writes.filter((x) => w.isAcked(x)).length, 0);
}

/**
 * Every writer writes, then waits a few milliseconds, again and again until
 * `stop`: what it writes and how long it waits are drawn from its own
 * generator, so that the draws do not depend on how the writers interleave.
 */
export function keepWriting(writers: readonly AckedWriter[], rngs: readonly Rng[], gapMs: { min: number; max: number }) {
  let writing = true;
  const loops = writers.map(async (w, i) => {
    const rng = rngs[i]!;
    while (writing) {
      w.write(rng.next());
      await new Promise((r) => setTimeout(r, gapMs.min + rng.int(gapMs.max - gapMs.min + 1)));
    }
  });
  return {
    async stop() {
      writing = false;
      await Promise.all(loops);
    },
  };
}
