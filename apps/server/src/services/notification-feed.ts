import type { Db } from "../db.ts";
import type { NotificationBell } from "./notification-bell.ts";
import { listNotifications, newestNotificationId, recentNotificationIds } from "./notifications.ts";

/** Notifications read per query; more are read by the next. */
export const PAGE = 50;
/**
 * How far back a read looks for notifications that became readable after a higher id was taken: ids are
 * taken at insert, commits land in any order, and a notification's transaction (a group commit, a
 * moderation step) lasts milliseconds, far less than this.
 */
const LOOKBACK_MS = 30_000;
/** How long a taken id is remembered, so that the look-back never takes it twice. */
const REMEMBERED_MS = 2 * LOOKBACK_MS;
/**
 * How long a feed waits after a ring before it reads: rings for one account come in bursts (a comment
 * mentioning many, a busy thread), and one read takes them all. A bell may be this late.
 */
const READ_AFTER_MS = 1_000;
/**
 * Stream reads under way at once in a process. A second after a burst of mentions, every account rung
 * reads: sent in the same turn, fifty accounts' reads would come back together and be parsed in one
 * stretch. Taken a few at a time, they spread over turns of their own.
 */
export const CONCURRENT_READS = 4;

export type FeedRow = Awaited<ReturnType<typeof listNotifications>>[number];

/**
 * Where a reader stands: the highest id it took, and the ids it took lately with when, which the look-back
 * skips. The account's feed holds one, and so does each stream, for what it has sent.
 */
export class ReadPoint {
  private readonly taken = new Map<number, number>();

  private constructor(public cursor: number) {}

  /**
   * After `after`, else after the newest there is; what is readable up to there and recent counts as
   * taken: the client has it from its list or from before it reconnected.
   */
  static async at(db: Db, userId: string, after: number | null): Promise<ReadPoint> {
    const point = new ReadPoint(after ?? (await newestNotificationId(db, userId)));
    const now = Date.now();
    for (const id of await recentNotificationIds(db, userId, new Date(now - LOOKBACK_MS), point.cursor)) point.taken.set(id, now);
    return point;
  }

  /**
   * A page of what is newer than here, looking back LOOKBACK_MS for rows not yet taken, read in its turn on
   * `reads`; `since` is how far back it looked, for `take`. Nothing is taken yet.
   */
  async read(db: Db, userId: string, reads: ReadQueue, kind: ReadKind): Promise<{ rows: FeedRow[]; since: Date }> {
    const now = Date.now();
    for (const [id, at] of this.taken) if (now - at > REMEMBERED_MS) this.taken.delete(id);
    const since = new Date(now - LOOKBACK_MS);
    const recent = { since, skip: [...this.taken.keys()] };
    const rows = await reads.run(kind, () => listNotifications(db, userId, { unread: false, after: this.cursor, recent, limit: PAGE }));
    return { rows, since };
  }

  /**
   * Takes `row` if a read from here looking back to `since` would have returned it: a row another
   * reader read (the feed, for a stream) may be one this one took already or has left behind.
   */
  take(row: FeedRow, since: Date): boolean {
    if (this.taken.has(row.id)) return false;
    if (row.id <= this.cursor && row.createdAt <= since) return false;
    this.taken.set(row.id, Date.now());
    this.cursor = Math.max(this.cursor, row.id);
    return true;
  }
}

export type ReadKind = "start" | "shared" | "own";

/** Lets CONCURRENT_READS reads run at once, the rest in turn; counts them by kind. */
export class ReadQueue {
  readonly counts: Record<ReadKind, number> = { start: 0, shared: 0, own: 0 };
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit = CONCURRENT_READS) {}

  async run<T>(kind: ReadKind, read: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    // A finishing read hands its place over directly, so `running` stays counted.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.counts[kind]++;
    try {
      return await read();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** A stream as its account's feed sees it. */
export interface FeedStream {
  /** Taking the feed's reads; until then, it reads on its own when rung. */
  readonly joined: boolean;
  rung(): void;
  /** Rows the feed read, looking back to `since`; the stream sends those it has not. */
  offer(rows: readonly FeedRow[], since: Date): void;
  fail(err: unknown): void;
}

/**
 * One account's reads on a process, shared by its streams: a ring reads once, not once per open tab, and
 * hands the rows to every stream that has caught up. A stream not caught up (new, or behind a slow client)
 * reads on its own at each ring until a read finds it level, then joins: its own reads cover everything up
 * to their start, and whatever is committed later rings after the commit, which either makes it read again
 * or, once joined, is read by the feed.
 */
export class AccountFeed {
  private readonly streams = new Set<FeedStream>();
  private state: FeedState = { kind: "starting" };
  /** Rung since the last read began: the next read has something to find. */
  private dirty = false;
  /** Settles once the feed knows where it starts; a stream starts after it, so nothing the feed skips is owed. */
  readonly ready: Promise<void>;
  private readonly unlisten: () => void;

  constructor(
    private readonly db: Db,
    bell: NotificationBell,
    private readonly reads: ReadQueue,
    readonly userId: string,
    private readonly onClosed: () => void,
  ) {
    // Listening before the starting point is read: a ring in between is read, not missed.
    this.unlisten = bell.listen(userId, () => this.wake());
    this.ready = reads.run("start", () => ReadPoint.at(db, userId, null)).then(
      (point) => {
        if (this.state.kind !== "starting") return;
        this.state = { kind: "idle", point };
        if (this.dirty) this.schedule(point);
      },
      (err: unknown) => {
        this.close();
        throw err;
      },
    );
    // Each stream awaits `ready` and hears of a failure there.
    this.ready.catch(() => {});
  }

  add(stream: FeedStream) {
    this.streams.add(stream);
  }

  remove(stream: FeedStream) {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.close();
  }

  get isClosed(): boolean {
    return this.state.kind === "closed";
  }

  private close() {
    if (this.state.kind === "closed") return;
    if (this.state.kind === "due") clearTimeout(this.state.timer);
    this.state = { kind: "closed" };
    this.unlisten();
    this.onClosed();
  }

  private wake() {
    for (const stream of this.streams) if (!stream.joined) stream.rung();
    this.dirty = true;
    // A read under way reads again once done (`dirty`); otherwise one read takes every ring of the next moment.
    if (this.state.kind === "idle") this.schedule(this.state.point);
  }

  private schedule(point: ReadPoint) {
    const timer = setTimeout(() => void this.read(point), READ_AFTER_MS);
    timer.unref();
    this.state = { kind: "due", point, timer };
  }

  private async read(point: ReadPoint) {
    if (this.state.kind !== "due") return;
    this.state = { kind: "reading", point };
    try {
      while (this.dirty && !this.isClosed) {
        this.dirty = false;
        const { rows, since } = await point.read(this.db, this.userId, this.reads, "shared");
        const fresh = rows.filter((row) => point.take(row, since));
        if (fresh.length) for (const stream of [...this.streams]) if (stream.joined) stream.offer(fresh, since);
        if (rows.length === PAGE) this.dirty = true;
      }
    } catch (err) {
      // The streams end, as each did when its own read failed; the last to go closes the feed.
      for (const stream of [...this.streams]) stream.fail(err);
    } finally {
      if (!this.isClosed) this.state = { kind: "idle", point };
    }
  }
}

/**
 * Where an account's feed is: learning where it starts, waiting for a ring, about to read (a moment after
 * one, READ_AFTER_MS), reading, or closed with its last stream.
 */
type FeedState =
  | { kind: "starting" }
  | { kind: "idle"; point: ReadPoint }
  | { kind: "due"; point: ReadPoint; timer: NodeJS.Timeout }
  | { kind: "reading"; point: ReadPoint }
  | { kind: "closed" };
