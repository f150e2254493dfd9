import { CodePointIndex, buildTarget, resolveTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { SEED_ARTICLE } from "../../test/support/fixtures.ts";
import { anchorWorker } from "./pool.ts";

describe("the re-anchoring worker", () => {
  it("resolves a revision's targets on its thread, in slices, exactly as resolveTarget does", async () => {
    const index = new CodePointIndex(SEED_ARTICLE);
    // More targets than one slice holds, each a different passage.
    const targets = Array.from({ length: 600 }, (_, i) => buildTarget(index, { start: (i * 13) % 9000, end: ((i * 13) % 9000) + 20 + (i % 40) }, 1));
    const revised = `A correction was added above the article.\n\n${SEED_ARTICLE.replace("tough sanctions", "tougher sanctions")}`;
    const anchors = await anchorWorker.resolve("pool-test", revised, index.length, targets);
    expect(anchorWorker.where).toBe("thread");
    const revisedIndex = new CodePointIndex(revised);
    expect(anchors).toEqual(targets.map((t) => resolveTarget(revisedIndex, t, { oldLength: index.length })));
    expect(anchors.filter((a) => a.state === "anchored").length).toBeGreaterThan(500);
  });
});
