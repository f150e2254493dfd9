import * as Y from "yjs";
import { createAnnotation, setVote, votesOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { VoteTally } from "./vote-tally.ts";

describe("vote tally", () => {
  it("counts loaded votes, and follows votes cast, changed and withdrawn", () => {
    const source = new Y.Doc();
    const a = createAnnotation(source, { kind: "comment", authorId: "x", body: "a" });
    const b = createAnnotation(source, { kind: "comment", authorId: "x", body: "b" });
    setVote(source, a, "m1", "agree");
    setVote(source, a, "m2", "disagree");

    const doc = new Y.Doc();
    const tally = new VoteTally(votesOf(doc));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
    expect(tally.countsFor(new Set([a, b]))).toEqual(new Map([[a, { agree: 1, disagree: 1 }], [b, { agree: 0, disagree: 0 }]]));

    setVote(doc, a, "m2", "agree");
    setVote(doc, b, "m1", "disagree");
    setVote(doc, a, "m1", null);
    expect(tally.countsFor(new Set([a, b]))).toEqual(new Map([[a, { agree: 1, disagree: 0 }], [b, { agree: 0, disagree: 1 }]]));
  });
});
