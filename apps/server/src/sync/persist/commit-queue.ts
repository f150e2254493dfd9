/**
 * Annotations a batch projects, at most (past its first update): the
 * projection rows are read from the document and serialized on the event
 * loop, about 25 µs an annotation. A large update applied in pieces
 * (large-update.ts) queues them faster than a commit lands, and 1,400
 * annotations in one batch held the loop 28–38 ms. A bond (below) may pass
 * it: its rows are read a slice per turn (batch-write.ts, `projected`).
 */
export const MAX_BATCH_ANNOTATIONS = 300;

/** The group committer's pace (persist.ts). */
export type GroupCommitOptions = {
  /** How long the first update of a batch waits for company. */
  windowMs: number;
  maxBatch: number;
  /** The first wait before a commit that found no database is tried again; it doubles up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
};

export const COMMIT_DEFAULTS: GroupCommitOptions = { windowMs: 4, maxBatch: 500, retryMinMs: 50, retryMaxMs: 5_000 };

/**
 * What the queue needs of a queued update: its document, the article it belongs to, its enqueue order, the
 * turn of the event loop that queued it, the annotations it touches, and its bond: updates of one bond
 * (queued back to back, by `GroupCommitter.together`) are written in one commit or not at all.
 */
export type Queued<S> = { source: S; article: string; seq: number; turn: number; bond: number; touched: ReadonlySet<string> };

/** An article's queued updates, oldest first, and the batch that last took one of them (0: none since it started waiting). */
type Lane<E> = { entries: E[]; servedIn: number };

/**
 * The group commit's queue (docs/architecture.md, "Persistence and the
 * commit"): a lane of updates per article, in the order they were queued,
 * and batches taken across the lanes in turn. One queue in order for the
 * whole process let one account's backlog (large updates over four sockets,
 * four articles) hold every other article's writes for as long as that
 * backlog took to write: another group's REST create waited 8–19.6 s.
 *
 * A batch starts with the lanes that have waited longest for a turn (one
 * that got nothing since it started waiting first, then by the batch that
 * last took from it), and takes from each in that order, round after round,
 * until it is full. So an article that has just queued an update is in the
 * next batch, whatever another article's backlog.
 *
 * A bond is never cut: a batch that would end inside one takes the rest of
 * it, past the bounds. A hide moves a thread of 171 annotations as two
 * updates of 172 each, and the batch took the removal alone; a crash
 * before the next commit left the thread in neither document.
 *
 * Lanes are by article, not by document: an article's documents depend on
 * each other's order (a hidden annotation leaves the group's document and
 * joins the hidden one; the row must leave first). A lane gives a round
 * what one turn queued together (`turn`), so that the two halves of such a
 * move still share one commit, as before.
 */
export class CommitQueue<S, E extends Queued<S>> {
  private readonly lanes = new Map<string, Lane<E>>();
  private count = 0;
  private batches = 0;

  get size(): number {
    return this.count;
  }

  push(entry: E) {
    const lane = this.lanes.get(entry.article);
    if (lane) lane.entries.push(entry);
    else this.lanes.set(entry.article, { entries: [entry], servedIn: 0 });
    this.count++;
  }

  /**
   * Puts back updates taken and not written (a retry), ahead of what was queued since, in enqueue order.
   * Their lanes count as not served, so that the retry writes them first.
   */
  requeue(entries: readonly E[]) {
    const byArticle = new Map<string, E[]>();
    for (const e of [...entries].sort((a, b) => a.seq - b.seq)) byArticle.set(e.article, [...(byArticle.get(e.article) ?? []), e]);
    for (const [article, taken] of byArticle) {
      const lane = this.lanes.get(article);
      if (lane) {
        lane.entries.unshift(...taken);
        lane.servedIn = 0;
      } else this.lanes.set(article, { entries: taken, servedIn: 0 });
      this.count += taken.length;
    }
  }

  /** Every queued update `match` names, taken out, in enqueue order. */
  drop(match: (entry: E) => boolean): E[] {
    const dropped: E[] = [];
    for (const [article, lane] of this.lanes) {
      const kept = lane.entries.filter((e) => !match(e));
      if (kept.length === lane.entries.length) continue;
      dropped.push(...lane.entries.filter(match));
      if (kept.length) lane.entries = kept;
      else this.lanes.delete(article);
    }
    this.count -= dropped.length;
    return dropped.sort((a, b) => a.seq - b.seq);
  }

  /** Every queued update, taken out, in enqueue order. */
  takeAll(): E[] {
    return this.drop(() => true);
  }

  /** Each queued update, lane by lane. */
  *entries(): IterableIterator<E> {
    for (const lane of this.lanes.values()) yield* lane.entries;
  }

  /**
   * The next batch: up to `maxBatch` updates, and past the first, up to `maxAnnotations` annotations. Each
   * round takes from every lane, in the order above, what the turn of its oldest update queued, whole; what
   * does not fit ends the batch, unless the batch is empty (then as much of it as fits, as the queue in one
   * order did, and the rest of a bond it would cut). An article's updates keep their order.
   */
  takeBatch(maxBatch: number, maxAnnotations: number): E[] {
    const batch: E[] = [];
    const turn = ++this.batches;
    const order = [...this.lanes.entries()].sort(([, a], [, b]) => a.servedIn - b.servedIn || a.entries[0]!.seq - b.entries[0]!.seq);
    let annotations = 0;
    while (order.length) {
      for (let i = 0; i < order.length; ) {
        const [article, lane] = order[i]!;
        const runTurn = lane.entries[0]!.turn;
        let n = 0;
        let more = annotations;
        for (const e of lane.entries) {
          if (e.turn !== runTurn || batch.length + n === maxBatch || (batch.length + n > 0 && more + e.touched.size > maxAnnotations)) break;
          more += e.touched.size;
          n++;
        }
        // Alone in the batch, a run is cut where the bounds say, but not inside a bond (above).
        if (batch.length === 0) {
          for (const bond = lane.entries[n - 1]!.bond; n < lane.entries.length && lane.entries[n]!.bond === bond; n++) more += lane.entries[n]!.touched.size;
        }
        const whole = n === lane.entries.length || lane.entries[n]!.turn !== runTurn;
        if (!whole && batch.length > 0) {
          // Counted as waiting since it started, so that it leads the next batch, which it then fills as far as
          // its run goes: left as served, lanes that emptied and refilled meanwhile would sort ahead of it for as
          // long as their traffic lasted, and it would never be first.
          lane.servedIn = 0;
          return this.taken(batch);
        }
        batch.push(...lane.entries.splice(0, n));
        annotations = more;
        lane.servedIn = turn;
        if (!whole) return this.taken(batch);
        if (lane.entries.length) i++;
        else {
          this.lanes.delete(article);
          order.splice(i, 1);
        }
      }
    }
    return this.taken(batch);
  }

  private taken(batch: E[]): E[] {
    this.count -= batch.length;
    return batch;
  }
}

/** `entries` grouped by bond (each a batch's whole bond, in the order of its first update). */
export function bondsOf<E extends Queued<unknown>>(entries: readonly E[]): E[][] {
  const bonds = new Map<number, E[]>();
  for (const e of entries) bonds.set(e.bond, [...(bonds.get(e.bond) ?? []), e]);
  return [...bonds.values()];
}

/**
 * A failed part cut in two where a bond ends, as near its middle as that allows, so that the update at
 * fault is found without a bond's updates ever being written apart; null when the part is one bond.
 */
export function halvesAtBonds<E extends Queued<unknown>>(part: readonly E[]): [E[], E[]] | null {
  const bonds = bondsOf(part);
  if (bonds.length < 2) return null;
  let count = 0;
  let cut = 0;
  // The first cut at or past the middle, but never after the last bond's start.
  while (cut < bonds.length - 1 && (cut === 0 || count < part.length / 2)) count += bonds[cut++]!.length;
  return [bonds.slice(0, cut).flat(), bonds.slice(cut).flat()];
}
