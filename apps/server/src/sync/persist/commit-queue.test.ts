import { describe, expect, it } from "vitest";
import { CommitQueue, type Queued } from "./commit-queue.ts";

type Entry = Queued<string>;

let seq = 0;
const entry = (article: string, turn: number, annotations = 1, bond = seq + 1): Entry => ({
  source: article,
  article,
  seq: ++seq,
  turn,
  bond,
  touched: new Set(Array.from({ length: annotations }, (_, i) => `${article}-${seq}-${i}`)),
});

describe("the commit queue", () => {
  it("writes a large run that did not fit, in the next batch, however steady the other articles' traffic", () => {
    const queue = new CommitQueue<string, Entry>();
    const maxAnnotations = 300;
    // The big article queues one update, then one turn's run of 64 updates of 4 annotations each (256); the
    // first batch takes the one update, and the run does not fit after the other article's 100.
    queue.push(entry("big", 1));
    for (let i = 0; i < 64; i++) queue.push(entry("big", 2, 4));
    queue.push(entry("steady-0", 1, 100));
    expect(queue.takeBatch(500, maxAnnotations).map((e) => e.article)).toEqual(["big", "steady-0"]);
    // Every batch, fresh articles queue updates that take more than what the run leaves of the cap.
    let bigWritten = 0;
    for (let round = 1; round <= 20 && bigWritten === 0; round++) {
      queue.push(entry(`steady-${round}`, 2 + round, 100));
      bigWritten = queue.takeBatch(500, maxAnnotations).filter((e) => e.article === "big").length;
    }
    expect(bigWritten).toBe(64);
  });

  it("keeps a bond whole past the bounds: a hide of a thread of 172 annotations is one commit", () => {
    const queue = new CommitQueue<string, Entry>();
    // The removal from the group's document and the addition to the hidden one, each touching the root and 171 replies.
    const removal = entry("moved", 5, 172);
    const addition = entry("moved", 5, 172, removal.bond);
    queue.push(removal);
    queue.push(addition);
    queue.push(entry("moved", 5, 1));
    expect(queue.takeBatch(500, 300)).toEqual([removal, addition]);
    expect(queue.size).toBe(1);
  });

  it("ends a batch that holds something already before a bond it cannot take whole, and leads the next with it", () => {
    const queue = new CommitQueue<string, Entry>();
    queue.push(entry("first", 1, 200));
    const removal = entry("moved", 2, 172);
    const addition = entry("moved", 2, 172, removal.bond);
    queue.push(removal);
    queue.push(addition);
    expect(queue.takeBatch(500, 300).map((e) => e.article)).toEqual(["first"]);
    expect(queue.takeBatch(500, 300)).toEqual([removal, addition]);
  });
});
