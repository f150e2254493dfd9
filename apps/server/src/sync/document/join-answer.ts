/** How long a new client's answer is kept after it was written, if the document does not change first. */
export const JOIN_ANSWER_KEPT_MS = 5_000;

type Flight = { changes: number; askers: Array<() => boolean>; abandoned: boolean; answer: Promise<Uint8Array[]> };

/**
 * A new client's sync step 2 (the whole state, for an empty state vector) on a built document, written once
 * for every client that asks before the document changes. Joins come in bursts: a seminar opening an
 * article, a page reloaded by everyone after a deploy. Each join wrote the whole state again; for 10,000
 * annotations that was about 100 ms of the loop's time per join, in slices, so 24 joins at once kept every
 * other socket of the process waiting for two seconds.
 *
 * A client joining an answer still being written gets it only if the document has not changed since the
 * writing began: a change made after it became a peer reaches it as a broadcast, one made before would
 * reach it neither way. A written answer is kept for JOIN_ANSWER_KEPT_MS, or until the document changes,
 * so that a document nobody joins holds no second copy of itself.
 */
export class JoinAnswers {
  private kept: { changes: number; answer: Uint8Array[] } | null = null;
  private flight: Flight | null = null;
  private expiry: NodeJS.Timeout | null = null;

  /**
   * The answer at the document's change count `changes()`, from `write` unless kept or under way.
   * `write` is told whether anyone still waits: it stops, with no answer, once every asker has gone.
   */
  answer(
    changes: () => number,
    wanted: () => boolean,
    write: (stillWanted: () => boolean) => Uint8Array[] | Promise<Uint8Array[]>,
  ): Uint8Array[] | Promise<Uint8Array[]> {
    const now = changes();
    if (this.kept?.changes === now) return this.kept.answer;
    const flight = this.flight;
    if (flight && flight.changes === now && !flight.abandoned) {
      flight.askers.push(wanted);
      return flight.answer;
    }
    const next: Flight = { changes: now, askers: [wanted], abandoned: false, answer: Promise.resolve([]) };
    const written = write(() => {
      next.abandoned = !next.askers.some((asker) => asker());
      return !next.abandoned;
    });
    if (Array.isArray(written)) {
      this.keep(now, written);
      return written;
    }
    next.answer = written.then((answer) => {
      if (this.flight === next) this.flight = null;
      if (!next.abandoned && changes() === now) this.keep(now, answer);
      return answer;
    });
    this.flight = next;
    return next.answer;
  }

  /** Nothing kept: the document is going. */
  drop() {
    this.kept = null;
    this.flight = null;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
  }

  private keep(changes: number, answer: Uint8Array[]) {
    this.kept = { changes, answer };
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => {
      this.kept = null;
      this.expiry = null;
    }, JOIN_ANSWER_KEPT_MS);
    this.expiry.unref();
  }
}
