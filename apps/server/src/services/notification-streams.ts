import type { SSEStreamingApi } from "hono/streaming";
import type { Auth } from "../context.ts";
import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import type { AccessEvent } from "../sync/access.ts";
import { liveCredentials } from "../sync/access-check.ts";
import type { NotificationBell } from "./notification-bell.ts";
import { listNotifications, newestNotificationId, recentNotificationIds } from "./notifications.ts";

/** Streams one account may hold open on a process: a tab each, with room to spare; each holds a connection. */
export const MAX_STREAMS_PER_ACCOUNT = 8;
/** Notifications read per query; more are read by the next. */
const PAGE = 50;
/**
 * How far back a stream looks for notifications that became readable after a higher id was sent: ids are
 * taken at insert, commits land in any order, and a notification's transaction (a group commit, a
 * moderation step) lasts milliseconds, far less than this.
 */
const LOOKBACK_MS = 30_000;
/** How long a sent id is remembered, so that the look-back never sends it twice. */
const REMEMBERED_MS = 2 * LOOKBACK_MS;
/**
 * How long a stream waits after a ring before it reads: rings for one account come in bursts (a comment
 * mentioning many, a busy thread), and with 400 streams each reading at every ring, the reads held the
 * loop over half a second. A bell may be this late. (Fifty accounts' 200 reading streams at ten mentions
 * a second, on a noisy host: loop delay max 1,116 ms waiting 250 ms, 464 ms waiting a second.)
 */
const READ_AFTER_MS = 1_000;
/** How long a browser waits before reconnecting a dropped stream (the `retry` field). */
const RETRY_MS = 5_000;

type Credential = { via: "session"; sessionId: string } | { via: "token"; tokenId: string };

/**
 * The open notification streams of one process (docs/architecture.md,
 * "Notifications as they happen"), and what keeps them honest over time:
 * - a ring of the bell for an account makes each of its streams read what is
 *   newer than what it last sent, with the list route's rules, so a stream
 *   shows nothing the list would not;
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
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly db: Db,
    private readonly bell: NotificationBell,
    private readonly logger: Logger,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  /** A new stream for this caller, or null when their account has as many open here as it may. */
  take(auth: Auth): NotificationStream | null {
    const userId = auth.user.id;
    const count = this.perAccount.get(userId) ?? 0;
    if (count >= MAX_STREAMS_PER_ACCOUNT) return null;
    this.perAccount.set(userId, count + 1);
    const credential: Credential = auth.via === "session" ? { via: "session", sessionId: auth.sessionId } : { via: "token", tokenId: auth.tokenId };
    const stream = new NotificationStream(this.db, this.bell, this.logger, userId, credential, () => this.forget(stream));
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

  private forget(stream: NotificationStream) {
    if (!this.open.delete(stream)) return;
    const left = (this.perAccount.get(stream.userId) ?? 1) - 1;
    if (left > 0) this.perAccount.set(stream.userId, left);
    else this.perAccount.delete(stream.userId);
  }
}

/** One open stream: sends each notification newer than `cursor` once, in order, as an SSE event with its id. */
export class NotificationStream {
  private sse: SSEStreamingApi | null = null;
  private cursor: number | null = null;
  /** Ids sent (or counted as sent) lately, with when: the look-back skips them. */
  private readonly sent = new Map<number, number>();
  /** Rung since the last read began: read again. */
  private dirty = true;
  private reading = false;
  /** The read a ring asked for, shortly. */
  private readSoon: NodeJS.Timeout | null = null;
  private ended = false;
  /** Writes not yet taken by the client: one still there at the next heartbeat closes the stream instead. */
  private pending = 0;
  private finish: () => void = () => {};
  private readonly done = new Promise<void>((resolve) => {
    this.finish = resolve;
  });

  constructor(
    private readonly db: Db,
    private readonly bell: NotificationBell,
    private readonly logger: Logger,
    readonly userId: string,
    readonly credential: Credential,
    private readonly forget: () => void,
  ) {}

  /**
   * Serves the stream until it ends: first what is newer than `after` (the
   * `Last-Event-ID` a reconnecting browser sends, or the newest id the client
   * had listed), else only what comes from now on.
   */
  async run(sse: SSEStreamingApi, after: number | null): Promise<void> {
    this.sse = sse;
    sse.onAbort(() => this.end(null));
    // Listening before the starting point is read: a ring in between is read, not missed.
    const unlisten = this.bell.listen(this.userId, () => this.wake());
    try {
      await this.write({ event: "ready", data: "{}", retry: RETRY_MS });
      const cursor = after ?? (await newestNotificationId(this.db, this.userId));
      // What is readable up to the starting point the client has, from its list or from before it reconnected.
      const now = Date.now();
      for (const id of await recentNotificationIds(this.db, this.userId, new Date(now - LOOKBACK_MS), cursor)) this.sent.set(id, now);
      this.cursor = cursor;
      this.wake();
      await this.done;
    } catch (err) {
      this.logger.warn({ err, userId: this.userId }, "a notification stream failed");
    } finally {
      unlisten();
      this.end(null);
    }
  }

  /** Closes the stream, telling the client why (`reason`) unless it is gone already. */
  end(reason: string | null) {
    if (this.ended) return;
    this.ended = true;
    if (this.readSoon) clearTimeout(this.readSoon);
    this.forget();
    const sse = this.sse;
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
    if (this.ended || !this.sse) return;
    if (this.pending > 0) {
      // Cut rather than closed: a close would wait behind the write the client never takes.
      this.sse.abort();
      return this.end(null);
    }
    void this.write(null);
  }

  private wake() {
    this.dirty = true;
    // A read under way reads again once done (`dirty`); otherwise one read takes every ring of the next moment.
    if (this.readSoon || this.reading) return;
    this.readSoon = setTimeout(() => {
      this.readSoon = null;
      void this.read();
    }, READ_AFTER_MS);
    this.readSoon.unref();
  }

  private async read() {
    if (this.reading || this.ended || this.cursor === null) return;
    this.reading = true;
    try {
      while (this.dirty && !this.ended) {
        this.dirty = false;
        const now = Date.now();
        for (const [id, at] of this.sent) if (now - at > REMEMBERED_MS) this.sent.delete(id);
        const recent = { since: new Date(now - LOOKBACK_MS), skip: [...this.sent.keys()] };
        const rows = await listNotifications(this.db, this.userId, { unread: false, after: this.cursor, recent, limit: PAGE });
        for (const row of rows) {
          if (this.ended) return;
          if (this.sent.has(row.id)) continue;
          this.sent.set(row.id, Date.now());
          this.cursor = Math.max(this.cursor, row.id);
          // The event's id is where a reconnect resumes: the highest sent, which a late, lower one must not lower.
          await this.write({ event: "notification", id: String(this.cursor), data: JSON.stringify(row) });
        }
        if (rows.length === PAGE) this.dirty = true;
      }
    } catch (err) {
      this.logger.warn({ err, userId: this.userId }, "could not read notifications for a stream; closing it");
      this.end(null);
    } finally {
      this.reading = false;
    }
  }

  /** One event, or a comment line (null) that only keeps the connection busy. */
  private async write(message: { event: string; data: string; id?: string; retry?: number } | null) {
    const sse = this.sse!;
    this.pending++;
    try {
      if (message) await sse.writeSSE(message);
      else await sse.write(": keep-alive\n\n");
    } finally {
      this.pending--;
    }
  }
}
