import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { seeded } from "../../../test/support/seed.ts";
import { PROJECTED_PER_TURN, projectAnnotation, projectionJson, projectionJsonInTurns } from "./projection.ts";

/** The rows of `n` comments, some of whose bodies hold what jsonb cannot store (a NUL, a lone surrogate). */
function rows(n: number) {
  const rng = seeded("projection rows");
  const doc = new Y.Doc();
  const authorId = rng.uuid();
  doc.transact(() => {
    for (let i = 0; i < n; i++) {
      const odd = i % 97 === 5 ? "\u0000" : i % 89 === 7 ? "\ud800" : "";
      createAnnotation(doc, { kind: "comment", authorId, body: `${i} ${rng.letters(20)}${odd}` });
    }
  });
  const ctx = { docName: "article:p", articleId: rng.uuid(), groupId: rng.uuid(), visibility: "group" as const, revision: 1 };
  return [...annotationsOf(doc).values()].map((map) => projectAnnotation(readAnnotation(map), { agree: 0, disagree: 0 }, ctx));
}

describe("the projection's rows as JSON", () => {
  it("is built a slice per turn for many rows, to the same JSON, storable slice by slice", async () => {
    const many = rows(PROJECTED_PER_TURN * 5 + 17);
    let turnsGiven = 0;
    const counting = () => {
      turnsGiven++;
      if (!done) setImmediate(counting);
    };
    let done = false;
    setImmediate(counting);
    const json = await projectionJsonInTurns(many);
    done = true;
    expect(turnsGiven).toBeGreaterThanOrEqual(5);
    expect(JSON.parse(json)).toEqual(JSON.parse(projectionJson(many)));
    const bodies = (JSON.parse(json) as Array<{ body: string }>).map((r) => r.body);
    expect(bodies.some((b) => b.includes("\u0000") || /[\ud800-\udfff]/.test(b))).toBe(false);
    expect(bodies.filter((b) => b.includes("\ufffd")).length).toBeGreaterThan(5);
  });

  it("is built at once for a few rows", async () => {
    const few = rows(PROJECTED_PER_TURN);
    expect(await projectionJsonInTurns(few)).toBe(projectionJson(few));
  });
});
