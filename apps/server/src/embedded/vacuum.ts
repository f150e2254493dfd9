import type { DatabaseJob, Exclusive } from "./compact.ts";

/**
 * When the embedded database's tables are looked at, and how much one must
 * have grown since it was last vacuumed (or first seen) before it is
 * vacuumed again: `ratio` of that size plus `minBytes`. Autovacuum's own
 * default is a fifth of a table's rows changed; growth stands in for changed
 * rows here because PGlite keeps no statistics to count them by.
 */
export type VacuumPolicy = { checkMs: number; ratio: number; minBytes: number };

export const DEFAULT_VACUUM_POLICY: VacuumPolicy = { checkMs: 60_000, ratio: 0.2, minBytes: 1 << 20 };

export type Vacuumed = { table: string; beforeBytes: number; afterBytes: number; ms: number };

/**
 * The embedded database's stand-in for autovacuum (docs/architecture.md,
 * "Persistence and the commit"). Without it, every update of an annotation's
 * row left its old version in the table and in each of its indexes for good:
 * a session that edits bodies grows the files without bound, and the planner
 * never gets statistics. A table that outgrew its last vacuumed size is
 * vacuumed and analyzed on the database's thread, one table per hold of the
 * server's one connection, so that commits go on between tables.
 */
export class EmbeddedVacuum {
  /** Each table's size after its last vacuum, or when first seen. */
  private readonly baseline = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Vacuumed[]> | null = null;

  constructor(
    private readonly run: DatabaseJob,
    private readonly exclusive: Exclusive,
    private readonly policy: VacuumPolicy,
    private readonly report: { vacuumed(done: Vacuumed): void; failed(err: unknown): void },
  ) {}

  start() {
    this.timer ??= setInterval(() => void this.check().catch((err) => this.report.failed(err)), this.policy.checkMs).unref();
  }

  /** Stops the checks, and waits for one under way. */
  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Only waited for: a failed pass was already reported to whoever started it (start's timer, or check's caller).
    await this.running?.catch(() => {});
  }

  /** One look at every table, vacuuming those that grew enough; one check at a time. */
  check(): Promise<Vacuumed[]> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<Vacuumed[]> {
    const sizes = await this.exclusive(() => this.run<Record<string, number>>("table-sizes", {}));
    const done: Vacuumed[] = [];
    for (const [table, bytes] of Object.entries(sizes)) {
      const base = this.baseline.get(table);
      if (base === undefined || bytes < base) {
        this.baseline.set(table, bytes);
        continue;
      }
      if (bytes < base * (1 + this.policy.ratio) + this.policy.minBytes) continue;
      const started = performance.now();
      const afterBytes = await this.exclusive(() => this.run<number>("vacuum", { table }));
      this.baseline.set(table, afterBytes);
      const vacuumed = { table, beforeBytes: bytes, afterBytes, ms: performance.now() - started };
      this.report.vacuumed(vacuumed);
      done.push(vacuumed);
    }
    return done;
  }
}
