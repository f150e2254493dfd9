import { CountToZero } from "../../count-to-zero.ts";

/**
 * A document's lane for large updates (large-update.ts): work queued in it
 * runs one piece of work after another, and the lane is busy from the
 * moment something is queued until the last of it ends. Large updates wait
 * for one another here, but the document's other writers do not wait for
 * them: each piece of a large update is judged again against the document
 * as it is when it goes in, once anything else has changed it. Only while a
 * large update must be judged again whole (`holdingOthers`) does everything
 * else that would change the document wait (`LiveDocument.whenFree`).
 */
export class UpdateLane {
  private tail: Promise<void> | null = null;
  private readonly holds = new CountToZero();

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

  /**
   * Runs `work` with the document's other writers held out until it ends: for a judgement in turns that must
   * hold until what it judged is applied (a large update judged again after it was refused, or one that is not
   * cut into pieces, against a document that changed meanwhile).
   */
  holdingOthers<T>(work: () => Promise<T>): Promise<T> {
    return this.holds.during(work);
  }

  /** Whether the document's other writers are held out (`holdingOthers`). */
  get holding(): boolean {
    return this.holds.size > 0;
  }

  /** Resolves once nothing holds the document's other writers out. */
  released(): Promise<void> {
    return this.holds.zero();
  }
}
