/**
 * A document's lane for large updates (large-update.ts): work queued in it
 * runs one piece of work after another, and the lane is busy from the
 * moment something is queued until the last of it ends. A large update is
 * judged and applied over several turns, and its judgement holds only while
 * the document stays as it was judged against, so everything else that
 * would change the document waits while the lane is busy
 * (`LiveDocument.whenFree`).
 */
export class UpdateLane {
  private tail: Promise<void> | null = null;

  /** Runs `work` after everything queued before it; its result, or its failure. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = (this.tail ?? Promise.resolve()).then(work);
    const done = result.then(
      () => {},
      () => {},
    );
    this.tail = done;
    void done.then(() => {
      if (this.tail === done) this.tail = null;
    });
    return result;
  }

  /** Whether work is queued or under way. */
  get busy(): boolean {
    return this.tail !== null;
  }

  /** Resolves once what is queued now has ended (more may have been queued meanwhile: see `busy`). */
  drained(): Promise<void> {
    return this.tail ?? Promise.resolve();
  }
}
