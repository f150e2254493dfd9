import * as decoding from "lib0/decoding";
import { IndexeddbPersistence } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { type AnnotationValue, MESSAGE_ACK, MESSAGE_ROLE, type Role, SYNC_CLOSE_CODES, canWrite } from "@marginalia/schema";
import { AckTracker } from "./acks.ts";
import { applyServerSyncQuietly } from "./quiet-sync.ts";
import { annotationValues, writeAgain } from "./salvage.ts";
import type { SyncHold } from "./sync-hold.ts";
import { type EditStore, UnsentEdits } from "./unsent-edits.ts";

/** `stopped`: the session cannot go on (`fatal` says why); `destroyed`: its owner closed it, and nothing more is done. */
export type Connection = "connecting" | "online" | "offline" | "stopped" | "destroyed";

/**
 * Why a session stopped for good, for what the page says of work it can no longer send: access lost, the
 * article deleted, signed out, the group made anonymous to peers (a reload carries on), or another close.
 */
export type SessionEnd = "access" | "gone" | "signedOut" | "renamed" | "closed";

export type SessionState = {
  connection: Connection;
  /** The server's state has been received on this connection. */
  synced: boolean;
  /** Every local edit is durably committed (acked). */
  saved: boolean;
  /** Bumped when the document is replaced by a fresh one after a refused update. */
  generation: number;
  /** Bumped when the server says the group's settings changed: whoever placed work by them reads them again. */
  settings: number;
  /** The session cannot continue (no access, signed out). */
  fatal: string | null;
  /** What kind of ending `fatal` tells of. */
  end: SessionEnd | null;
  /** The role the server says this connection acts with, once it has said so: it can change while the page is open. */
  role: Role | null;
};

export type SessionOptions = {
  url: string;
  room: string;
  /** Local storage is per user and room, so two accounts in one browser never mix. */
  storageKey: string;
  /**
   * Called after the server refused an update and the document was replaced
   * by a fresh one: the reader tells the user why, and reloads the article
   * (the refusal often means their role changed). `kept`: how many of our new annotations, which the
   * server never had, were written again into the fresh copy (salvage.ts).
   */
  onRefused?: (reason: string, kept: number) => void;
  /**
   * Called when the server's copy took away annotations we had edited and not yet saved (unsent-edits.ts):
   * the edit reached it after the annotation left this document, and was lost. `lost`: each as we left it.
   */
  onEditLost?: (lost: AnnotationValue[]) => void;
  /**
   * Called when the session stops for good (access lost, the article deleted) holding work of ours the server
   * never had: nothing can send it any more, and the stored copy it was kept in is dropped. `unsent`: each
   * new annotation and edit as we left it.
   */
  onUnsendable?: (unsent: AnnotationValue[]) => void;
  /** The socket opens once this lets it, while the reader paints what it already has (sync-hold.ts). */
  hold?: SyncHold;
  /**
   * Asks the server for its state this often. A provider that hears nothing for 30 s drops its socket and
   * starts again; a session that shows no presence of its own (the dashboard) may hear nothing that long.
   */
  resyncMs?: number;
};

/**
 * One live Y.Doc: IndexedDB keeps it across reloads and offline periods, the
 * y-websocket provider syncs it, and the state tells the UI whether it is
 * online and saved.
 */
export class DocSession {
  doc!: Y.Doc;
  provider!: WebsocketProvider;
  private persistence!: IndexeddbPersistence;
  private acks = new AckTracker();
  private unsent: UnsentEdits | null = null;
  private state: SessionState = { connection: "connecting", synced: false, saved: true, generation: 0, settings: 0, fatal: null, end: null, role: null };
  private listeners = new Set<() => void>();
  /** Local edits, or a stored copy, that the server may refuse. */
  private editedSinceReset = false;
  private loadedFromStorage = false;
  /** The server's state was received at least once on this page: a refusal of who we are means access was lost. */
  private joined = false;
  private recovery: Recovery = { kind: "none" };

  constructor(private readonly options: SessionOptions) {
    this.start();
    window.addEventListener("offline", this.goOffline);
    window.addEventListener("online", this.goOnline);
  }

  getState = () => this.state;
  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  get awareness() {
    return this.provider.awareness;
  }

  destroy() {
    this.set({ connection: "destroyed" });
    window.removeEventListener("offline", this.goOffline);
    window.removeEventListener("online", this.goOnline);
    this.teardown();
    this.listeners.clear();
  }

  private get destroyed(): boolean {
    return this.state.connection === "destroyed";
  }

  private set(patch: Partial<SessionState>) {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  private start() {
    const doc = new Y.Doc();
    this.doc = doc;
    this.acks = new AckTracker();
    this.persistence = new IndexeddbPersistence(this.options.storageKey, doc);
    const origins = { fromServer: (origin: unknown) => origin === this.provider, fromStorage: (origin: unknown) => origin === this.persistence };
    this.unsent = new UnsentEdits(doc, origins, (lost) => this.options.onEditLost?.(lost), editStore(this.persistence));
    // Registered before the provider's own handler exists, and independent of order anyway:
    // an edit made with an open socket is counted when the provider sends it.
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin === this.provider) return;
      if (origin === this.persistence) this.loadedFromStorage = true;
      else this.editedSinceReset = true;
      this.acks.localEdit(this.isOpen());
      this.set({ saved: this.acks.saved });
    };
    doc.on("update", onUpdate);
    const provider = new WebsocketProvider(this.options.url, this.options.room, doc, {
      params: { acks: "1", roles: "1" },
      resyncInterval: this.options.resyncMs ?? -1,
      connect: false,
      // IndexedDB already shares state between tabs; one channel of truth is simpler to reason about.
      disableBc: true,
      // As the stock rule (4400–4499 end the session), except that a change of the group's settings comes
      // to `onClosed` too, which reads them again before reconnecting.
      shouldReconnect: ({ code }) => !(code >= 4400 && code < 4500) && code !== SYNC_CLOSE_CODES.settingsChanged,
    });
    this.provider = provider;
    applyServerSyncQuietly(provider, this.persistence, [onUpdate]);
    provider.messageHandlers[MESSAGE_ACK] = (_encoder, decoder) => {
      this.acks.ackReceived(decoding.readVarUint(decoder));
      if (this.acks.saved && this.recovery.kind === "salvaging") this.recovery = { kind: "none" };
      this.set({ saved: this.acks.saved });
      this.settleEdits();
    };
    provider.messageHandlers[MESSAGE_ROLE] = (_encoder, decoder) => this.set({ role: decoding.readVarString(decoder) as Role });
    provider.on("status", ({ status }) => {
      // Its own teardown disconnects it: a destroyed session stays so.
      if (this.destroyed) return;
      if (status === "connecting") this.instrumentSocket();
      this.set({
        connection: status === "connected" ? "online" : navigator.onLine ? "connecting" : "offline",
        synced: status === "connected" ? this.state.synced : false,
      });
    });
    provider.on("sync", (synced: boolean) => {
      this.set({ synced });
      if (synced) this.joined = true;
      if (synced) this.unsent?.serverSynced();
      this.settleEdits();
      const recovery = this.recovery;
      if (!synced || recovery.kind !== "rejoining") return;
      this.recovery = { kind: "none" };
      // The server's sync is applied with the document's listeners set aside (quiet-sync.ts), and this runs
      // inside it: what is written again waits until they are back, to be sent, stored and counted.
      queueMicrotask(() => {
        if (this.destroyed || this.provider !== provider) return;
        const { dropped, reason } = recovery;
        const kept = dropped && this.state.role && canWrite(this.state.role) ? writeAgain(doc, dropped, null) : 0;
        this.recovery = kept > 0 ? { kind: "salvaging" } : { kind: "none" };
        this.options.onRefused?.(reason, kept);
      });
    });
    provider.on("closed", ({ code, reason }) => this.onClosed(code, reason));
    if (!navigator.onLine) return this.set({ connection: "offline" });
    this.connectAfterHold();
  }

  /** Coming online, as opening, waits for the hold: the first sync must not land before the reader's first paint. */
  private connectAfterHold() {
    const provider = this.provider;
    const waiting = this.options.hold?.waiting;
    if (!waiting) return provider.connect();
    void waiting.then(() => {
      if (!this.destroyed && this.provider === provider && this.state.connection !== "stopped" && navigator.onLine) provider.connect();
    });
  }

  /**
   * Our edits are in the server's copy once it acknowledged them all and we hold its state: the ack alone
   * can come before the server's step 2 after a reconnect, which may take away what they edited.
   */
  private settleEdits() {
    if (this.acks.saved && this.state.synced) this.unsent?.settle();
  }

  /** Counts what this socket sends: the server counts the same messages. */
  private instrumentSocket() {
    const ws = this.provider.ws;
    if (!ws) return;
    this.acks.connectionOpened();
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      if (data instanceof Uint8Array) this.acks.messageSent(data);
      send(data);
      this.set({ saved: this.acks.saved });
    };
  }

  private isOpen() {
    const ws = this.provider?.ws;
    return !!ws && this.provider.wsconnected && ws.readyState === WebSocket.OPEN;
  }

  private teardown() {
    this.provider.destroy();
    void this.persistence.destroy();
    this.doc.destroy();
  }

  private onClosed(code: number, reason: string) {
    if (this.destroyed) return;
    const why = reason || `code ${code}`;
    switch (code) {
      case SYNC_CLOSE_CODES.forbidden:
        // A document with nothing of ours in it was refused for who we are, not for what we wrote.
        if (!this.editedSinceReset && !this.loadedFromStorage) return this.stop(this.refusedAccess(why), "access", { discard: true });
        void this.rejoin(why);
        return;
      case SYNC_CLOSE_CODES.notStored:
        // The server could not store an update of ours: as after a refusal, our copy builds on it.
        void this.rejoin(why);
        return;
      case SYNC_CLOSE_CODES.gone:
        return this.stop("This article was deleted.", "gone", { discard: true });
      case SYNC_CLOSE_CODES.membersRenamed:
        // Our member id is the page's (from the article): a new one comes with a reload.
        return this.stop("This group is now anonymous to peers. Reload the page to keep working.", "renamed");
      case SYNC_CLOSE_CODES.unauthorized:
        return this.stop("Your session has ended. Sign in again to keep working.", "signedOut");
      case SYNC_CLOSE_CODES.settingsChanged:
        this.set({ settings: this.state.settings + 1 });
        this.provider.connect();
        return;
      default:
        return this.stop(`The live connection was closed (${why}).`, "closed");
    }
  }

  /**
   * `discard`: what this copy holds can never be sent (access lost, article gone), so its stored copy is
   * dropped, and whatever is written from now on stays in memory: kept, it would be sent the next time
   * the page opens with access, as if written with it.
   */
  private stop(message: string, end: SessionEnd, { discard = false } = {}) {
    // The fresh copy refused too: access was lost, not work, and no refusal is told; what the dropped copy
    // held that the server never had is told with the rest of what can no longer be sent.
    const before = this.recovery.kind === "rejoining" ? this.recovery.unsent : [];
    if (this.recovery.kind === "rejoining") this.recovery = { kind: "none" };
    if (discard) void this.persistence.clearData();
    this.set({ connection: "stopped", fatal: message, end, role: discard ? null : this.state.role });
    const unsent = discard ? [...before, ...(this.unsent?.pending() ?? [])] : [];
    if (unsent.length) this.options.onUnsendable?.(unsent);
  }

  /**
   * Refused for who we are. A page that had the article open, or rejoins after a refusal, lost its access
   * meanwhile (removed from the group, or its role changed): the reason named is the first refusal's.
   */
  private refusedAccess(why: string): string {
    const first = this.recovery.kind === "rejoining" ? this.recovery.reason : null;
    if (!this.joined && !first) return `You cannot open this article (${why}).`;
    return `You no longer have access to this article (${first ?? why}). What is on this page stays to read, but nothing more can be saved.`;
  }

  /**
   * After a refused update our copy builds on something the server never
   * accepted: drop it, with its IndexedDB copy, and join again from scratch,
   * keeping our new annotations to write again (salvage.ts).
   */
  private async rejoin(reason: string) {
    const old = this.persistence;
    const dropped = this.recovery.kind === "salvaging" ? null : annotationValues(this.doc);
    // Read before the copy goes: told if the fresh copy is refused too (`stop`).
    const unsent = this.unsent?.pending() ?? [];
    this.recovery = { kind: "none" };
    this.provider.destroy();
    this.doc.destroy();
    await old.clearData();
    if (this.destroyed) return;
    this.editedSinceReset = false;
    this.loadedFromStorage = false;
    this.recovery = { kind: "rejoining", reason, dropped, unsent };
    this.start();
    this.set({ generation: this.state.generation + 1, saved: true });
  }

  private goOffline = () => {
    // A session stopped for good (refused, or the article gone) stays stopped: coming back online must not rejoin it.
    if (this.state.connection === "stopped" || this.destroyed) return;
    this.provider.disconnect();
    this.set({ connection: "offline", synced: false });
  };

  private goOnline = () => {
    if (this.state.connection === "stopped" || this.destroyed) return;
    this.connectAfterHold();
  };
}

/**
 * One recovery from a refused update. Rejoining: the copy was dropped and a fresh one joins; once it syncs, the user
 * is told `reason` and the dropped copy's annotations the server never had are written again (salvage.ts); refused
 * for who we are, the dropped copy's `unsent` work is told as work no longer to be sent. Salvaging:
 * that work is written again and not yet saved; refused a second time, it is dropped, not written again once more.
 */
type Recovery =
  | { kind: "none" }
  | { kind: "rejoining"; reason: string; dropped: Map<string, AnnotationValue> | null; unsent: AnnotationValue[] }
  | { kind: "salvaging" };

/** Unsent work is kept in the document's own IndexedDB database, which goes with its copy (clearData). */
function editStore(persistence: IndexeddbPersistence): EditStore {
  const load = async (key: string) => {
    const kept: unknown = await persistence.get(key);
    return typeof kept === "string" ? (JSON.parse(kept) as AnnotationValue[]) : [];
  };
  // A copy closed or cleared meanwhile has nothing left to keep them beside.
  const save = (key: string, values: AnnotationValue[]) => void persistence.set(key, JSON.stringify(values)).catch(() => {});
  return {
    load: async () => ({ edits: await load("unsent-edits"), created: await load("unsent-new") }),
    save: ({ edits, created }) => {
      save("unsent-edits", edits);
      save("unsent-new", created);
    },
  };
}
