/**
 * A count of work under way, and waiters for the moment none is: requests being answered, a large update
 * holding its document's other writers out. Each such count had kept its own list of waiters.
 */
export class CountToZero {
  private count = 0;
  private waiting: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  add() {
    this.count++;
  }

  /** One piece of work ended; at none left, every waiter goes on. */
  done() {
    if (this.count === 0) return;
    if (--this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** `work`, counted while it runs. */
  async during<T>(work: () => T | Promise<T>): Promise<T> {
    this.add();
    try {
      return await work();
    } finally {
      this.done();
    }
  }

  /** Resolves once nothing is counted. */
  zero(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
}
