import type { SSEStreamingApi } from "hono/streaming";
import type { Auth } from "../context.ts";
import { ApiError } from "../errors.ts";
import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import type { AccessEvent } from "../sync/authorize/access.ts";
import { liveCredentials } from "../sync/authorize/access-check.ts";
import type { NotificationBell } from "./notification-bell.ts";
import { AccountFeed, type FeedRow, type FeedStream, PAGE, ReadPoint, ReadQueue } from "./notification-feed.ts";

/** Streams one account may hold open on a process: a tab each, with room to spare; each holds a connection. */
export const MAX_STREAMS_PER_ACCOUNT = 8;
/** How long a browser waits before reconnecting a dropped stream (the `retry` field). */
const RETRY_MS = 5_000;

type Credential = { via: "session"; sessionId: string } | { via: "token"; tokenId: string };

/**
 * The open notification streams of one process (docs/architecture.md,
 * "Notifications as they happen"), and what keeps them honest over time:
 * - a ring of the bell for an account makes its feed read what is newer, once
 *   for all its streams here, with the list route's rules, so a stream shows
 *   nothing the list would not; each stream sends what it has not sent, and
 *   reads process-wide are taken a few at a time (notification-feed.ts);
 * - a session that ends or a token revoked closes its streams at once (the
 *   same access events that close sockets), and every heartbeat checks the
 *   credentials of all streams against the database in one query, for what
 *   no event announced (an expired session, a token revoked from the CLI);
 * - an account holds at most MAX_STREAMS_PER_ACCOUNT streams here;
 * - a stream whose last write is still unread at the next heartbeat is
 *   closed, so a client that stops reading holds one message, never a queue.
 */
export class NotificationStreams {
  private readonly open = new Set<NotificationStream>();
  private readonly perAccount = new Map<string, number>();
  private readonly feeds = new Map<string, AccountFeed>();
  /** Every read the streams make here, counted by kind. */
  readonly reads = new ReadQueue();
  private readonly context: StreamContext;
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly bell: NotificationBell,
    private readonly logger: Logger,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
    this.context = { db, reads: this.reads, logger, feedFor: (userId) => this.feedFor(userId) };
  }

  /** A new stream for this caller, or null when their account has as many open here as it may. */
  take(auth: Auth): NotificationStream | null {
    // Once shut, a stream taken (on a connection kept alive) would outlive the shutdown, reading a closed database.
    if (this.closed) throw new ApiError("unavailable", "The server is shutting down; try again");
    const userId = auth.user.id;
    const count = this.perAccount.get(userId) ?? 0;
    if (count >= MAX_STREAMS_PER_ACCOUNT) return null;
    this.perAccount.set(userId, count + 1);
    const credential: Credential = auth.via === "session" ? { via: "session", sessionId: auth.sessionId } : { via: "token", tokenId: auth.tokenId };
    const stream = new NotificationStream(this.context, userId, credential, () => this.forget(stream));
    this.open.add(stream);
    return stream;
  }

  /** Closes the streams an access event ends: those of a session that ended or a token that was revoked. */
  apply(event: AccessEvent) {
    if (event.kind !== "sessions-ended" && event.kind !== "tokens-revoked") return;
    for (const stream of [...this.open]) {
      const c = stream.credential;
      if (event.kind === "sessions-ended" && c.via === "session" && event.sessionIds.includes(c.sessionId)) stream.end("session ended");
      if (event.kind === "tokens-revoked" && c.via === "token" && event.tokenIds.includes(c.tokenId)) stream.end("token revoked");
    }
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream (shutdown): browsers reconnect, to this process's successor or another. */
  close() {
    this.closed = true;
    clearInterval(this.timer);
    for (const stream of [...this.open]) stream.end("server shutting down");
  }

  /** Keeps proxies from timing idle streams out, drops clients that stopped reading, and checks credentials. */
  async heartbeat() {
    for (const stream of [...this.open]) stream.ping();
    if (this.checking || this.open.size === 0) return;
    this.checking = true;
    try {
      const streams = [...this.open];
      const sessionIds = streams.flatMap((s) => (s.credential.via === "session" ? [s.credential.sessionId] : []));
      const tokenIds = streams.flatMap((s) => (s.credential.via === "token" ? [s.credential.tokenId] : []));
      const { sessionsLeft, tokensLeft } = await liveCredentials(this.db, [...new Set(sessionIds)], [...new Set(tokenIds)]);
      for (const stream of streams) {
        const c = stream.credential;
        if (c.via === "session" ? !sessionsLeft.has(c.sessionId) : !tokensLeft.has(c.tokenId)) stream.end("credentials ended");
      }
    } catch (err) {
      this.logger.warn({ err }, "could not check notification streams' credentials; trying at the next heartbeat");
    } finally {
      this.checking = false;
    }
  }

  private feedFor(userId: string): AccountFeed {
    const open = this.feeds.get(userId);
    if (open && !open.isClosed) return open;
    const feed = new AccountFeed(this.db, this.bell, this.reads, userId, () => {
      if (this.feeds.get(userId) === feed) this.feeds.delete(userId);
    });
    this.feeds.set(userId, feed);
    return feed;
  }

  private forget(stream: NotificationStream) {
    if (!this.open.delete(stream)) return;
    const left = (this.perAccount.get(stream.userId) ?? 1) - 1;
    if (left > 0) this.perAccount.set(stream.userId, left);
    else this.perAccount.delete(stream.userId);
  }
}

/** What a stream needs of the process: where to read, and its account's feed. */
type StreamContext = { db: Db; reads: ReadQueue; logger: Logger; feedFor: (userId: string) => AccountFeed };

/**
 * One open stream: sends each notification newer than where it started once, in order, as an SSE event
 * whose id is the highest sent. It reads on its own until it is level with its account's feed, then sends
 * what the feed reads (notification-feed.ts).
 */
export class NotificationStream implements FeedStream {
  private state: StreamState = { kind: "taken" };
  /** Writes not yet taken by the client: one still there at the next heartbeat closes the stream instead. */
  private pending = 0;
  private finish: () => void = () => {};
  private readonly done = new Promise<void>((resolve) => {
    this.finish = resolve;
  });

  constructor(
    private readonly context: StreamContext,
    readonly userId: string,
    readonly credential: Credential,
    private readonly forget: () => void,
  ) {}

  get joined(): boolean {
    return this.state.kind === "joined";
  }

  private get ended(): boolean {
    return this.state.kind === "ended";
  }

  /**
   * Serves the stream until it ends: first what is newer than `after` (the
   * `Last-Event-ID` a reconnecting browser sends, or the newest id the client
   * had listed), else only what comes from now on.
   */
  async run(sse: SSEStreamingApi, after: number | null): Promise<void> {
    // Ended before it ran (its credentials ended meanwhile): joining the feed now would keep it there for good.
    if (this.ended) return;
    sse.onAbort(() => this.end(null));
    const { db, reads } = this.context;
    try {
      // Rung from here on, before the starting point is read: a ring in between is read, not missed.
      const feed = this.context.feedFor(this.userId);
      const starting: StreamState & { kind: "starting" } = { kind: "starting", sse, feed, rung: false };
      this.state = starting;
      feed.add(this);
      // Starting after the feed did, this stream is owed nothing the feed read before joining it.
      await feed.ready;
      if (this.ended) return;
      const point = await reads.run("start", () => ReadPoint.at(db, this.userId, after));
      if (this.ended) return;
      // Only now: a notification committed after `ready` is one this stream sends.
      await this.write(sse, { event: "ready", data: "{}", retry: RETRY_MS });
      if (this.state === starting) {
        // From a given id there may be more to send; from now on, only a ring since then calls for a read.
        this.state = { kind: "catching-up", sse, feed, point, rung: starting.rung || after !== null };
        void this.pump();
      }
      await this.done;
    } catch (err) {
      this.logger.warn({ err, userId: this.userId }, "a notification stream failed");
    } finally {
      this.end(null);
    }
  }

  /** Closes the stream, telling the client why (`reason`) unless it is gone already. */
  end(reason: string | null) {
    const state = this.state;
    if (state.kind === "ended") return;
    this.state = { kind: "ended" };
    const sse = state.kind === "taken" ? null : state.sse;
    if (state.kind !== "taken") state.feed.remove(this);
    this.forget();
    // `run` returns once this finishes, and Hono then closes the response.
    if (!sse || !reason) return this.finish();
    // A client that is not reading would never take a last event: it is cut.
    if (this.pending > 0) {
      sse.abort();
      return this.finish();
    }
    // An `end` event tells the web app not to reconnect; a client that does is asked to sign in again.
    void sse.writeSSE({ event: "end", data: JSON.stringify({ reason }) }).finally(() => this.finish());
  }

  ping() {
    const state = this.state;
    if (state.kind === "taken" || state.kind === "ended") return;
    if (this.pending > 0) {
      // Cut rather than closed: a close would wait behind the write the client never takes.
      state.sse.abort();
      return this.end(null);
    }
    void this.write(state.sse, null);
  }

  rung() {
    const state = this.state;
    if (state.kind === "starting" || state.kind === "catching-up") state.rung = true;
    else if (state.kind === "joined") {
      this.state = { kind: "catching-up", sse: state.sse, feed: state.feed, point: state.point, rung: true };
      // With a batch, the pump is writing it, and reads on its own after.
      if (!state.batch) void this.pump();
    }
  }

  offer(rows: readonly FeedRow[], since: Date) {
    const state = this.state;
    // Not joined, it reads on its own, and such a read covers these rows.
    if (state.kind !== "joined") return;
    if (state.batch) {
      // Its client is still taking the last batch: rather than queue, the stream falls behind and, once that
      // is written, reads on its own from where it stands, which reads these rows again.
      this.state = { kind: "catching-up", sse: state.sse, feed: state.feed, point: state.point, rung: true };
      return;
    }
    state.batch = { rows, since };
    void this.pump();
  }

  fail(err: unknown) {
    this.logger.warn({ err, userId: this.userId }, "could not read notifications for a stream; closing it");
    this.end(null);
  }

  private get logger() {
    return this.context.logger;
  }

  /**
   * Writes what the feed handed over, and reads on its own while rung and not joined; joins once level. Runs
   * while the stream catches up or has a batch to write, and is started only on the way into either, so never twice.
   */
  private async pump() {
    try {
      for (;;) {
        const state = this.state;
        if (state.kind === "joined") {
          if (!state.batch) return;
          await this.send(state, state.batch.rows, state.batch.since);
          state.batch = null;
          continue;
        }
        if (state.kind !== "catching-up") return;
        if (!state.rung) {
          this.state = { kind: "joined", sse: state.sse, feed: state.feed, point: state.point, batch: null };
          return;
        }
        state.rung = false;
        const { rows, since } = await state.point.read(this.context.db, this.userId, this.context.reads, "own");
        await this.send(state, rows, since);
        if (rows.length === PAGE) state.rung = true;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private async send(to: Sending, rows: readonly FeedRow[], since: Date) {
    for (const row of rows) {
      if (this.ended) return;
      if (!to.point.take(row, since)) continue;
      // The event's id is where a reconnect resumes: the highest sent, which a late, lower one must not lower.
      await this.write(to.sse, { event: "notification", id: String(to.point.cursor), data: eventData(row) });
    }
  }

  /** One event, or a comment line (null) that only keeps the connection busy. */
  private async write(sse: SSEStreamingApi, message: { event: string; data: string; id?: string; retry?: number } | null) {
    this.pending++;
    try {
      if (message) await sse.writeSSE(message);
      else await sse.write(": keep-alive\n\n");
    } finally {
      this.pending--;
    }
  }
}

/** A running stream's response, and its account's feed. */
type Running = { sse: SSEStreamingApi; feed: AccountFeed };
/** What a stream sends from: where it stands (`point`), what this stream has sent, and where to. */
type Sending = Running & { point: ReadPoint };

/**
 * Where a stream is: taken but not yet run; starting (in its feed, learning where it starts); catching up,
 * reading on its own while `rung` (rung since its last own read began); joined, sending what the feed hands
 * over, one `batch` at a time, so that a client never holds more than one; or ended.
 */
type StreamState =
  | { kind: "taken" }
  | (Running & { kind: "starting"; rung: boolean })
  | (Sending & { kind: "catching-up"; rung: boolean })
  | (Sending & { kind: "joined"; batch: { rows: readonly FeedRow[]; since: Date } | null })
  | { kind: "ended" };

/** A row's event data, made once for all the streams the feed hands it to. */
const dataOf = new WeakMap<FeedRow, string>();
function eventData(row: FeedRow): string {
  let data = dataOf.get(row);
  if (data === undefined) dataOf.set(row, (data = JSON.stringify(row)));
  return data;
}
