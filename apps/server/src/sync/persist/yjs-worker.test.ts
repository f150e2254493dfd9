import { Worker } from "node:worker_threads";
import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { afterEach, describe, expect, it } from "vitest";
import { NoWorkerThread, YjsWorker } from "./yjs-worker.ts";

/** A document of `annotations` comments with 200-character bodies, as one state. */
function stateOf(annotations: number): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (let i = 0; i < annotations; i++) createAnnotation(doc, { kind: "comment", authorId: "u", body: "lorem ipsum dolor sit amet ".repeat(8) });
  });
  return Y.encodeStateAsUpdate(doc);
}

/**
 * The Yjs thread's answers (yjs-worker.mjs): a fold that left the thread's
 * heap large asks to be retired (threads/worker-link.ts ends it once idle,
 * so that its pages go back to the system); a small one does not.
 */
describe("yjs worker thread", () => {
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.terminate();
    worker = undefined;
  });

  const fold = (state: Uint8Array) => {
    worker ??= new Worker(new URL("./yjs-worker.mjs", import.meta.url));
    return new Promise<{ id: number; result?: { state: Uint8Array }; retire?: boolean }>((resolve) => {
      worker!.once("message", resolve);
      worker!.postMessage({ id: 1, kind: "fold", parts: [state] });
    });
  };

  it("answers a small fold and stays", async () => {
    const answer = await fold(stateOf(100));
    expect(answer.result?.state.byteLength).toBeGreaterThan(0);
    expect(answer.retire).toBeUndefined();
  });

  it("asks to retire after folding a document of 15,000 annotations", async () => {
    const state = stateOf(15_000);
    const answer = await fold(state);
    // The fold is a real one: the document came back whole.
    const doc = new Y.Doc();
    Y.applyUpdate(doc, answer.result!.state);
    expect(annotationsOf(doc).size).toBe(15_000);
    expect(answer.retire).toBe(true);
  }, 60_000);
});

/** A thread that dies at its first job, as one that ran out of memory would. */
const dying = () => new Worker(`require("node:worker_threads").parentPort.on("message", () => process.exit(1));`, { eval: true });

describe("jobs whose thread died", () => {
  const address = { url: "postgres://127.0.0.1:1/none" };

  it("a load's merge runs here instead, and gives the merge", async () => {
    const a = stateOf(3);
    const b = stateOf(2);
    const merged = await new YjsWorker({ open: dying }).merge([a, b]);
    expect(merged).toEqual(Y.mergeUpdates([a, b]));
  });

  it("background work is not run here: each job fails, whether its thread died under it or no more are started", async () => {
    const worker = new YjsWorker({ background: true, open: dying });
    await expect(worker.fold(null, [stateOf(3)])).rejects.toBeInstanceOf(NoWorkerThread);
    await expect(worker.merge([stateOf(1), stateOf(1)])).rejects.toBeInstanceOf(NoWorkerThread);
    await expect(worker.compact(address, "article:x", { batch: 10, foldRatio: 4 })).rejects.toBeInstanceOf(NoWorkerThread);
    // Three deaths in a row: no thread is started any more, and the job still does not run here.
    await expect(worker.fold(null, [stateOf(1)])).rejects.toThrow(/no worker thread could start/);
  });

  it("a compaction is never run here, even for the loads' thread", async () => {
    await expect(new YjsWorker({ open: dying }).compact(address, "article:x", { batch: 10, foldRatio: 4 })).rejects.toBeInstanceOf(NoWorkerThread);
  });
});
