/**
 * Work that must not overlap per key, run one after another in the order it
 * came: the next starts once the one before it settled, whether it resolved
 * or failed. The map holds only keys with work under way.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }

  /** Resolves once all the work queued so far for `key` (and any queued while waiting) has settled. */
  async settled(key: string): Promise<void> {
    for (let tail = this.tails.get(key); tail; tail = this.tails.get(key)) {
      await tail;
      if (this.tails.get(key) === tail) return;
    }
  }
}
