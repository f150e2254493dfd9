import * as Y from "yjs";
import { annotationsOf, countedAnnotations, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { seeded } from "../../test/support/seed.ts";
import { annotationsInTurns } from "./summary.ts";

describe("reading a document's annotations for its dashboard", () => {
  it("reads them over several turns, as countedAnnotations reads them, leaving out those deleted meanwhile", async () => {
    const rng = seeded("summary reads");
    const doc = new Y.Doc();
    const authorId = rng.uuid();
    doc.transact(() => {
      for (let i = 0; i < 2_500; i++) createAnnotation(doc, { kind: i % 3 === 0 ? "highlight" : "comment", authorId, body: `${i} ${rng.letters(12)}` });
    });
    const gone = [...annotationsOf(doc).keys()][2_100]!;
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      // Deleted while the reading is under way, after its first turn.
      if (turns === 1) annotationsOf(doc).delete(gone);
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const read = await annotationsInTurns(doc);
    done = true;
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(read.has(gone)).toBe(false);
    expect(read.size).toBe(2_499);
    expect(countedAnnotations(doc, read)).toEqual(countedAnnotations(doc));
  });
});
