import * as Y from "yjs";
import { annotationsOf, createAnnotation, notesOf, votesOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { type Rng, seeded } from "../../../test/support/seed.ts";
import { alice, updateFrom } from "../authorize/authorize-testing.ts";
import { decodeUpdate, forgetDecoded } from "../validate/decoded-update.ts";
import { LARGE_UPDATE_BYTES, LARGE_UPDATE_STRUCTS, cutUpdate, isLargeUpdate } from "./update-pieces.ts";

/** A server document with `n` annotations, its Yjs client drawn from `rng`. */
function server(rng: Rng, n: number) {
  const doc = new Y.Doc();
  doc.clientID = rng.clientId();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(createAnnotation(doc, { id: rng.uuid(), kind: "comment", authorId: alice, body: `existing ${i}` }));
  return { doc, ids };
}

/**
 * One client transaction of many writes, in a drawn order: new annotations
 * (some voted on, some written in two passes with other annotations between),
 * edits and deletions of existing ones (each touched once), notes.
 */
function largeUpdate(rng: Rng, doc: Y.Doc, ids: string[]) {
  return updateFrom(doc, (client) => {
    client.clientID = rng.clientId();
    client.transact(() => {
      const unfinished: string[] = [];
      const untouched = [...ids];
      for (let i = 0; i < 1_000; i++) {
        const id = createAnnotation(client, { id: rng.uuid(), kind: "comment", authorId: alice, body: `new ${i} `.padEnd(rng.int(200), "x") });
        if (rng.chance(0.2)) votesOf(client).set(`${id}:${alice}`, "agree");
        if (rng.chance(0.05)) unfinished.push(id);
        if (unfinished.length && rng.chance(0.3)) annotationsOf(client).get(unfinished.shift()!)?.set("color", "#ff0000");
        const existing = rng.chance(0.03) ? untouched.splice(rng.int(untouched.length), 1)[0] : undefined;
        if (existing && rng.chance(0.7)) (annotationsOf(client).get(existing)!.get("body") as Y.Text).insert(0, "edited ");
        else if (existing) annotationsOf(client).delete(existing);
        if (rng.chance(0.05)) notesOf(client).insert(0, `${i} `);
      }
    });
  });
}

/** Every annotation, as JSON by id. */
const annotations = (doc: Y.Doc) => new Map(Object.entries(annotationsOf(doc).toJSON()).map(([id, value]) => [id, JSON.stringify(value)]));

describe("cutting an approved update into pieces", () => {
  it("leaves the document as the whole does, and every annotation between pieces as it was before or will be after", () => {
    const rng = seeded("update pieces");
    for (let round = 0; round < 8; round++) {
      const { doc, ids } = server(rng, 50);
      const update = largeUpdate(rng, doc, ids);
      const cut = cutUpdate(doc, update);
      expect(cut?.count, `seed ${rng.seed}, round ${round}`).toBeGreaterThan(2);
      const pieces = Array.from({ length: cut!.count }, (_, i) => cut!.encode(i));

      const whole = new Y.Doc();
      Y.applyUpdate(whole, Y.encodeStateAsUpdate(doc));
      const before = annotations(whole);
      Y.applyUpdate(whole, update);
      const after = annotations(whole);

      const inPieces = new Y.Doc();
      Y.applyUpdate(inPieces, Y.encodeStateAsUpdate(doc));
      const halfWritten: string[] = [];
      for (const piece of pieces) {
        Y.applyUpdate(inPieces, piece);
        for (const [id, value] of annotations(inPieces)) if (value !== before.get(id) && value !== after.get(id)) halfWritten.push(id);
      }
      expect(halfWritten, `seed ${rng.seed}, round ${round}`).toEqual([]);
      expect(inPieces.store.pendingStructs).toBeNull();
      expect(Buffer.from(Y.encodeStateAsUpdate(inPieces)).equals(Y.encodeStateAsUpdate(whole)), `seed ${rng.seed}, round ${round}`).toBe(true);
      expect(inPieces.getText("notes").toString()).toBe(whole.getText("notes").toString());
    }
  });

  it("cuts an update that edits many annotations by the annotations it touches, few bytes as it has", () => {
    const rng = seeded("update pieces: edits");
    const { doc } = server(rng, 1_000);
    const edits = updateFrom(doc, (client) => {
      client.transact(() => {
        for (const [, map] of annotationsOf(client)) (map.get("body") as Y.Text).insert(0, "edited ");
      });
    });
    // Under the size that makes an update large by its bytes, and large by its structs.
    expect(edits.byteLength).toBeLessThan(LARGE_UPDATE_BYTES);
    expect(isLargeUpdate(edits)).toBe(true);
    const cut = cutUpdate(doc, edits);
    expect(cut?.count, `seed ${rng.seed}`).toBeGreaterThanOrEqual(5);
    const inPieces = new Y.Doc();
    Y.applyUpdate(inPieces, Y.encodeStateAsUpdate(doc));
    for (let i = 0; i < cut!.count; i++) {
      const piece = cut!.encode(i);
      expect(decodeUpdate(piece).structs.length).toBeLessThanOrEqual(200);
      forgetDecoded(piece);
      Y.applyUpdate(inPieces, piece);
    }
    const whole = new Y.Doc();
    Y.applyUpdate(whole, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(whole, edits);
    expect(Buffer.from(Y.encodeStateAsUpdate(inPieces)).equals(Y.encodeStateAsUpdate(whole))).toBe(true);
  });

  it("counts an update large by its structs only from a few kilobytes, and reads them from one or more clients", () => {
    const rng = seeded("update pieces: large");
    const { doc } = server(rng, LARGE_UPDATE_STRUCTS);
    const editing = (count: number, clientId: number) =>
      updateFrom(doc, (client) => {
        client.clientID = clientId;
        client.transact(() => {
          for (const [, map] of [...annotationsOf(client)].slice(0, count)) (map.get("body") as Y.Text).insert(0, "edited, with a few words more: ");
        });
      });
    const fewer = editing(LARGE_UPDATE_STRUCTS - 1, rng.clientId());
    expect(fewer.byteLength).toBeGreaterThan(6 * 1024);
    expect(isLargeUpdate(fewer)).toBe(false);
    expect(isLargeUpdate(editing(LARGE_UPDATE_STRUCTS, rng.clientId()))).toBe(true);
    // Two clients' edits, merged as a sync step 2 carries them: counted across both.
    const half = LARGE_UPDATE_STRUCTS / 2;
    expect(isLargeUpdate(Y.mergeUpdates([editing(half, rng.clientId()), editing(half, rng.clientId())]))).toBe(true);
    // A header that claims more structs than its bytes can hold is not believed.
    const claim = new Uint8Array(8 * 1024);
    claim.set([1, 0xc0, 0x84, 0x3d]); // one client, a million structs
    expect(isLargeUpdate(claim)).toBe(false);
    // A few structs of many bytes (one long comment) are not many structs.
    const long = updateFrom(doc, (client) => void createAnnotation(client, { kind: "comment", authorId: alice, body: "x".repeat(20_000) }));
    expect(isLargeUpdate(long)).toBe(false);
  });

  it("leaves whole what it cannot cut: a small update, or one from two Yjs clients", () => {
    const rng = seeded("update pieces: whole");
    const { doc, ids } = server(rng, 10);
    const small = updateFrom(doc, (client) => void createAnnotation(client, { kind: "comment", authorId: alice, body: "one" }));
    expect(cutUpdate(doc, small)).toBeNull();
    const first = largeUpdate(rng, doc, ids);
    const second = largeUpdate(rng, doc, ids);
    expect(cutUpdate(doc, first)).not.toBeNull();
    expect(cutUpdate(doc, Y.mergeUpdates([first, second]))).toBeNull();
  });
});
