import { eq, sql } from "drizzle-orm";
import { docClientIds } from "@marginalia/schema/tables";
import type { Db } from "../../db.ts";
import type { Logger } from "../../logger.ts";

/** How long new claims wait to be written together. */
const FLUSH_MS = 20;
/** Attempts at writing one claim before it is given up (it stays claimed in memory meanwhile). */
const ATTEMPTS = 5;
/**
 * How long a claim under which nothing is stored is kept: one for an update
 * that was then not stored, or one for presence alone from before such claims
 * stayed in memory (client-ids.ts). Either guards a tab that may come back,
 * which after a day it no longer does.
 */
export const PRESENCE_CLAIM_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a claim to `clientId` can be kept: a whole number within 2^53 − 1, which the socket refuses past
 * (decoded-update.ts). Checked here too, since one claim the bigint column cannot take (from 2^63 on, or a
 * float that prints with an exponent) fails the insert of everyone's claims batched with it, and a prune.
 */
const keepable = (clientId: number) => Number.isSafeInteger(clientId) && clientId >= 0;

/**
 * Keeps Yjs client-id claims beside the log (client-ids.ts). A claim is
 * written after it is made, in small batches, and never blocks the update
 * that made it: a claim lost to a crash in the few milliseconds before its
 * write is claimed again by the same client when it returns.
 */
export class ClientIdStore {
  private queue: Array<{ docName: string; clientId: number; memberId: string; attempts: number }> = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async load(docName: string): Promise<Array<[number, string]>> {
    const rows = await this.db
      .select({ clientId: docClientIds.clientId, memberId: docClientIds.memberId })
      .from(docClientIds)
      .where(eq(docClientIds.docName, docName));
    return rows.map((r) => [r.clientId, r.memberId]);
  }

  /**
   * Drops the document's old claims under which nothing was ever written: only
   * `writers` (the client ids in its state vector) own content worth guarding
   * for good. Called when the document unloads.
   */
  async prune(docName: string, writers: readonly number[], now = Date.now()) {
    try {
      await this.db.execute(sql`
        delete from doc_client_ids
        where doc_name = ${docName}
          and created_at < ${new Date(now - PRESENCE_CLAIM_TTL_MS).toISOString()}::timestamptz
          and not (client_id = any(${`{${writers.filter(keepable).join(",")}}`}::bigint[]))`);
    } catch (err) {
      this.logger.warn({ err, doc: docName }, "could not prune old client-id claims");
    }
  }

  record(docName: string, clientId: number, memberId: string) {
    // One claim the insert cannot take fails the whole batch, other members' claims with it.
    if (!keepable(clientId)) {
      this.logger.warn({ doc: docName, clientId }, "client-id claim not kept: not an id a bigint holds exactly");
      return;
    }
    this.queue.push({ docName, clientId, memberId, attempts: 0 });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is queued; resolves when done (or given up on). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.writing) await this.writing;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    this.writing = this.write(batch).finally(() => (this.writing = null));
    await this.writing;
  }

  private async write(batch: typeof this.queue) {
    try {
      // First claim wins, across processes too.
      const rows = JSON.stringify(batch.map((c) => [c.docName, c.clientId, c.memberId]));
      await this.db.execute(sql`
        insert into doc_client_ids (doc_name, client_id, member_id)
        select r->>0, (r->>1)::bigint, (r->>2)::uuid
        from jsonb_array_elements(${rows}::jsonb) as input(r)
        on conflict do nothing`);
    } catch (err) {
      const retry = batch.filter((c) => ++c.attempts < ATTEMPTS);
      this.logger.warn({ err, claims: batch.length, retrying: retry.length }, "could not keep client-id claims");
      this.queue.unshift(...retry);
      if (retry.length) this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 50).unref();
    }
  }
}
