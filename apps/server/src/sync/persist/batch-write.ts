import { type SQL, sql } from "drizzle-orm";
import type { Role } from "@marginalia/schema";
import { COMMIT_WAIT_WARNING_MS, type Db, type Tx, transaction } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import type { CommitHook, CommittedDoc } from "./commit-hooks.ts";
import { ProjectionError } from "./commit-errors.ts";
import type { PersistSource } from "./persist.ts";
import { SERVER_WRITER } from "../authorize/client-ids.ts";
import { eachInTurns } from "../document/own-turn.ts";
import { PROJECTED_PER_TURN, type ProjectionRow, projectAnnotation, projectionCtes, projectionJsonInTurns, removeFromProjection, storableRow, upsertProjection } from "./projection.ts";

/**
 * What writing needs of a queued update (persist.ts): whose it is, its bytes, its writer, the annotations it
 * touched. No bytes: the touched annotations' rows written again, with no log row (reprojection.ts).
 */
export type BatchUpdate = {
  source: PersistSource;
  update: Uint8Array | null;
  userId: string | null;
  /** The member id a member wrote under (a socket, a REST write); checked against the group's current one. */
  memberId?: string | null;
  /** The least role the update needs of its writer (a socket's), checked against the group's memberships as it commits. */
  needs?: Role | null;
  /** The server's own client id, for a write of the server's: its claim as a server's is kept with it (`logged`). */
  serverId?: number | null;
  touched: ReadonlySet<string>;
};

/**
 * The group commit's writing (persist.ts decides what goes in a batch, and
 * retries and splits): a batch's log rows and the projection of what it
 * touched, with the commit hooks, in one statement or one transaction.
 */
export class BatchWriter {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly hooks: readonly CommitHook[],
  ) {}

  /** One attempt at writing `batch`: its log rows and the projection of what it touched, atomically. */
  async write(batch: BatchUpdate[]): Promise<void> {
    let projections: Projected[];
    let statement: SQL | null;
    const hooked = (p: CommittedDoc & { rewritten: boolean }) => this.hooks.filter((hook) => !p.rewritten && hook.wants(p));
    try {
      projections = await projected(batch);
      // Hooks write parts of the rows elsewhere, where a NUL would fail the commit: they are given them storable.
      for (const p of projections) if (hooked(p).length) p.upserts = p.upserts.map(storableRow);
      const upserts = projections.flatMap((p) => p.upserts);
      // The common case, creations and edits: log and projection in one
      // statement, which is atomic on its own and costs one round trip.
      // (An id in two documents of one batch goes the long way: one upsert per document, in order.)
      const oneStatement =
        projections.every((p) => p.removed.length === 0 && hooked(p).length === 0) &&
        new Set(upserts.map((row) => row.id)).size === upserts.length;
      const ctes = [...logged(batch), ...(oneStatement && upserts.length ? [projectionCtes(await projectionJsonInTurns(upserts))] : [])];
      if (oneStatement && ctes.length === 0) return;
      statement = !oneStatement ? null : sql`with ${sql.join(ctes, sql`, `)} select 1`;
      // The long way serializes its rows before the transaction, so that it neither holds one open across turns
      // nor finds a value that cannot be serialized halfway through.
      if (!statement) for (const p of projections) p.json = await projectionJsonInTurns(p.upserts);
    } catch (err) {
      throw new ProjectionError(err);
    }
    if (statement) {
      await this.db.execute(statement);
      return;
    }
    await transaction(this.db, async (tx: Tx) => {
      for (const log of logged(batch)) await tx.execute(sql`with ${log} select 1`);
      for (const p of projections) for (const hook of hooked(p)) await hook.beforeProjection?.(tx, p);
      // Every document's removals before any document's upserts: a move between two documents of the batch
      // (a hide, an unhide) must see its row leave one before it joins the other, whichever document came
      // first in the batch. The other way round, the upsert was refused (the row still named the document
      // it left) and the removal then deleted it, leaving an annotation both live and tombstoned.
      for (const p of projections) await removeFromProjection(tx, p.context, p.removed);
      for (const p of projections) await upsertProjection(tx, { rows: p.upserts, json: p.json });
      for (const p of projections) for (const hook of hooked(p)) await hook.afterProjection?.(tx, p);
    });
    this.afterCommit(projections.filter((p) => !p.rewritten));
  }

  private afterCommit(docs: readonly CommittedDoc[]) {
    for (const hook of this.hooks) {
      if (!hook.afterCommit) continue;
      const wanted = docs.filter((doc) => hook.wants(doc));
      if (!wanted.length) continue;
      try {
        hook.afterCommit(wanted);
      } catch (err) {
        this.logger.error({ err, hook: hook.name }, "a commit hook failed after the commit");
      }
    }
  }
}

/**
 * The batch's log rows as a common table expression, if it has any (rows written again have none), and the
 * claims of the server's client ids its writes were made under: in the same commit, so that whoever loads a
 * server's write from the log loads its claim too (docs/sync.md, "5. What you may write").
 */
function logged(batch: BatchUpdate[]): SQL[] {
  const updates = batch.filter((e): e is BatchUpdate & { update: Uint8Array } => e.update !== null);
  const claims = new Map(updates.filter((e) => e.serverId != null).map((e) => [`${e.source.context.docName} ${e.serverId}`, [e.source.context.docName, e.serverId, SERVER_WRITER]]));
  return [
    ...(updates.length ? [logCte(updates)] : []),
    ...(claims.size
      ? [
          sql`server_claimed as (
    insert into doc_client_ids (doc_name, client_id, member_id)
    select r->>0, (r->>1)::bigint, (r->>2)::uuid from jsonb_array_elements(${JSON.stringify([...claims.values()])}::jsonb) as input(r)
    on conflict do nothing
  )`,
        ]
      : []),
  ];
}

/**
 * The batch's log rows, in order (ids follow it), as one JSON parameter:
 * building a multi-row insert with the query builder costs more CPU than the
 * database spends on it.
 */
function logCte(batch: Array<BatchUpdate & { update: Uint8Array }>): SQL {
  const rows = JSON.stringify(
    batch.map((e) => [e.source.context.docName, Buffer.from(e.update.buffer, e.update.byteOffset, e.update.byteLength).toString("base64"), e.userId]),
  );
  const writers = membersWriting(batch);
  // Written under member ids that are still the writers', by writers who still hold the roles their updates need
  // (drizzle/0026, drizzle/0035): checked once, as a one-time filter.
  const current = writers.length ? sql`where (select marginalia_writers_current(${JSON.stringify(writers)}::jsonb))` : sql``;
  return sql`log_inserted as (
    insert into doc_updates (doc_name, "update", user_id)
    select r->>0, decode(r->>1, 'base64'), (r->>2)::uuid
    from jsonb_array_elements(${rows}::jsonb) with ordinality as input(r, n)
    ${current}
    order by n
  )`;
}

/**
 * Each [group, account, member id, least role needed] the batch's members wrote under, once. Turning anonymity
 * on draws every member of the group a new id, allowed only while the group has no annotations; a write on its
 * way to the database then (taken into a live document, not yet committed) was made under the old id, the
 * account's, and is refused by the commit rather than kept (docs/architecture.md, "Member ids"). A socket's
 * write also names the role it needs, which its writer may have lost meanwhile on another process
 * (docs/architecture.md, "Roles at the commit"); a REST write names none, having decided its role itself.
 */
function membersWriting(batch: Array<BatchUpdate & { update: Uint8Array }>): Array<[string, string, string, Role | null]> {
  const seen = new Map<string, [string, string, string, Role | null]>();
  for (const { source, userId, memberId, needs } of batch) {
    if (!userId || !memberId) continue;
    const writer: [string, string, string, Role | null] = [source.context.groupId, userId, memberId, needs ?? null];
    seen.set(writer.join(" "), writer);
  }
  return [...seen.values()];
}

const NO_VOTES = { agree: 0, disagree: 0 };

type Projected = CommittedDoc & { upserts: ProjectionRow[]; removed: string[]; rewritten: boolean; json: string };

/**
 * The rows of what each document of the batch touched, read from the document as it is now. PROJECTED_PER_TURN
 * a turn: one update that touches thousands of annotations (a resync after offline work, a server-side move) is
 * read over several turns, and what changes meanwhile is read as it is then, as a later batch would write it.
 */
async function projected(batch: BatchUpdate[]): Promise<Projected[]> {
  const projections: Projected[] = [];
  for (const [source, ids] of touchedBySource(batch)) {
    const upserts: ProjectionRow[] = [];
    const removed: string[] = [];
    const counts = source.votesFor(ids);
    await eachInTurns(ids, PROJECTED_PER_TURN, (id) => {
      const value = source.stored(id);
      if (value) upserts.push(projectAnnotation(value, counts.get(id) ?? NO_VOTES, source.context));
      else removed.push(id);
    });
    // Rows written again change nothing anyone did: the hooks (notifications, webhooks) saw the changes themselves.
    const rewritten = batch.every((e) => e.source !== source || e.update === null);
    projections.push({ context: source.context, upserts, removed, writers: writersOf(batch, source), rewritten, json: "[]" });
  }
  return projections;
}

/** Who last changed each annotation of `source` in this batch. */
function writersOf(batch: BatchUpdate[], source: PersistSource): Map<string, string | null> {
  const writers = new Map<string, string | null>();
  // Rows written again (no bytes) name no writer: the change's own entry does.
  for (const entry of batch) if (entry.source === source && entry.update) for (const id of entry.touched) writers.set(id, entry.userId);
  return writers;
}

function touchedBySource(batch: BatchUpdate[]): Map<PersistSource, Set<string>> {
  const bySource = new Map<PersistSource, Set<string>>();
  for (const entry of batch) {
    const ids = bySource.get(entry.source) ?? new Set<string>();
    for (const id of entry.touched) ids.add(id);
    bySource.set(entry.source, ids);
  }
  return bySource;
}

/**
 * Runs a write, warning every COMMIT_WAIT_WARNING_MS while it lasts: a commit waits as long as a lock held
 * elsewhere does (a row locked by hand, a transaction that hangs), or, on the embedded database's one
 * connection, as long as the statements queued ahead of it (a large import), and every document's commits wait
 * behind it; that wait is said rather than silent (docs/architecture.md, "Lock waits").
 */
export const COMMIT_WAIT_MESSAGE = "group commit still waiting for the database (a lock held elsewhere, or statements ahead of it)";

export async function watched(logger: Logger, updates: number, write: () => Promise<void>) {
  const started = performance.now();
  const slow = setInterval(
    () => logger.warn({ updates, waitedMs: Math.round(performance.now() - started) }, COMMIT_WAIT_MESSAGE),
    COMMIT_WAIT_WARNING_MS,
  ).unref();
  try {
    await write();
  } finally {
    clearInterval(slow);
  }
}
