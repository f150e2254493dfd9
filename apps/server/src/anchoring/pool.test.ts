import { Worker } from "node:worker_threads";
import { CodePointIndex, buildTarget, resolveTarget } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SEED_ARTICLE } from "../../test/support/fixtures.ts";
import { resolveSlice } from "./jobs.ts";
import { anchorWorker } from "./pool.ts";

afterEach(() => vi.restoreAllMocks());

const index = new CodePointIndex(SEED_ARTICLE);
// More targets than one slice holds, each a different passage.
const targets = Array.from({ length: 600 }, (_, i) => buildTarget(index, { start: (i * 13) % 9000, end: ((i * 13) % 9000) + 20 + (i % 40) }, 1));
const revised = `A correction was added above the article.\n\n${SEED_ARTICLE.replace("tough sanctions", "tougher sanctions")}`;

describe("the re-anchoring worker", () => {
  it("resolves a revision's targets on its thread, in slices, exactly as resolveTarget does", async () => {
    const anchors = await anchorWorker.resolve("pool-test", revised, index.length, targets);
    anchorWorker.done("pool-test");
    expect(anchorWorker.where).toBe("thread");
    const revisedIndex = new CodePointIndex(revised);
    expect(anchors).toEqual(targets.map((t) => resolveTarget(revisedIndex, t, { oldLength: index.length })));
    expect(anchors.filter((a) => a.state === "anchored").length).toBeGreaterThan(500);
  });

  it("sends a revision's texts to the thread once, not with every slice: copying a large article into each message held the event loop", async () => {
    const posted = vi.spyOn(Worker.prototype, "postMessage");
    const before = { revision: 1, text: SEED_ARTICLE };
    const anchors = await anchorWorker.resolve("pool-once", revised, index.length, targets, before);
    // A second document of the same article, as reanchor.ts resolves each of its documents in turn.
    const again = await anchorWorker.resolve("pool-once", revised, index.length, targets.slice(0, 300), before);
    anchorWorker.done("pool-once");
    const slices = posted.mock.calls.map(([message]) => message as { targets?: unknown[]; text?: string; before?: unknown });
    const withTargets = slices.filter((m) => m.targets);
    expect(withTargets.length).toBeGreaterThanOrEqual(4);
    expect(withTargets.filter((m) => m.text !== undefined || m.before !== undefined)).toHaveLength(1);
    const local = resolveSlice({ key: "pool-once-here", text: revised, oldLength: index.length, targets, before });
    expect(anchors).toEqual(local);
    expect(again).toEqual(local.slice(0, 300));
  });

  it("sends the texts again to a thread that let them go for other revisions meanwhile", async () => {
    const first = await anchorWorker.resolve("pool-a", revised, index.length, targets.slice(0, 10));
    // The thread keeps two revisions' texts: three more push the first one out.
    for (const key of ["pool-b", "pool-c", "pool-d"]) await anchorWorker.resolve(key, `${revised} ${key}`, index.length, targets.slice(0, 10));
    const posted = vi.spyOn(Worker.prototype, "postMessage");
    const later = await anchorWorker.resolve("pool-a", revised, index.length, targets.slice(0, 10));
    for (const key of ["pool-a", "pool-b", "pool-c", "pool-d"]) anchorWorker.done(key);
    expect(later).toEqual(first);
    expect(posted.mock.calls.some(([message]) => (message as { text?: string }).text === revised)).toBe(true);
  });
});
