/** Rounds of promises added while a caller waited that it waits for too: a stream of them must not keep it waiting for good. */
const MAX_ROUNDS = 4;

/** Promises not settled yet, for a caller to wait out: each leaves the set once it settles, fulfilled or rejected. */
export class Unsettled {
  private readonly pending = new Set<Promise<void>>();

  add(promise: Promise<void>) {
    const settled: Promise<void> = promise.catch(() => {}).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Null when none waits; else resolves once those added so far have settled. */
  settled(): Promise<void> | null {
    return this.pending.size === 0 ? null : this.drain();
  }

  private async drain() {
    for (let round = 0; round < MAX_ROUNDS && this.pending.size > 0; round++) await Promise.all(this.pending);
  }
}
