/**
 * The HTTP requests being answered, so that a shutdown lets those it took finish before the database closes
 * under them (docs/architecture.md, "Shutdown"): closed first, the database failed them midway, and a write
 * that had been stored was answered 500. A request counts until its handler has returned its response; a
 * streamed body (an export, a notification stream) is not waited for.
 */
export class RequestsInFlight {
  private count = 0;
  private waiting: (() => void)[] = [];

  /** `handle`, counted while it runs. */
  track<A extends unknown[]>(handle: (...args: A) => Response | Promise<Response>): (...args: A) => Promise<Response> {
    return async (...args) => {
      this.count++;
      try {
        return await handle(...args);
      } finally {
        if (--this.count === 0) for (const done of this.waiting.splice(0)) done();
      }
    };
  }

  get size(): number {
    return this.count;
  }

  /** Resolves once no request is being answered. */
  settled(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
}
