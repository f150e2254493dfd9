import { setImmediate as nextTurn } from "node:timers/promises";
import { annotationsOf } from "@marginalia/schema";
import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import type { AccessEvent } from "./authorize/access.ts";
import { groupMembersOf } from "./authorize/access-check.ts";
import type { AdmissionRequest } from "./authorize/admit.ts";
import { type JoinHost, join } from "./connection/join.ts";
import { AccountLimits } from "./connection/account-limits.ts";
import { Connection, type ConnectionOptions } from "./connection/connection.ts";
import type { Transport } from "./connection/transport.ts";
import { Compaction } from "./persist/compaction.ts";
import { DocStore } from "./persist/doc-store.ts";
import { type ChangeOrigin, type DocumentHooks, LiveDocument } from "./document/document.ts";
import { documentHooks } from "./document/document-hooks.ts";
import { ClientIdStore } from "./authorize/client-id-store.ts";
import { Hiding } from "./persist/hiding.ts";
import { Reprojection } from "./persist/reprojection.ts";
import { beforeDeadline } from "./persist/deadline.ts";
import { OpenAccess } from "./authorize/open-access.ts";
import { articleTexts } from "./authorize/article-text.ts";
import { type ArticleRevised, OlderTargetsDue } from "./document/older-targets-due.ts";
import { GroupCommitter, type PersistSource } from "./persist/persist.ts";
import { DEFAULT_SYNC_OPTIONS, type SyncOptions } from "./sync-options.ts";
import type { DocContext } from "./persist/projection.ts";
import { CLOSE_CODES } from "../errors.ts";
import { ReloadPace } from "./document/reload-pace.ts";
import { FIRST_FLUSH_MS, ShuttingDown, SocketsClosing, drainSockets } from "./shutdown.ts";

/** A loaded document's life: being read from the database, in use, or being written out and dropped. */
type Slot =
  | { phase: "loading"; ready: Promise<LiveDocument> }
  | { phase: "live"; live: LiveDocument; idleTimer: NodeJS.Timeout | null; users: number }
  | { phase: "unloading"; done: Promise<void> };

/**
 * The registry of live documents and their sockets, independent of the
 * transport: the websocket glue hands it a `Transport` per socket.
 */
export class SyncHub {
  readonly store: DocStore;
  readonly committer: GroupCommitter;
  private readonly hiding: Hiding;
  private readonly clientIdStore: ClientIdStore;
  private readonly slots = new Map<string, Slot>();
  private readonly connections = new Set<Connection>();
  private readonly openAccess: OpenAccess;
  private readonly perUser = new Map<string, number>();
  /** Set once `shutdown` begins: sockets that connect from then on are closed at once. */
  private shuttingDown = false;
  /** What each account's sockets share: a loop share, and a bound on held updates. */
  private readonly limits = new AccountLimits();
  private readonly compaction: Compaction;
  private readonly options: SyncOptions;
  private readonly hooks: DocumentHooks;
  private readonly joinHost: JoinHost;
  /** The last document teardown queued (`unload`): each runs on an event-loop turn after the one before it. */
  private teardowns: Promise<void> = Promise.resolve();
  private readonly olderTargets = new OlderTargetsDue();
  private readonly accessListeners: Array<(event: AccessEvent) => void> = [];
  private readonly reloads = new ReloadPace();
  private readonly sockets = new SocketsClosing();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    publicOrigin: string,
    options: Partial<SyncOptions> = {},
  ) {
    this.options = { ...DEFAULT_SYNC_OPTIONS, ...options };
    this.store = new DocStore(db);
    this.openAccess = new OpenAccess(db, logger, this.options.accessCheckMs, {
      loaded: () => [...this.slots.values()].flatMap((s) => (s.phase === "live" ? [s.live] : [])),
      dropArticle: (articleId) => this.dropArticle(articleId),
      relayConnected: () => this.options.relay.connected(),
      refresh: () => articleTexts.refresh(db, logger),
    });
    this.options.relay.onAccess((event) => {
      if (!event) return void this.checkAccess();
      this.applyAccess(event);
      if (event.kind === "article-revised") this.olderTargets.soon(event);
    });
    this.committer = new GroupCommitter(db, logger, { windowMs: this.options.commitWindowMs }, this.options.hooks.commit);
    this.committer.onAttempt = (updates, ms, ok) => this.options.observer.committed(updates, ms, ok);
    // After this turn, so that the refused update's sender is closed for it (4422) before the others are.
    this.committer.onRefused = (source, why) => setImmediate(() => this.reload(source, why));
    this.committer.onGone = (source) => setImmediate(() => this.dropArticle(source.context.articleId));
    this.committer.onTakenId = (source, id, account) => this.dropTakenId(source, id, account);
    this.clientIdStore = new ClientIdStore(db, logger);
    this.hiding = new Hiding({ acquire: (context) => this.acquire(context), release: (live) => this.release(live) }, logger);
    this.compaction = new Compaction(this.store, logger);
    this.committer.onCommitted = (rowsByDoc) => this.compaction.committed(rowsByDoc);
    this.joinHost = {
      ...{ db, publicOrigin, logger, perUser: this.perUser, openAccess: this.openAccess, maxConnectionsPerUser: this.options.maxConnectionsPerUser },
      ...{ acquire: (context: DocContext) => this.acquire(context), release: (live: LiveDocument) => this.release(live) },
      liveDocument: (name) => {
        const slot = this.slots.get(name);
        return slot?.phase === "live" ? slot.live : null;
      },
      olderTargetTaken: (articleId, current) => this.olderTargets.soon({ kind: "article-revised", articleId, revision: current }),
    };
    const reprojection = new Reprojection(this.committer);
    this.hooks = documentHooks({ committer: this.committer, hiding: this.hiding, reprojection, clientIdStore: this.clientIdStore, olderTargets: this.olderTargets, options: this.options, logger });
  }

  /** Takes a new socket: admits it, loads its document and opens it, buffering what it sends meanwhile. */
  connect(transport: Transport, request: AdmissionRequest & Pick<ConnectionOptions, "acks" | "roles">): Connection {
    const connection = new Connection(this.sockets.watch(transport), {
      acks: request.acks,
      roles: request.roles,
      observer: this.options.observer,
      logger: this.logger,
      maxBuffered: this.options.maxBufferedMessages,
      limits: this.limits,
    });
    if (this.shuttingDown) {
      // The listener may still take sockets while the hub shuts down: a client that reconnected at once after
      // its close would otherwise be admitted after every socket was closed, and held the server's own close open.
      connection.close(CLOSE_CODES.goingAway, "server shutting down");
      return connection;
    }
    this.connections.add(connection);
    connection.onClose(() => this.connections.delete(connection));
    const timeout = setTimeout(
      () => connection.close(CLOSE_CODES.timeout, "took too long to join"),
      this.options.admissionTimeoutMs,
    );
    void join(this.joinHost, connection, request).finally(() => clearTimeout(timeout));
    return connection;
  }

  /**
   * A change of access, made by a route once it is committed: applied to this
   * process's sockets at once, before the route answers, and relayed to the
   * other processes' sockets.
   */
  access(event: AccessEvent) {
    this.applyAccess(event);
    this.options.relay.publishAccess(event);
  }

  /** Called when this process may hold targets on an earlier revision, to be moved (older-targets-due.ts). */
  onOlderTargets(listener: (event: ArticleRevised) => void) {
    this.olderTargets.listen(listener);
  }

  /** Also told every access event, made here or relayed: what else holds a credential open (notification streams). */
  onAccess(listener: (event: AccessEvent) => void) {
    this.accessListeners.push(listener);
  }

  /** An access event made here or relayed from another process. */
  private applyAccess(event: AccessEvent) {
    if (event.kind === "article-revised") articleTexts.revisedElsewhere(this.db, this.logger, event.articleId, event.revision);
    this.openAccess.apply(event);
    for (const listener of this.accessListeners) listener(event);
  }

  /** Brings every open socket up to date with the database (access-check.ts). */
  checkAccess(): Promise<void> {
    return this.openAccess.check();
  }

  /**
   * Runs a server-side change on a document (REST writes, approvals), loading
   * it if needed, and resolves after the change is durable.
   */
  async change(context: DocContext, origin: ChangeOrigin, fn: Parameters<LiveDocument["change"]>[1]): Promise<void> {
    const live = await this.acquire(context);
    try {
      await live.whenFree();
      // A writer the document has not met (a member who joined after it loaded) is named in what it stores.
      if (origin.userId && origin.memberId) live.members.add(origin.userId, origin.memberId);
      await live.change(origin, fn);
      // A hide or unhide answers once the annotation is in its new document.
      await this.hiding.settled(context.articleId);
    } finally {
      this.release(live);
    }
  }

  /** Resolves once the moves between the group's and the hidden document queued so far for the article are done. */
  settled(articleId: string): Promise<void> {
    return this.hiding.settled(articleId);
  }

  /** Counts a close the socket layer made before the connection could (an oversized frame: frame-limit.ts). */
  closedBySocket(code: number) {
    this.options.observer.closed(code);
  }

  /** Reads a document, live or loaded for the purpose. */
  async read<T>(context: DocContext, fn: (live: LiveDocument) => T): Promise<T> {
    const live = await this.acquire(context);
    try {
      await live.whenBuilt();
      // Awaited here, so that a reading that takes turns of its own keeps the document loaded until it ends.
      return await fn(live);
    } finally {
      this.release(live);
    }
  }

  private async acquire(context: DocContext): Promise<LiveDocument> {
    for (;;) {
      const slot = this.slots.get(context.docName);
      if (!slot) break;
      if (slot.phase === "unloading") {
        await slot.done;
        continue;
      }
      const live = slot.phase === "loading" ? await slot.ready : slot.live;
      const current = this.slots.get(context.docName);
      if (current?.phase !== "live") continue;
      if (current.idleTimer) clearTimeout(current.idleTimer);
      current.idleTimer = null;
      current.users++;
      return live;
    }
    if (this.shuttingDown) throw new ShuttingDown();
    const ready = this.reloads.loadable(context.docName).then(() => Promise.all([
      this.store.load(context.docName),
      groupMembersOf(this.db, [context.groupId]),
      this.clientIdStore.load(context.docName),
    ])).then(([{ state, tail, logRows, verified, parsed, headroom, stateVector }, members, clientOwners]) => {
      this.compaction.loaded(context.docName, logRows);
      const start = state && { bytes: state, tail, servable: verified || parsed, headroom, stateVector };
      const live = new LiveDocument(context, this.hooks, start, clientOwners);
      const group = members.get(context.groupId);
      for (const id of group?.answerers ?? []) live.answerers.add(id);
      if (group) live.members.addAll(group.ids);
      this.options.relay.attach(live);
      return live;
    });
    this.slots.set(context.docName, { phase: "loading", ready });
    try {
      const live = await ready;
      this.slots.set(context.docName, { phase: "live", live, idleTimer: null, users: 1 });
      return live;
    } catch (err) {
      // Nothing is kept of a failed load, so it can never be saved over the real data.
      this.slots.delete(context.docName);
      throw err;
    }
  }

  private release(live: LiveDocument) {
    const slot = this.slots.get(live.name);
    if (slot?.phase !== "live" || slot.live !== live) return;
    slot.users = Math.max(0, slot.users - 1);
    if (slot.users === 0) slot.idleTimer = setTimeout(() => void this.unload(live.name), this.options.idleUnloadMs);
  }

  private async unload(name: string) {
    const slot = this.slots.get(name);
    if (slot?.phase !== "live" || slot.users > 0) return;
    const done = (async () => {
      await this.committer.flush();
      await this.teardownTurn();
      this.options.relay.detach(slot.live);
      const writers = await slot.live.writers();
      slot.live.destroy();
      void this.clientIdStore.prune(name, writers);
      const written = this.compaction.forget(name);
      // Folded whole while nobody uses it (off the event loop), so that its next load is one verified
      // snapshot, which a joining client receives without the server building the document first.
      if (written > 0) void this.compaction.foldIdle(name);
    })();
    this.slots.set(name, { phase: "unloading", done });
    try {
      await done;
    } finally {
      this.slots.delete(name);
    }
  }

  /**
   * Resolves on an event-loop turn of its own, after every teardown queued
   * before it. Documents go idle together when many sockets close at once (a
   * proxy restarting, a session ending): in the bench, 1,500 sockets over 500
   * documents. Their teardowns then ran back to back, after one shared flush,
   * and held the event loop for 50–150 ms, when each takes a fraction of a
   * millisecond.
   */
  private teardownTurn(): Promise<void> {
    const turn = this.teardowns.then(() => nextTurn());
    this.teardowns = turn;
    return turn;
  }

  /**
   * A deleted article's documents go at once, with what they had queued and
   * not yet written (the committer's `discard`): written after the deletion,
   * it would only break the database's references to the article.
   */
  private dropArticle(articleId: string) {
    for (const slot of [...this.slots.values()]) {
      if (slot.phase !== "live" || slot.live.context.articleId !== articleId) continue;
      this.committer.retire(slot.live, "gone");
      this.drop(slot.live, CLOSE_CODES.gone, "the article was deleted");
    }
    const discarded = this.committer.discard((context) => context.articleId === articleId);
    if (discarded) this.logger.info({ articleId, updates: discarded }, "article deleted: its queued updates were discarded");
  }

  /**
   * One of a document's updates could not be stored, so the document as held here has something that never
   * will be, which later updates could build on. It is dropped, and read again from what is stored on next
   * use (soon after: reload-pace.ts); its sockets close with 1011 and reconnect, sending again what was not
   * acknowledged, except what was refused (validate/refused-structs.ts).
   */
  private reload(source: PersistSource, why: "refused" | "renamed") {
    const slot = this.slots.get(source.context.docName);
    if (slot?.phase !== "live" || slot.live !== source) return;
    if (why === "renamed") {
      // Written under a member id the group has drawn again: every socket here joined under the old ids too.
      this.drop(slot.live, CLOSE_CODES.membersRenamed, "the group's member ids changed");
      return;
    }
    this.logger.warn({ room: source.context.docName }, "reloading a document after one of its updates could not be stored");
    this.reloads.reloaded(source.context.docName);
    this.drop(slot.live, CLOSE_CODES.internal, "the document is being reloaded");
  }

  /**
   * An update gave this document an annotation id that another article or
   * author holds (drizzle/0018), which the authorizer, judging one document,
   * cannot know. The annotation is deleted here as the server's own change,
   * so that the update is written without it, and the writer's sockets on
   * this document close with 4403. Everyone else stays connected: a reload,
   * as for other refused updates, would close them all at the will of anyone
   * who copies an id.
   */
  private dropTakenId(source: PersistSource, id: string, account: string | null): boolean {
    const slot = this.slots.get(source.context.docName);
    if (slot?.phase !== "live" || slot.live !== source || slot.live.isCold || slot.live.isBuilding) return false;
    const live = slot.live;
    this.logger.warn({ room: live.name, annotationId: id, userId: account }, "an update took an annotation id another article or author holds; removed");
    live.change({ userId: null }, (doc) => annotationsOf(doc).delete(id)).catch((err: unknown) => this.logger.warn({ err, room: live.name }, "the annotation could not be removed"));
    for (const peer of [...live.peers]) {
      if (peer instanceof Connection && peer.account === account) peer.close(CLOSE_CODES.forbidden, "annotation id belongs to another article or author");
    }
    return live.stored(id) === null;
  }

  /** Unloads a live document at once, without writing anything more of it, and closes its sockets. */
  private drop(live: LiveDocument, code: number, reason: string) {
    const slot = this.slots.get(live.name);
    if (slot?.phase !== "live" || slot.live !== live) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.slots.delete(live.name);
    this.compaction.forget(live.name);
    for (const peer of [...live.peers]) if (peer instanceof Connection) peer.close(code, reason);
    this.options.relay.detach(live);
    live.destroy();
  }

  compact(name: string): Promise<void> {
    return this.compaction.compact(name);
  }

  get socketCount(): number {
    return this.connections.size;
  }

  /** False while a relay is configured and cannot reach the other processes. */
  relayConnected(): boolean {
    return this.options.relay.connected();
  }

  isLoaded(docName: string): boolean {
    return this.slots.has(docName);
  }

  get loadedDocuments(): number {
    return [...this.slots.values()].filter((s) => s.phase === "live").length;
  }

  /**
   * SIGTERM: the sockets stop reading and close after a short first flush (shutdown.ts); what they sent is
   * written until `deadline` (a Date.now() value), database or not, and the relay closes last, so that what
   * was committed and the presence that left are still published. What was not written by the deadline is
   * logged, and returned as a count per document.
   */
  async shutdown(deadline = Infinity, firstFlushMs = FIRST_FLUSH_MS): Promise<Map<string, number>> {
    this.shuttingDown = true;
    this.openAccess.stop();
    const unwritten = await drainSockets({ connections: this.connections, committer: this.committer, sockets: this.sockets, stopWriters: () => this.hiding.stop(), firstFlushMs }, deadline);
    // Claims are worth a moment, not the grace period: a client that returns claims its id again.
    await beforeDeadline(this.clientIdStore.flush(), Math.min(deadline, Date.now() + 2_000));
    for (const slot of this.slots.values()) if (slot.phase === "live") {
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      this.options.relay.detach(slot.live);
      slot.live.destroy();
    }
    this.slots.clear();
    await this.options.relay.close();
    return unwritten;
  }
}
