import { describe, expect, it } from "vitest";
import { createLogger } from "../../logger.ts";
import { Compaction } from "./compaction.ts";
import { COMPACT_AFTER_ROWS, type DocStore } from "./doc-store.ts";

/** A store whose compaction fails, as it does when no thread can fold: it counts the attempts. */
function failingStore() {
  const store = {
    attempts: 0,
    async compact(): Promise<number> {
      store.attempts++;
      throw new Error("no thread to fold on");
    },
  };
  return store;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("Compaction", () => {
  it("after a failed compaction, tries again once the log has grown by another COMPACT_AFTER_ROWS rows, not at each commit", async () => {
    const store = failingStore();
    const compaction = new Compaction(store as unknown as DocStore, createLogger("silent"));
    compaction.loaded("article:a", 0);
    compaction.committed(new Map([["article:a", COMPACT_AFTER_ROWS]]));
    await settled();
    expect(store.attempts).toBe(1);
    for (let i = 0; i < COMPACT_AFTER_ROWS - 1; i++) {
      compaction.committed(new Map([["article:a", 1]]));
      await settled();
    }
    expect(store.attempts).toBe(1);
    compaction.committed(new Map([["article:a", 1]]));
    await settled();
    expect(store.attempts).toBe(2);
  });
});
