import { syncStep2Message, updateMessage } from "./messages.ts";
import { mergeMany } from "./yjs-jobs.mjs";
import { type YjsWorker, compactionWorker, yjsWorker } from "./yjs-worker.ts";

/** Updates since the base merged on the event loop for a new client, at most; more are merged into the base on the worker first. */
const MERGED_HERE = { updates: 64, bytes: 64 * 1024 };

/**
 * What a new client of a large, built document is sent instead of the
 * document encoded for it, which held the event loop 200–290 ms per client
 * for 10 MB: the bytes it was loaded from, or last merged from on the loads'
 * worker, as the step 2, and the updates applied since, merged and sent
 * first, as a cold document's tail is (docs/architecture.md, "Persistence
 * and the commit"). The updates are merged into the base on the worker when
 * a client asks and they are many, and in the background once they reach a
 * quarter of its size, so that they stay few.
 */
export class ServedState {
  private since: Uint8Array[] = [];
  private sinceBytes = 0;
  private rebasing: Promise<void> | null = null;

  constructor(
    private base: Uint8Array,
    /** The base framed as a step 2, when it already is (a cold document's). */
    private step2: Uint8Array | null,
    tail: Uint8Array | null,
  ) {
    if (tail) this.add(tail);
  }

  /** An update the document applied. */
  add(update: Uint8Array) {
    this.since.push(update);
    this.sinceBytes += update.byteLength;
    // Merged into the base in the background before they grow as large as it: their bytes are held here.
    // On the background thread: nobody waits for it.
    if (this.sinceBytes * 4 > this.base.byteLength) void this.rebase(compactionWorker).catch(() => {});
  }

  /** A new client's answer: the updates since the base, if any, then the base as its step 2. */
  messages(): Uint8Array[] | Promise<Uint8Array[]> {
    if (this.since.length <= MERGED_HERE.updates && this.sinceBytes <= MERGED_HERE.bytes) return this.now();
    return this.rebase(yjsWorker).then(() => this.now());
  }

  private now(): Uint8Array[] {
    this.step2 ??= syncStep2Message(this.base);
    return this.since.length ? [updateMessage(mergeMany(this.since)), this.step2] : [this.step2];
  }

  /** Merges the updates so far into the base on `worker`; those that arrive meanwhile stay for the next time. */
  private rebase(worker: YjsWorker): Promise<void> {
    this.rebasing ??= (async () => {
      const taken = this.since.length;
      const merged = await worker.merge([this.base, ...this.since.slice(0, taken)]);
      this.base = merged;
      this.step2 = null;
      const left = this.since.slice(taken);
      this.since = left;
      this.sinceBytes = left.reduce((n, u) => n + u.byteLength, 0);
    })().finally(() => {
      this.rebasing = null;
    });
    return this.rebasing;
  }
}
