import { Worker } from "node:worker_threads";
import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { afterEach, describe, expect, it } from "vitest";

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
