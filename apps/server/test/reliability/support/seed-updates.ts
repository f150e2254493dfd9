import * as Y from "yjs";
import { annotationsOf, createAnnotation, deleteAnnotation, notesOf, setVote, updateAnnotation } from "@marginalia/schema";
import { type Craft, crafted } from "../../support/crafted-update.ts";
import type { Rng } from "../../support/seed.ts";
import { MARK } from "./frame-bytes.ts";

/*
 * The valid updates the fuzzing corpus (frames.ts) mutates, written apart from its generators: what a
 * client in sync with the live document would send, allowed and forbidden alike.
 */

/** A Yjs update made by running `change` on a copy of `base`: what a client in sync with it would send. */
function updateOn(base: Y.Doc, change: (doc: Y.Doc) => void, clientID: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  change(doc);
  doc.destroy();
  return updates.length ? Y.mergeUpdates(updates) : new Uint8Array([0, 0]);
}

/**
 * Like `updateOn`, with the items `change` names changed as a crafted client would (crafted-update.ts) and
 * no deletions listed. `change` returns the changes by clock; `written()` is the clock of the last item.
 */
function craftedOn(base: Y.Doc, clientID: number, change: (doc: Y.Doc, written: () => number) => Map<number, Craft>): Uint8Array {
  const doc = new Y.Doc({ gc: false });
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const since = Y.encodeStateVector(doc);
  const crafts = change(doc, () => Y.getState(doc.store, clientID) - 1);
  const update = Y.getState(doc.store, clientID) > 0 ? crafted(doc, since, crafts, []) : new Uint8Array([0, 0]);
  doc.destroy();
  return update;
}

/**
 * Updates against `base`: allowed ones (the fuzzer's own annotation, a vote, the notes) and forbidden
 * ones (others' annotations, unknown roots, wrong types). Draws from `rng` in a fixed order, so a seed
 * replays the same corpus.
 */
export function seedUpdates(base: Y.Doc, rng: Rng, userId: string): Uint8Array[] {
  const others = [...annotationsOf(base).keys()];
  const someone = () => (others.length ? rng.pick(others) : "missing");
  const mine = `fz${rng.int(1e9)}`;
  const uid = userId;
  const on = (change: (doc: Y.Doc) => void) => updateOn(base, change, rng.clientId());
  const craft = (change: (doc: Y.Doc, written: () => number) => Map<number, Craft>) => craftedOn(base, rng.clientId(), change);
  return [
    on((d) => createAnnotation(d, { id: mine, kind: "comment", authorId: uid, body: `fuzz ${MARK}`, tags: [MARK] })),
    on((d) => {
      createAnnotation(d, { id: `${mine}b`, kind: "highlight", authorId: uid, body: "x" });
      updateAnnotation(d, `${mine}b`, { body: "edited", tags: ["a"] });
    }),
    on((d) => notesOf(d).insert(0, `note ${MARK} `)),
    on((d) => setVote(d, someone(), uid, rng.chance(0.5) ? "agree" : "disagree")),
    on((d) => updateAnnotation(d, someone(), { body: "defaced" })), // forbidden: not theirs
    on((d) => deleteAnnotation(d, someone())), // forbidden
    on((d) => createAnnotation(d, { id: rng.uuid(), kind: "comment", authorId: rng.uuid(), body: "forged author" })),
    on((d) => d.getMap("admin").set("root", true)), // unknown root
    on((d) => {
      const id = createAnnotation(d, { id: rng.uuid(), kind: "comment", authorId: uid, body: "" });
      annotationsOf(d).get(id)!.set("tags", new Y.Array() as never); // a nested type where a value belongs
    }),
    on((d) => {
      const id = createAnnotation(d, { id: rng.uuid(), kind: "comment", authorId: uid });
      (annotationsOf(d).get(id)!.get("body") as Y.Text).insertEmbed(0, { image: "x" }); // not plain text
    }),
    on((d) => {
      const id = createAnnotation(d, { id: rng.uuid(), kind: "comment", authorId: uid });
      (annotationsOf(d).get(id)!.get("body") as Y.Text).format(0, 0, { bold: true });
      annotationsOf(d).get(id)!.set("color", new Y.Doc({ guid: rng.uuid() }) as never); // a subdocument
    }),
    on((d) => annotationsOf(d).set(`${mine}x`, new Y.XmlElement("script") as never)),
    on((d) => d.getXmlFragment("annotations2").insert(0, [new Y.XmlText("<img onerror=alert(1)>")])),
    on((d) => notesOf(d).insert(0, "x".repeat(1_000))),
    // Forbidden, through where a map keeps its value (docs/sync.md, "What you may write"):
    // deleted content landing on someone's annotation, which deletes it with no deletions listed;
    craft((d, written) => {
      annotationsOf(d).set(someone(), "x" as never);
      return new Map([[written(), { deleted: true }]]);
    }),
    // the same on a field, which leaves it with no value;
    craft((d, written) => {
      annotationsOf(d).get(someone())?.set("status", "draft");
      return new Map([[written(), { deleted: true }]]);
    }),
    // an invalid value listed first, with the valid one after it placed so that it may land first;
    craft((d, written) => {
      const id = createAnnotation(d, { id: `${mine}v`, kind: "comment", authorId: uid, body: "two values" });
      annotationsOf(d).get(id)!.set("updatedAt", "d" as never);
      const invalid = written();
      annotationsOf(d).get(id)!.set("updatedAt", Date.now());
      return new Map([[invalid + 1, { origin: null }]]);
    }),
    // and an annotation made, removed and made again under one id, signed by someone else.
    on((d) => {
      const id = createAnnotation(d, { id: `${mine}r`, kind: "comment", authorId: uid, body: "mine" });
      annotationsOf(d).delete(id);
      createAnnotation(d, { id, kind: "comment", authorId: rng.uuid(), body: "not mine" });
    }),
  ];
}
