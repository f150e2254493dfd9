import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type AnnotationValue, createAnnotation, deleteAnnotation, updateAnnotation } from "@marginalia/schema";
import { UnsentEdits } from "./unsent-edits.ts";

const SERVER = Symbol("server");
const STORAGE = Symbol("storage");

/** The server's copy and ours, the server's changes reaching ours as the provider applies them. */
function pair() {
  const server = new Y.Doc();
  const ours = new Y.Doc();
  const lost: AnnotationValue[][] = [];
  const unsent = new UnsentEdits(ours, { fromServer: (o) => o === SERVER, fromStorage: (o) => o === STORAGE }, (values) => lost.push(values));
  const receive = () => Y.applyUpdate(ours, Y.encodeStateAsUpdate(server, Y.encodeStateVector(ours)), SERVER);
  return { server, ours, lost, unsent, receive };
}

describe("edits the server's copy took away", () => {
  it("tells of an annotation removed by the server while our edit of it was unsaved, as the edit left it", () => {
    const { server, ours, lost, receive } = pair();
    const id = createAnnotation(server, { kind: "factcheck", authorId: "ann", body: "Both are sanctioned.", status: "pending" });
    receive();
    updateAnnotation(ours, id, { body: "Both are sanctioned, since 2022." });
    deleteAnnotation(server, id);
    receive();
    expect(lost.map((values) => values.map((v) => [v.id, v.body]))).toEqual([[[id, "Both are sanctioned, since 2022."]]]);
  });

  it("says nothing of edits saved before, of our own deletions and moves, of new work, or of what storage brought", () => {
    const { server, ours, lost, unsent, receive } = pair();
    const saved = createAnnotation(server, { kind: "comment", authorId: "ann", body: "One" });
    const deleted = createAnnotation(server, { kind: "comment", authorId: "ann", body: "Two" });
    receive();
    updateAnnotation(ours, saved, { body: "One, edited and saved" });
    unsent.settle();
    updateAnnotation(ours, deleted, { body: "Two, edited" });
    deleteAnnotation(ours, deleted);
    createAnnotation(ours, { kind: "comment", authorId: "ann", body: "New" });
    const stored = new Y.Doc();
    Y.applyUpdate(stored, Y.encodeStateAsUpdate(ours));
    const fromStorage = createAnnotation(stored, { kind: "comment", authorId: "ann", body: "Three" });
    Y.applyUpdate(ours, Y.encodeStateAsUpdate(stored, Y.encodeStateVector(ours)), STORAGE);
    updateAnnotation(stored, fromStorage, { body: "Three, edited in another tab" });
    Y.applyUpdate(ours, Y.encodeStateAsUpdate(stored, Y.encodeStateVector(ours)), STORAGE);
    // A moderator's hide set on the socket moves the annotation out: the move is the edit's own doing.
    const hidden = createAnnotation(server, { kind: "comment", authorId: "ann", body: "Four", status: "published" });
    receive();
    updateAnnotation(ours, hidden, { status: "hidden" });
    updateAnnotation(ours, hidden, { body: "Four, then edited" });
    deleteAnnotation(server, saved);
    deleteAnnotation(server, hidden);
    receive();
    expect(lost).toEqual([]);
  });

  it("holds our new annotations and edits as pending, as we last left them, until the server has them", () => {
    const { server, ours, unsent, receive } = pair();
    const theirs = createAnnotation(server, { kind: "comment", authorId: "bo", body: "Theirs" });
    receive();
    const mine = createAnnotation(ours, { kind: "comment", authorId: "ann", body: "Mine" });
    updateAnnotation(ours, mine, { body: "Mine, edited" });
    updateAnnotation(ours, theirs, { resolved: true });
    const gone = createAnnotation(ours, { kind: "comment", authorId: "ann", body: "Deleted before sending" });
    deleteAnnotation(ours, gone);
    expect(unsent.pending().map((v) => [v.id, v.body, v.resolved])).toEqual([
      [mine, "Mine, edited", false],
      [theirs, "Theirs", true],
    ]);
    unsent.settle();
    expect(unsent.pending()).toEqual([]);
  });
});
