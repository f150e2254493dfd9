import * as Y from "yjs";
import { annotationsOf, createAnnotation, withheldOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { withheldReplies, withoutAnnotations } from "./withheld-replies.ts";

const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

describe("what members are sent of a reply to a hidden thread", () => {
  it("holds the reply's clocks and none of its content, so that its writer's later changes still apply", () => {
    const [server, writer, member] = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const thread = createAnnotation(server, { kind: "comment", authorId: "m1", body: "A thread", status: "published" });
    server.transact(() => {
      annotationsOf(server).delete(thread);
      withheldOf(server).set(thread, true);
    });
    sync(server, writer);
    sync(server, member);
    let update: Uint8Array = new Uint8Array();
    writer.once("update", (u: Uint8Array) => (update = u));
    const reply = createAnnotation(writer, { kind: "comment", authorId: "m2", body: "hidden words", parentId: thread, status: "published" });
    Y.applyUpdate(server, update);
    const withheld = withheldReplies(server, new Set([reply]));
    expect([...withheld]).toEqual([reply]);
    const sent = withoutAnnotations(server, update, withheld);
    expect(Buffer.from(update).includes("hidden words")).toBe(true);
    expect(Buffer.from(sent).includes("hidden words")).toBe(false);
    Y.applyUpdate(member, sent);
    expect(annotationsOf(member).has(reply)).toBe(false);
    // The writer's next change builds on the reply's clocks: the member's copy has them, and takes it.
    writer.once("update", (u: Uint8Array) => (update = u));
    const later = createAnnotation(writer, { kind: "comment", authorId: "m2", body: "seen by all", status: "published" });
    Y.applyUpdate(server, update);
    expect([...withheldReplies(server, new Set([later]))]).toEqual([]);
    Y.applyUpdate(member, update);
    expect(annotationsOf(member).get(later)?.get("body")?.toString()).toBe("seen by all");
    expect(member.store.pendingStructs).toBeNull();
  });
});
