import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { annotationsOf, buildTarget, createAnnotation, readAnnotation } from "@marginalia/schema";
import { TextMap } from "../highlights/text-map.ts";
import type { DocSession, SessionState } from "../../sync/doc-session.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { makeActions } from "./actions.ts";

/** A group session as the actions see it: its document, and whether it is still going. */
function groupSession(connection: SessionState["connection"]) {
  const doc = new Y.Doc();
  const id = createAnnotation(doc, { kind: "comment", authorId: "ann", body: "First words" });
  const session = { doc, getState: () => ({ connection }) } as unknown as DocSession;
  const actions = makeActions({ sessions: { group: session, private: null, hidden: null }, map: null, revision: 1, me: "ann", role: "annotator", moderation: "open", reviewQuorum: 1 });
  const item = { ...readAnnotation(annotationsOf(doc).get(id)!), source: "group" } as Item;
  return { doc, id, item, actions };
}

describe("the reader's actions once the live connection has stopped", () => {
  it("write nothing into the document, and an edit or a reply says why", () => {
    const { doc, id, item, actions } = groupSession("stopped");
    expect(actions.edit(item, { body: "Second words" })).toMatch(/connection has ended/);
    expect(actions.reply(item, "A reply")).toMatch(/connection has ended/);
    actions.setResolved(item, true);
    expect(annotationsOf(doc).size).toBe(1);
    expect(readAnnotation(annotationsOf(doc).get(id)!)).toMatchObject({ body: "First words", resolved: false });
  });

  it("write as before while the session goes on", () => {
    const { doc, id, item, actions } = groupSession("offline");
    expect(actions.edit(item, { body: "Second words" })).toBeNull();
    expect(readAnnotation(annotationsOf(doc).get(id)!).body).toBe("Second words");
  });
});

describe("a new annotation from the selection popover", () => {
  it("is refused when its passage was selected on another revision of the text than the one on screen", () => {
    const doc = new Y.Doc();
    const session = { doc, getState: () => ({ connection: "online" }) } as unknown as DocSession;
    const map = new TextMap<Text>("The sanctions on Iran are working.", []);
    const actions = makeActions({ sessions: { group: session, private: null, hidden: null }, map, revision: 2, me: "ann", role: "annotator", moderation: "open", reviewQuorum: 1 });
    const input = { kind: "comment" as const, body: "Which sanctions?", factcheck: null, onlyMe: false };
    expect(actions.create(buildTarget(map.index, { start: 4, end: 21 }, 1), input)).toMatch(/changed since you selected/);
    expect(annotationsOf(doc).size).toBe(0);
    expect(actions.create(buildTarget(map.index, { start: 4, end: 21 }, 2), input)).toBeNull();
    expect([...annotationsOf(doc).values()].map((a) => readAnnotation(a).target?.exact)).toEqual(["sanctions on Iran"]);
  });
});
