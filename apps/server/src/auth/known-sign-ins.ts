import { createHash } from "node:crypto";
import { and, eq, gt, inArray, lt, notInArray, or, sql } from "drizzle-orm";
import { knownSignIns, users } from "@marginalia/schema/tables";
import { type Db, LOCK_NOT_AVAILABLE, boundLockWaits, sqlState } from "../db.ts";

/** How long an address or a browser stays known: as long as an unused session lives, and as the device cookie. */
export const KNOWN_FOR_MS = 30 * 24 * 60 * 60_000;
/** Addresses, and browsers, kept per account, newest first: an owner's devices and networks, not a guesser's. */
export const KNOWN_PER_ACCOUNT = 8;
/** Device cookies of one request looked at: a browser sends one, or a few beside planted ones. */
const DEVICES_PER_REQUEST = 4;
/**
 * A process writes one address or browser of an account at most this often: a session's every request says
 * its address is in use, and a month-long memory does not need each of them. The same hour a session slides by.
 */
const REWRITE_AFTER_MS = 60 * 60_000;
/**
 * How long a write waits for the account's row (its foreign key takes a share lock on it) while a password
 * change or sign-out everywhere holds it: not longer, since the write is only a hint, tried again next time.
 */
const WRITE_LOCK_WAIT_MS = 250;
/** What one process remembers having written, so that a flood of sessions cannot grow memory without bound. */
const MAX_WRITTEN = 100_000;

type Kind = "address" | "device";
export const deviceHash = (token: string) => createHash("sha256").update(token).digest("base64url");

/** What a sign-in attempt was found to come from: an address, and perhaps a browser, the account lately used. */
export type Owner = { address: boolean; device: string | undefined };

/**
 * The addresses and browsers (device cookies) each account lately signed in from or used a session from,
 * kept in Postgres so that every server process knows them (docs/architecture.md, "Accounts"). Each is
 * one row, its `seen_at` moved when seen again; a write also drops the account's rows of that kind past
 * the newest few or older than a month, so that an account keeps a handful whatever happens to it.
 */
export class KnownSignIns {
  /** When this process last wrote each (account, kind, key): bounded, oldest first. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether this address, and which of these device tokens, the account with this email lately used:
   * one query, on the users' email index and this table's key.
   */
  async lookUp(email: string, address: string | null, devices: readonly string[]): Promise<Owner> {
    const tokens = devices.slice(0, DEVICES_PER_REQUEST);
    const hashes = tokens.map(deviceHash);
    const wanted = [
      ...(address === null ? [] : [and(eq(knownSignIns.kind, "address"), eq(knownSignIns.key, address))]),
      ...(hashes.length ? [and(eq(knownSignIns.kind, "device"), inArray(knownSignIns.key, hashes))] : []),
    ];
    if (!wanted.length) return { address: false, device: undefined };
    const rows = await this.db
      .select({ kind: knownSignIns.kind, key: knownSignIns.key })
      .from(knownSignIns)
      .innerJoin(users, eq(users.id, knownSignIns.userId))
      .where(and(eq(users.email, email), gt(knownSignIns.seenAt, this.since()), or(...wanted)));
    const seen = new Set(rows.map((r) => `${r.kind}\n${r.key}`));
    return {
      address: address !== null && seen.has(`address\n${address}`),
      device: tokens.find((_, i) => seen.has(`device\n${hashes[i]}`)),
    };
  }

  /** The account is in use from this address. */
  seenAt(userId: string, address: string): Promise<void> {
    return this.see(userId, "address", address);
  }

  /** The account signed in in the browser holding this device token. */
  seenWith(userId: string, token: string): Promise<void> {
    return this.see(userId, "device", deviceHash(token));
  }

  private async see(userId: string, kind: Kind, key: string): Promise<void> {
    const now = this.now();
    const memo = `${userId}\n${kind}\n${key}`;
    const last = this.written.get(memo);
    if (last !== undefined && now - last < REWRITE_AFTER_MS) return;
    const seenAt = new Date(now);
    try {
      await this.db.transaction(async (tx) => {
        await boundLockWaits(tx, WRITE_LOCK_WAIT_MS);
        await tx
          .insert(knownSignIns)
          .values({ userId, kind, key, seenAt })
          .onConflictDoUpdate({ target: [knownSignIns.userId, knownSignIns.kind, knownSignIns.key], set: { seenAt } });
        const newest = tx
          .select({ key: knownSignIns.key })
          .from(knownSignIns)
          .where(and(eq(knownSignIns.userId, userId), eq(knownSignIns.kind, kind)))
          .orderBy(sql`${knownSignIns.seenAt} desc`)
          .limit(KNOWN_PER_ACCOUNT);
        await tx
          .delete(knownSignIns)
          .where(and(eq(knownSignIns.userId, userId), eq(knownSignIns.kind, kind), or(lt(knownSignIns.seenAt, this.since()), notInArray(knownSignIns.key, newest))));
      });
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) return;
      throw error;
    }
    this.written.delete(memo);
    this.written.set(memo, now);
    for (const oldest of this.written.keys()) {
      if (this.written.size <= MAX_WRITTEN) break;
      this.written.delete(oldest);
    }
  }

  /**
   * Forgets what this process wrote of the account, once its browsers' rows are deleted (services/users.ts,
   * endCredentialsOf), so that the browser that carries on is written again at once rather than an hour later.
   */
  forgetWritten(userId: string): void {
    const prefix = `${userId}\n`;
    for (const memo of this.written.keys()) if (memo.startsWith(prefix)) this.written.delete(memo);
  }

  private since(): Date {
    return new Date(this.now() - KNOWN_FOR_MS);
  }
}
