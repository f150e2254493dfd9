import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type { Anchor, TextTarget } from "@marginalia/schema";
import { type SliceJob, type SliceResult, forget, resolveSlice } from "./jobs.ts";

/** Set by the compiled build (apps/server/scripts/build.ts), which bundles the worker beside main.js. */
declare const MARGINALIA_COMPILED: boolean | undefined;

/** Targets per message to the worker: small enough that neither side's copy of it is felt. */
const SLICE = 250;
/** Targets per turn of the event loop when no worker can run: each is bounded, so a turn stays short. */
const SLICE_HERE = 25;

/**
 * Re-anchoring on a worker thread (docs/architecture.md, "Anchoring"): a
 * revision's targets go in slices, so that a large article's thousands of
 * annotations never hold the event loop, and `/healthz` answers throughout.
 * Under tsx (development, tests) the worker runs its TypeScript through tsx
 * too (worker-tsx.mjs); the compiled server starts the bundled copy. One worker, started on
 * first use and unref'd while idle; if it cannot start or dies, the slices
 * run here, one short turn at a time.
 */
class AnchorWorker {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (anchors: Anchor[]) => void; reject: (err: Error) => void }>();

  /** Where slices run: on the worker thread, or here once it could not start or died. */
  get where(): "thread" | "event loop" {
    return this.broken ? "event loop" : "thread";
  }

  /** The anchors of `targets` on `text` (a revision named `key`), in order. */
  async resolve(key: string, text: string, oldLength: number, targets: TextTarget[]): Promise<Anchor[]> {
    const anchors: Anchor[] = [];
    try {
      // The text goes with every slice (a copy costs far less than a slice's work): a worker that
      // dropped it, for another revision re-anchored meanwhile, indexes it again rather than failing.
      for (let at = 0; at < targets.length; at += SLICE) {
        anchors.push(...(await this.slice({ id: 0, key, text, oldLength, targets: targets.slice(at, at + SLICE) })));
      }
    } finally {
      this.worker?.postMessage({ forget: key });
      forget(key);
    }
    return anchors;
  }

  private async slice(job: SliceJob): Promise<Anchor[]> {
    const worker = this.broken ? null : (this.worker ?? this.start());
    if (worker) {
      try {
        return await this.post(worker, job);
      } catch {
        // The worker died under this slice: it runs here, as do the rest.
      }
    }
    const anchors: Anchor[] = [];
    for (let at = 0; at < job.targets.length; at += SLICE_HERE) {
      anchors.push(...resolveSlice({ ...job, targets: job.targets.slice(at, at + SLICE_HERE) }));
      await yieldToLoop();
    }
    return anchors;
  }

  private post(worker: Worker, job: SliceJob): Promise<Anchor[]> {
    const id = this.nextId++;
    const done = new Promise<Anchor[]>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage({ ...job, id });
    return done;
  }

  private start(): Worker | null {
    try {
      const compiled = typeof MARGINALIA_COMPILED !== "undefined" && MARGINALIA_COMPILED;
      const worker = compiled
        ? new Worker(new URL("../../dist/anchoring-worker.js", import.meta.url))
        : new Worker(new URL("./worker-tsx.mjs", import.meta.url));
      worker.unref();
      worker.on("message", (m: SliceResult) => {
        const waiter = this.waiting.get(m.id);
        if (!waiter) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (m.anchors) waiter.resolve(m.anchors);
        else waiter.reject(new Error(m.error ?? "re-anchoring failed"));
      });
      const fail = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.broken = true;
        const waiters = [...this.waiting.values()];
        this.waiting.clear();
        for (const waiter of waiters) waiter.reject(new Error("the re-anchoring worker stopped"));
      };
      worker.on("error", fail);
      worker.on("exit", fail);
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return null;
    }
  }
}

export const anchorWorker = new AnchorWorker();
