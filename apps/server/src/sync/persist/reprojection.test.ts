import { afterEach, describe, expect, it, vi } from "vitest";
import type { LiveDocument } from "../document/document.ts";
import { REPROJECT_WINDOW_MS, Reprojection } from "./reprojection.ts";

afterEach(() => vi.useRealTimers());

/** A reprojection whose rewrites are recorded, over a clock the test moves. */
function reprojection() {
  vi.useFakeTimers({ now: 1_000_000, toFake: ["Date"] });
  const rewritten: string[][] = [];
  const r = new Reprojection({ reproject: async (_source, ids) => void rewritten.push([...ids]) });
  return { r, rewritten, source: {} as LiveDocument };
}

describe("rows written again after concurrent edits", () => {
  it("counts the window from the commit: an edit held by an outage longer than the window is still recent once stored", async () => {
    const { r, rewritten, source } = reprojection();
    let stored!: () => void;
    r.local(source, new Set(["x"]), new Promise<void>((resolve) => (stored = resolve)));
    vi.advanceTimersByTime(REPROJECT_WINDOW_MS + 60_000);
    stored();
    await Promise.resolve();
    // The other process's edit of the same annotation, committed there once the database returned, arrives.
    r.remote(source, new Set(["x", "y"]));
    expect(rewritten).toEqual([["x"]]);
  });

  it("writes nothing again for an annotation changed here longer ago than the window", () => {
    const { r, rewritten, source } = reprojection();
    r.local(source, new Set(["x"]), Promise.resolve());
    vi.advanceTimersByTime(REPROJECT_WINDOW_MS + 1);
    r.remote(source, new Set(["x"]));
    expect(rewritten).toEqual([]);
  });

  it("writes again for a change here that is not stored yet", () => {
    const { r, rewritten, source } = reprojection();
    r.local(source, new Set(["x"]), new Promise<void>(() => {}));
    r.remote(source, new Set(["x"]));
    expect(rewritten).toEqual([["x"]]);
  });

  it("sweeps the marks past the window once a document has many, keeping one marked again since", () => {
    const { r, rewritten, source } = reprojection();
    const old = Array.from({ length: 1_200 }, (_, i) => `old-${i}`);
    r.local(source, new Set(old), Promise.resolve());
    vi.advanceTimersByTime(REPROJECT_WINDOW_MS / 2);
    // Marked again: it moves behind the others, and its window starts over.
    r.local(source, new Set(["old-7"]), Promise.resolve());
    vi.advanceTimersByTime(REPROJECT_WINDOW_MS / 2 + 1);
    r.local(source, new Set(["new"]), Promise.resolve());
    const marks = (r as unknown as { changedHere: WeakMap<LiveDocument, Map<string, number>> }).changedHere.get(source)!;
    expect([...marks.keys()]).toEqual(["old-7", "new"]);
    r.remote(source, new Set(["old-7", "old-8", "new"]));
    expect(rewritten).toEqual([["old-7", "new"]]);
  });
});
