import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import type { AccessEvent } from "./authorize/access.ts";
import type { AdmissionRequest } from "./authorize/admit.ts";
import { type JoinHost, join } from "./connection/join.ts";
import { AccountLimits } from "./connection/account-limits.ts";
import { Connection, type ConnectionOptions } from "./connection/connection.ts";
import type { Transport } from "./connection/transport.ts";
import { Compaction } from "./persist/compaction.ts";
import { DocStore } from "./persist/doc-store.ts";
import type { ChangeOrigin, LiveDocument } from "./document/document.ts";
import { LoadedDocuments } from "./document/loaded-documents.ts";
import { documentHooks } from "./document/document-hooks.ts";
import { ClientIdStore } from "./authorize/client-id-store.ts";
import { Hiding } from "./persist/hiding.ts";
import { Reprojection, rewriteTurns } from "./persist/reprojection.ts";
import { beforeDeadline } from "../deadline.ts";
import { OpenAccess } from "./authorize/open-access.ts";
import { articleTexts } from "./authorize/article-text.ts";
import { type ArticleRevised, OlderTargetsDue } from "./document/older-targets-due.ts";
import { GroupCommitter } from "./persist/persist.ts";
import { Refusals } from "./document/refusals.ts";
import { DEFAULT_SYNC_OPTIONS, type SyncOptions } from "./sync-options.ts";
import type { DocContext } from "./persist/projection.ts";
import { CLOSE_CODES } from "../errors.ts";
import { ReloadPace } from "./document/reload-pace.ts";
import { FIRST_FLUSH_MS, SocketsClosing, drainSockets } from "./shutdown.ts";
import { forgetArticleDocuments } from "../documents/forget-article.ts";

/** How long a deletion's answer waits for the article's writes under way to settle (`articleDeleted`). */
const ARTICLE_SWEEP_WAIT_MS = 5_000;

/**
 * The registry of live documents and their sockets, independent of the
 * transport: the websocket glue hands it a `Transport` per socket.
 */
export class SyncHub {
  readonly store: DocStore;
  readonly committer: GroupCommitter;
  private readonly hiding: Hiding;
  private readonly clientIdStore: ClientIdStore;
  private readonly documents: LoadedDocuments;
  private readonly connections = new Set<Connection>();
  private readonly openAccess: OpenAccess;
  private readonly perUser = new Map<string, number>();
  /** Set once `shutdown` begins: sockets that connect from then on are closed at once. */
  private shuttingDown = false;
  /** What each account's sockets share: a loop share, and a bound on held updates. */
  private readonly limits = new AccountLimits();
  private readonly compaction: Compaction;
  private readonly options: SyncOptions;
  private readonly joinHost: JoinHost;
  private readonly olderTargets = new OlderTargetsDue();
  private readonly accessListeners: Array<(event: AccessEvent) => void> = [];
  private readonly loadListeners: Array<(context: DocContext) => void> = [];
  private readonly reloads = new ReloadPace();
  /** What becomes of a live document when the commit refuses one of its updates. */
  private readonly refusals: Refusals;
  private readonly sockets = new SocketsClosing();
  /** Deleted articles' last document rows being deleted, by article (`dropArticle`). */
  private readonly sweeps = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    publicOrigin: string,
    options: Partial<SyncOptions> = {},
  ) {
    this.options = { ...DEFAULT_SYNC_OPTIONS, ...options };
    this.store = new DocStore(db);
    this.openAccess = new OpenAccess(db, logger, this.options.accessCheckMs, {
      loaded: () => this.documents.all(),
      dropArticle: (articleId) => this.dropArticle(articleId),
      relayConnected: () => this.options.relay.connected(),
      refresh: () => articleTexts.refresh(db, logger),
    });
    this.options.relay.onAccess((event) => {
      if (!event) {
        void this.checkAccess();
        return;
      }
      this.applyAccess(event);
      if (event.kind === "article-revised") this.olderTargets.soon(event);
    });
    this.committer = new GroupCommitter(db, logger, { windowMs: this.options.commitWindowMs }, this.options.hooks.commit);
    this.committer.onAttempt = (updates, ms, ok) => this.options.observer.committed(updates, ms, ok);
    // After this turn, so that the refused update's sender is closed for it (4422) before the others are.
    this.committer.onRefused = (source, why) => setImmediate(() => this.refusals.reload(source, why));
    this.committer.onGone = (source) => setImmediate(() => this.dropArticle(source.context.articleId));
    this.committer.onTakenId = (source, id, account) => this.refusals.takenId(source, id, account);
    this.committer.onRefusedAlone = (source, ids, account, why) => this.refusals.refusedAlone(source, ids, account, why);
    this.clientIdStore = new ClientIdStore(db, logger);
    this.hiding = new Hiding(
      {
        acquire: (context) => this.documents.acquire(context),
        release: (live) => this.documents.release(live),
        together: (fn) => this.committer.together(fn),
      },
      logger,
    );
    this.compaction = new Compaction(this.store, logger);
    this.committer.onCommitted = (rowsByDoc) => this.compaction.committed(rowsByDoc);
    const reprojection = new Reprojection(this.committer, this.options.relay.shared ? rewriteTurns(db, this.options.relay) : null);
    this.documents = new LoadedDocuments({
      db,
      store: this.store,
      clientIdStore: this.clientIdStore,
      compaction: this.compaction,
      committer: this.committer,
      hooks: documentHooks({ committer: this.committer, hiding: this.hiding, reprojection, clientIdStore: this.clientIdStore, olderTargets: this.olderTargets, options: this.options, logger }),
      relay: this.options.relay,
      reloads: this.reloads,
      idleUnloadMs: this.options.idleUnloadMs,
      closing: () => this.shuttingDown,
      loaded: (context) => {
        for (const listener of this.loadListeners) listener(context);
      },
    });
    this.refusals = new Refusals(db, logger, this.documents, this.reloads);
    this.joinHost = {
      db,
      publicOrigin,
      logger,
      maxConnectionsPerUser: this.options.maxConnectionsPerUser,
      perUser: this.perUser,
      openAccess: this.openAccess,
      acquire: (context) => this.documents.acquire(context),
      release: (live) => this.documents.release(live),
      liveDocument: (name) => this.documents.live(name),
      olderTargetTaken: (articleId, current) => this.olderTargets.soon({ kind: "article-revised", articleId, revision: current }),
    };
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

  /** A change of access, made by a route once committed: applied to sockets here before it answers, and relayed. */
  access(event: AccessEvent) {
    this.applyAccess(event);
    this.options.relay.publishAccess(event);
  }

  /** Called when this process may hold targets on an earlier revision, to be moved (older-targets-due.ts). */
  onOlderTargets(listener: (event: ArticleRevised) => void) {
    this.olderTargets.listen(listener);
  }

  /** Told of each document read from the database, once it is in use: what it holds may be left behind (anchoring/resume.ts). */
  onLoaded(listener: (context: DocContext) => void) {
    this.loadListeners.push(listener);
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
   * Runs a server-side change on a document (REST writes, approvals), loading it if needed, and resolves after
   * the change is durable. `about`: an annotation its caller found stored in it, which a copy here may lack
   * until the process that wrote it relays it: it catches up first, rather than answer 404 for what exists.
   */
  async change(context: DocContext, origin: ChangeOrigin, fn: Parameters<LiveDocument["change"]>[1], about?: string): Promise<void> {
    const live = await this.documents.acquire(context);
    try {
      await live.whenFree();
      await this.documents.current(live, about);
      // A writer the document has not met (a member who joined after it loaded) is named in what it stores.
      if (origin.userId && origin.memberId) live.members.add(origin.userId, origin.memberId);
      await live.change(origin, fn);
      // A hide or unhide answers once the annotation is in its new document.
      await this.hiding.settled(context.articleId);
    } finally {
      this.documents.release(live);
    }
  }

  /**
   * A decision's turn begins (services/decision-turns.ts): each copy of the article here is brought up to what
   * every process has stored before it is next read or changed. On a copy the last decision's writes had not
   * reached, an approval published the version before an edit answered 200.
   */
  mayTrail(articleId: string) {
    this.documents.mayTrail(articleId);
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
    const live = await this.documents.acquire(context);
    try {
      await live.whenBuilt();
      await this.documents.current(live);
      // Awaited here, so that a reading that takes turns of its own keeps the document loaded until it ends.
      return await fn(live);
    } finally {
      this.documents.release(live);
    }
  }

  /**
   * The route's, once an article's deletion has committed (never before: a refused or failed deletion
   * changes nothing, docs/sync.md, "6. Acknowledgements"): its sockets close here and, relayed, on every
   * other process. Resolves once what this process was writing for it has settled and whatever of it
   * landed after the deletion is deleted too, or after `waitMs`.
   */
  async articleDeleted(articleId: string, waitMs = ARTICLE_SWEEP_WAIT_MS): Promise<void> {
    this.access({ kind: "article-deleted", articleId });
    const sweep = this.sweeps.get(articleId);
    if (sweep) await beforeDeadline(sweep, Date.now() + waitMs);
  }

  /**
   * A deleted article's documents go at once, with what they had queued and not yet written (the
   * committer's `discard`): written after the deletion, it would only break the database's references
   * to the article. A commit already under way may still land its log rows after the deletion's (they
   * name documents, not the article): once it settles, the article's document rows are deleted again.
   */
  private dropArticle(articleId: string) {
    const writing: LiveDocument[] = [];
    for (const live of this.documents.all()) {
      if (live.context.articleId !== articleId) continue;
      writing.push(live);
      this.committer.retire(live, "gone");
      this.refusals.drop(live, CLOSE_CODES.gone, "the article was deleted");
    }
    const discarded = this.committer.discard((context) => context.articleId === articleId);
    if (discarded) this.logger.info({ articleId, updates: discarded }, "article deleted: its queued updates were discarded");
    const sweep = Promise.all(writing.map((live) => this.committer.settled(live)))
      .then(() => forgetArticleDocuments(this.db, articleId))
      .catch((err: unknown) => this.logger.warn({ err, articleId }, "a deleted article's last document rows could not be deleted"));
    this.sweeps.set(articleId, sweep);
    void sweep.then(() => {
      if (this.sweeps.get(articleId) === sweep) this.sweeps.delete(articleId);
    });
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
    return this.documents.has(docName);
  }

  get loadedDocuments(): number {
    return this.documents.all().length;
  }

  /**
   * SIGTERM: the sockets stop reading and close after a short first flush (shutdown.ts); what they and the HTTP
   * requests being answered (`requests` resolves once they are) wrote is written until `deadline` (a Date.now()
   * value), database or not, and the relay closes last, so that what was committed and the presence that left
   * are still published. What was not written by the deadline is
   * logged, and returned as a count per document.
   */
  async shutdown(deadline = Infinity, { firstFlushMs = FIRST_FLUSH_MS, requests }: { firstFlushMs?: number; requests?: () => Promise<void> } = {}): Promise<Map<string, number>> {
    this.shuttingDown = true;
    this.openAccess.stop();
    const unwritten = await drainSockets({ connections: this.connections, committer: this.committer, sockets: this.sockets, stopWriters: () => this.hiding.stop(), requests, firstFlushMs }, deadline);
    // Claims are worth a moment, not the grace period: a client that returns claims its id again.
    await beforeDeadline(this.clientIdStore.flush(), Math.min(deadline, Date.now() + 2_000));
    this.documents.destroyAll();
    await this.options.relay.close();
    return unwritten;
  }
}
