import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { actor, alice } from "../authorize/authorize-testing.ts";
import { room } from "./connection-testing.ts";
import { ackMessage, syncStep2Message, updateMessage } from "./messages.ts";

/** A comment by alice as Yjs encodes it in V2, and in V1. */
function comment() {
  const client = new Y.Doc();
  const v2: Uint8Array[] = [];
  client.on("updateV2", (u: Uint8Array) => v2.push(u));
  createAnnotation(client, { kind: "comment", authorId: alice, body: "sent in V2" });
  return { v2: v2[0]!, v1: Y.encodeStateAsUpdate(client) };
}

describe("updates in another encoding than Yjs's V1", () => {
  it.each([
    ["an update in V2", (c: ReturnType<typeof comment>) => updateMessage(c.v2)],
    ["a sync step 2 in V2", (c: ReturnType<typeof comment>) => syncStep2Message(c.v2)],
    ["a sync step 2 behind bytes that read as empty", (c: ReturnType<typeof comment>) => syncStep2Message(new Uint8Array([0, 0, ...c.v1]))],
  ])("refuses %s, applying and acknowledging nothing", async (name, message) => {
    const { live, stored, join } = room(`article:encoding-${name.length}`);
    const socket = join(actor(alice, "annotator"), true);
    socket.connection.receive(message(comment()));
    // Acks follow commits a few ticks later: past them, none came.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.closes).toEqual([SYNC_CLOSE_CODES.forbidden]);
    expect(annotationsOf(live.doc).size).toBe(0);
    expect(stored).toEqual([]);
    const ack = Buffer.from(ackMessage(1));
    expect(socket.sent.filter((m) => ack.equals(m))).toEqual([]);
    live.destroy();
  });

  it("applies the same comment in V1, as a step 2", () => {
    const { live, join } = room("article:encoding-v1");
    const socket = join(actor(alice, "annotator"), true);
    socket.connection.receive(syncStep2Message(comment().v1));
    expect(socket.closes).toEqual([]);
    expect(annotationsOf(live.doc).size).toBe(1);
    live.destroy();
  });
});

/** A vote whose value is an array nested `depth` deep: in V1, each level is a tag (117, array) and a length of 1. */
function deeplyNestedVote(depth: number) {
  const doc = new Y.Doc();
  const marker = "marker-to-replace";
  doc.getMap("votes").set(`somewhere:${alice}`, marker);
  const update = Buffer.from(Y.encodeStateAsUpdate(doc));
  const string = Buffer.concat([Buffer.from([119, marker.length]), Buffer.from(marker)]);
  const at = update.indexOf(string);
  const nested = Buffer.alloc(depth * 2 + 1);
  for (let i = 0; i < depth; i++) nested.set([117, 1], i * 2);
  nested[depth * 2] = 126; // null, at the bottom
  return new Uint8Array(Buffer.concat([update.subarray(0, at), nested, update.subarray(at + string.length)]));
}

describe("an update too deeply nested to read", () => {
  it("is closed as malformed (4400), not as the server's failure (1011) that providers retry", async () => {
    const { live, stored, join } = room("article:encoding-deep");
    const socket = join(actor(alice, "annotator"), true);
    // Large enough to be judged in turns, where the client-id check read it outside the judgement's guard.
    socket.connection.receive(updateMessage(deeplyNestedVote(100_000)));
    await expect.poll(() => socket.closes, { timeout: 10_000 }).toEqual([SYNC_CLOSE_CODES.badMessage]);
    expect(stored).toEqual([]);
    live.destroy();
  });
});
