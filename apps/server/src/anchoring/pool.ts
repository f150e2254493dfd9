import { setImmediate as nextTurn } from "node:timers/promises";
import type { Anchor, TextTarget } from "@marginalia/schema";
import { typescriptWorker } from "../threads/typescript-worker.ts";
import { WorkerLink } from "../threads/worker-link.ts";
import { type SliceJob, TEXT_NOT_KEPT, forget, resolveSlice } from "./jobs.ts";

/** Targets per message to the worker: small enough that neither side's copy of it is felt. */
const SLICE = 250;
/** Targets per turn of the event loop when no worker can run: each is bounded, so a turn stays short. */
const SLICE_HERE = 25;

/**
 * Re-anchoring on a worker thread (docs/architecture.md, "Anchoring"): a
 * revision's targets go in slices, so that a large article's thousands of
 * annotations never hold the event loop, and `/healthz` answers throughout.
 * Under tsx (development, tests) the worker runs its TypeScript through tsx
 * too (threads/tsx-worker.mjs); the compiled server starts the bundled copy. One worker, started on
 * first use and unref'd while idle. A slice whose worker died, and every
 * slice once workers keep dying (threads/worker-link.ts), runs here, one
 * short turn at a time; a new worker takes the slices after that.
 */
class AnchorWorker {
  private readonly link = new WorkerLink<Anchor[]>(() => typescriptWorker(new URL("./worker.ts", import.meta.url), "anchoring-worker"));
  /** Revisions whose texts went to the thread with an earlier slice. */
  private readonly sent = new Set<string>();

  /** Where slices run: on the worker thread, or here once it could not start or died. */
  get where(): "thread" | "event loop" {
    return this.link.broken ? "event loop" : "thread";
  }

  /**
   * The anchors of `targets` on `text` (a revision named `key`), in order; `before` as in SliceJob. The text's
   * index and edit map stay with the worker for the next call on the same revision (every document of an
   * article is resolved against them), until `done`.
   */
  async resolve(key: string, text: string, oldLength: number, targets: TextTarget[], before?: SliceJob["before"]): Promise<Anchor[]> {
    const anchors: Anchor[] = [];
    for (let at = 0; at < targets.length; at += SLICE) {
      anchors.push(...(await this.slice({ key, text, oldLength, targets: targets.slice(at, at + SLICE), before })));
    }
    return anchors;
  }

  /** The revision named `key` is done: its index and edit map can go. */
  done(key: string): void {
    this.sent.delete(key);
    this.link.tell({ forget: key });
    forget(key);
  }

  private async slice(job: SliceJob & { text: string }): Promise<Anchor[]> {
    try {
      return await this.onThread(job);
    } catch {
      // The worker died under this slice, or none can run: it runs here, as do the rest.
    }
    const anchors: Anchor[] = [];
    for (let at = 0; at < job.targets.length; at += SLICE_HERE) {
      // Without an edit map: its diff may take a second, which here would hold every socket.
      anchors.push(...resolveSlice({ ...job, before: undefined, targets: job.targets.slice(at, at + SLICE_HERE) }));
      await nextTurn();
    }
    return anchors;
  }

  /**
   * A slice on the worker. The texts go with a revision's first slice only: copying 2 MB of text and the
   * 2 MB it replaced into every message took 10–20 ms of the event loop each, a large article's thousands
   * of targets a dozen times over. A worker that let them go (for other revisions re-anchored meanwhile,
   * or a new one after a death) says so, and gets them again.
   */
  private async onThread(job: SliceJob & { text: string }): Promise<Anchor[]> {
    const { text, before, ...slice } = job;
    if (this.sent.has(job.key)) {
      const answer = this.link.send(slice);
      if (!answer) throw new Error("no worker");
      try {
        return await answer;
      } catch (err) {
        if ((err as Error).message !== TEXT_NOT_KEPT) throw err;
      }
    }
    const answer = this.link.send(job);
    if (!answer) throw new Error("no worker");
    this.sent.add(job.key);
    return await answer;
  }
}

export const anchorWorker = new AnchorWorker();
