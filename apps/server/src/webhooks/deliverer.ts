import { sql } from "drizzle-orm";
import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import { postDelivery } from "./send.ts";

export type DelivererOptions = {
  /** Deliver to loopback and private addresses too (development and tests). */
  allowPrivate: boolean;
  /** The first retry's wait; each further one doubles, up to `maxDelayMs`, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A delivery still failing this long after its event is given up (failed). */
  giveUpAfterMs: number;
  /** How often due retries (and other processes' events) are looked for. */
  pollMs: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  timeoutMs: number;
};

export const DELIVERY_DEFAULTS: Omit<DelivererOptions, "allowPrivate"> = {
  baseDelayMs: 10_000,
  maxDelayMs: 60 * 60_000,
  // Retried for more than a day: a receiver down over a weekend night still gets every event.
  giveUpAfterMs: 26 * 60 * 60_000,
  pollMs: 5_000,
  // A delivery in flight costs a socket and a few kilobytes; a hanging receiver holds its slot for timeoutMs.
  concurrency: 32,
  timeoutMs: 10_000,
};

/** One group's deliveries take at most this fraction of the slots at once (1/4). */
const GROUP_SHARE = 4;

type Claimed = { id: string; event: string; body: string; attempts: number; created_at: string | Date; url: string; secret: string };

/**
 * Sends the outbox (webhook_deliveries) at least once. Rows are leased with SKIP LOCKED, so several
 * processes share the work and one that dies mid-send lets its rows go when the lease ends. Each
 * delivery is tried and rescheduled on its own, a webhook has one delivery in flight at a time, and a
 * group a quarter of the slots: a receiver that fails, hangs or answers a byte at a time holds up only
 * its own deliveries (a deadline bounds each attempt, send.ts), never another group's, since a slot
 * that frees up is taken by whatever is due next rather than waiting for the rest of a batch. Nothing
 * waits on the event loop.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private again = false;
  private stopped = false;
  private readonly options: DelivererOptions;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: Partial<DelivererOptions> & { allowPrivate: boolean },
  ) {
    this.options = { ...DELIVERY_DEFAULTS, ...options };
  }

  start() {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (an event was just committed); calls while a run is under way coalesce. */
  wake() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch((err) => this.logger.warn({ err }, "webhook deliveries could not be read; trying again later"))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.all(this.inFlight);
  }

  /** Fills the free slots with due deliveries; each one that ends wakes this again for the next. */
  private async run() {
    while (!this.stopped) {
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const batch = await this.claim(free);
      for (const row of batch) {
        const sending: Promise<void> = this.deliver(row)
          .catch((err) => this.logger.warn({ err, delivery: row.id }, "a webhook delivery's outcome could not be stored; its lease will run out"))
          .finally(() => {
            this.inFlight.delete(sending);
            this.wake();
          });
        this.inFlight.add(sending);
      }
      if (batch.length < free) return;
    }
  }

  /**
   * Leases up to `limit` due deliveries: at most one per webhook, none of a webhook that already has one
   * in flight (here or in another process), and no more in flight for one group than its share of the
   * slots, so that receivers that hang, registered many times over in one group, leave the other groups
   * their slots. First attempts go before retries (a receiver that failed once is likelier to fail
   * again), then oldest due first.
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const leaseMs = this.options.timeoutMs * 3;
    const perGroup = Math.max(1, Math.floor(this.options.concurrency / GROUP_SHARE));
    const rows = await this.db.execute(sql`
      with busy as (
        select w.group_id, count(*) as n from webhook_deliveries l join webhooks w on w.id = l.webhook_id
        where l.status = 'pending' and l.leased_until >= now()
        group by w.group_id
      ), due as (
        select distinct on (d.webhook_id) d.id, d.attempts, d.next_attempt_at, w.group_id
        from webhook_deliveries d join webhooks w on w.id = d.webhook_id
        where d.status = 'pending' and d.next_attempt_at <= now() and (d.leased_until is null or d.leased_until < now())
          and d.webhook_id not in (select webhook_id from webhook_deliveries where status = 'pending' and leased_until >= now())
        order by d.webhook_id, d.next_attempt_at
      ), placed as (
        select due.id, coalesce(busy.n, 0) + row_number() over (partition by due.group_id order by due.attempts > 0, due.next_attempt_at) as place
        from due left join busy on busy.group_id = due.group_id
      )
      update webhook_deliveries d
      set leased_until = now() + ${leaseMs} * interval '1 millisecond', attempts = d.attempts + 1
      from webhooks w
      where w.id = d.webhook_id and d.id in (
        select id from webhook_deliveries
        where id in (select id from placed where place <= ${perGroup})
        order by attempts > 0, next_attempt_at
        limit ${limit}
        for update skip locked
      )
      returning d.id, d.event, d.body, d.attempts, d.created_at, w.url, w.secret`);
    return rows as unknown as Claimed[];
  }

  private async deliver(row: Claimed) {
    const attempt = await postDelivery(row.url, row, { allowPrivate: this.options.allowPrivate, timeoutMs: this.options.timeoutMs });
    if (attempt.ok) {
      await this.db.execute(sql`
        update webhook_deliveries set status = 'delivered', delivered_at = now(), last_status = ${attempt.status}, last_error = null, leased_until = null
        where id = ${row.id}`);
      return;
    }
    const age = Date.now() - new Date(row.created_at).getTime();
    const giveUp = age >= this.options.giveUpAfterMs;
    const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (row.attempts - 1)) * (0.5 + Math.random() / 2);
    await this.db.execute(sql`
      update webhook_deliveries
      set status = ${giveUp ? "failed" : "pending"}, last_status = ${attempt.status}, last_error = ${attempt.error}, leased_until = null,
          next_attempt_at = now() + ${Math.round(delay)} * interval '1 millisecond'
      where id = ${row.id}`);
    if (giveUp) this.logger.warn({ delivery: row.id, url: row.url, attempts: row.attempts }, "webhook delivery given up");
  }
}
