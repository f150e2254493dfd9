import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { articleId } from "../authorize/authorize-testing.ts";
import { compactionWorker } from "../persist/yjs-worker.ts";
import { LiveDocument } from "./document.ts";
import { largeState } from "./large-state-testing.ts";

/** A large cold document, and how often it was heard built. */
function loaded(state: Uint8Array) {
  const built = { count: 0 };
  const live = new LiveDocument(
    { docName: "article:cold", articleId, groupId: "g", visibility: "group", revision: 1 },
    { persist: () => Promise.resolve(), built: () => void built.count++ },
    { bytes: state, servable: true },
  );
  return { live, built };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a large cold document's build (cold-build.ts)", () => {
  it("gives up on a slice Yjs refuses, stays cold, and applies the whole state on first use, heard built once", async () => {
    const { doc, state } = largeState();
    vi.spyOn(compactionWorker, "slices").mockResolvedValueOnce([new Uint8Array([255, 255, 255, 255])]);
    const { live, built } = loaded(state);

    await live.whenBuilt();
    expect(live.isBuilding).toBe(false);
    expect(live.isCold).toBe(true);
    expect(built.count).toBe(0);
    expect(annotationsOf(live.doc).size).toBe(200);
    expect(Y.encodeStateVector(live.doc)).toEqual(Y.encodeStateVector(doc));
    expect(live.isCold).toBe(false);
    expect(built.count).toBe(1);
    live.destroy();
  });

  it("is finished at once by a first use while the state is cut, and the cut that comes back after is left alone", async () => {
    const { state } = largeState();
    const { live, built } = loaded(state);

    const ended = live.whenBuilt();
    expect(live.isBuilding).toBe(true);
    expect(annotationsOf(live.doc).size).toBe(200);
    expect(live.isCold).toBe(false);
    await ended;
    expect(annotationsOf(live.doc).size).toBe(200);
    expect(live.isBuilding).toBe(false);
    expect(built.count).toBe(1);
    live.destroy();
  });

  it("reads its state vector and writers without building it, and builds in slices to the same document", async () => {
    const { doc, state } = largeState();
    const { live, built } = loaded(state);

    expect(await live.stateVector()).toEqual(Y.encodeStateVector(doc));
    expect(await live.writers()).toEqual([doc.clientID]);
    expect(live.isCold).toBe(true);
    expect(built.count).toBe(0);

    await live.whenBuilt();
    expect(live.isCold).toBe(false);
    expect(built.count).toBe(1);
    expect(Y.encodeStateVector(live.doc)).toEqual(Y.encodeStateVector(doc));
    expect(annotationsOf(live.doc).size).toBe(200);
    expect(built.count).toBe(1);
    live.destroy();
  });
});
