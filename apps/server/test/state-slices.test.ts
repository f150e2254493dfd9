import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { applySlice } from "../src/sync/document/sliced-build.ts";
import { sliceState } from "../src/sync/document/state-slices.mjs";
import { type Rng, seeded } from "./support/seed.ts";

/**
 * A document's state cut into slices (sync/document/state-slices.mjs) builds the same
 * document as the state applied whole, one slice at a time as LiveDocument
 * applies them, with nothing left pending in between: checked on documents
 * that several clients wrote into each other's content, with deletions,
 * collected or not.
 */

/** Several peers editing maps, nested texts and arrays, syncing with each other now and then. */
function writtenTogether(rng: Rng, { peers, steps, gc }: { peers: number; steps: number; gc: boolean }): Y.Doc {
  const docs = Array.from({ length: peers }, () => {
    const doc = new Y.Doc({ gc });
    doc.clientID = rng.clientId();
    return doc;
  });
  const sync = (a: Y.Doc, b: Y.Doc) => Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  for (let step = 0; step < steps; step++) {
    const doc = rng.pick(docs);
    const annotations = doc.getMap<Y.Map<unknown>>("annotations");
    const keys = [...annotations.keys()];
    const roll = rng.next();
    if (roll < 0.25 || keys.length === 0) {
      const annotation = new Y.Map<unknown>();
      annotation.set("body", new Y.Text(rng.letters(1 + rng.int(30))));
      annotation.set("tags", Y.Array.from([rng.letters(4)]));
      annotations.set(rng.letters(8), annotation);
    } else {
      const annotation = annotations.get(rng.pick(keys))!;
      const body = annotation.get("body") as Y.Text | undefined;
      if (roll < 0.55 && body) body.insert(rng.int(body.length + 1), rng.letters(1 + rng.int(6)));
      else if (roll < 0.75 && body && body.length > 0) {
        const at = rng.int(body.length);
        body.delete(at, 1 + rng.int(Math.min(5, body.length - at)));
      } else if (roll < 0.85) annotation.set("status", rng.pick(["open", "resolved", "hidden"]));
      else if (roll < 0.92) (annotation.get("tags") as Y.Array<string> | undefined)?.push([rng.letters(3)]);
      else annotations.delete(rng.pick(keys));
    }
    if (rng.chance(0.3)) sync(doc, rng.pick(docs));
  }
  for (const a of docs) for (const b of docs) if (a !== b) sync(a, b);
  return docs[0]!;
}

function builtInSlices(state: Uint8Array, sizes: { structs: number; ranges: number }) {
  const slices = sliceState(state, sizes);
  expect(slices).not.toBeNull();
  const doc = new Y.Doc();
  for (const slice of slices!) {
    applySlice(doc, slice, null);
    // Each slice lands whole: nothing waits for content a later slice brings.
    expect(doc.store.pendingStructs).toBeNull();
    expect(doc.store.pendingDs).toBeNull();
  }
  return { doc, slices: slices! };
}

function expectSameDocument(a: Y.Doc, b: Y.Doc) {
  expect(b.getMap("annotations").toJSON()).toEqual(a.getMap("annotations").toJSON());
  expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a));
  expect(Y.equalDeleteSets(Y.createDeleteSetFromStructStore(b.store), Y.createDeleteSetFromStructStore(a.store))).toBe(true);
}

describe("a state cut into slices", () => {
  for (const gc of [true, false]) {
    it(`builds the same document, slice by slice, with nothing pending (gc ${gc})`, () => {
      const rng = seeded(`state-slices gc=${gc}`);
      for (let round = 0; round < 12; round++) {
        const written = writtenTogether(rng, { peers: 2 + rng.int(4), steps: 50 + rng.int(400), gc });
        const state = Y.encodeStateAsUpdate(written);
        const whole = new Y.Doc();
        Y.applyUpdate(whole, state);
        const sizes = { structs: 1 + rng.int(40), ranges: 1 + rng.int(10) };
        const { doc, slices } = builtInSlices(state, sizes);
        expectSameDocument(whole, doc);
        expect(slices.length, `seed ${rng.seed}, round ${round}`).toBeGreaterThan(1);
      }
    });
  }

  it("refuses a state that refers to content it does not hold", () => {
    const rng = seeded("state-slices partial");
    const doc = writtenTogether(rng, { peers: 3, steps: 200, gc: true });
    const before = Y.encodeStateVector(doc);
    doc.getMap<Y.Map<unknown>>("annotations").forEach((annotation) => (annotation.get("body") as Y.Text).insert(0, "x"));
    // Only what came after `before`: its structs point at content that is not in it.
    expect(sliceState(Y.encodeStateAsUpdate(doc, before), { structs: 10, ranges: 10 })).toBeNull();
  });
});
