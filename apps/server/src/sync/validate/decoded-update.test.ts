import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { createAnnotation } from "@marginalia/schema";
import { UnreadableUpdate, decodeInTurns, decodeUpdate, endClocks, forgetDecoded } from "./decoded-update.ts";

/** Updates of the shapes sockets send: one client's edit, a merge of several clients', one with gaps (skips). */
function updates(): Uint8Array[] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.clientID = 11;
  b.clientID = 22;
  a.getText("t").insert(0, "hello world");
  const first = Y.encodeStateAsUpdate(a);
  Y.applyUpdate(b, first);
  const before = Y.encodeStateVector(a);
  a.getMap("m").set("k", "v");
  a.getText("t").delete(0, 5);
  const edit = Y.encodeStateAsUpdate(a, before);
  b.getText("t").insert(0, "ab");
  const fromB = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  // Two updates of one client with a gap between them merge into one with a skip.
  const c = new Y.Doc();
  c.clientID = 33;
  const updatesOfC: Uint8Array[] = [];
  c.on("update", (u: Uint8Array) => updatesOfC.push(u));
  c.getText("t").insert(0, "x");
  c.getText("t").insert(1, "y");
  c.getText("t").insert(2, "z");
  const withSkip = Y.mergeUpdates([updatesOfC[0]!, updatesOfC[2]!]);
  return [first, edit, fromB, Y.mergeUpdates([edit, fromB]), withSkip];
}

describe("decoded updates", () => {
  it("finds each client's end clock as Yjs's own metadata does", () => {
    for (const update of updates()) expect(endClocks(update)).toEqual(Y.parseUpdateMeta(update).to);
  });

  it("decodes an update once, and each update apart", () => {
    const [one, two] = updates();
    expect(decodeUpdate(one!)).toBe(decodeUpdate(one!));
    expect(decodeUpdate(two!)).not.toBe(decodeUpdate(one!));
    expect(decodeUpdate(new Uint8Array(one!))).not.toBe(decodeUpdate(one!));
    const kept = decodeUpdate(one!);
    forgetDecoded(one!);
    expect(decodeUpdate(one!)).not.toBe(kept);
    expect(decodeUpdate(one!)).toEqual(kept);
  });

  it("decodes a large update a slice per turn, to what decoding it whole gives, and keeps it for later readers", async () => {
    const client = new Y.Doc();
    client.transact(() => {
      for (let i = 0; i < 3_000; i++) createAnnotation(client, { kind: "comment", authorId: "a", body: `${i} ${"offline ".repeat(60)}` });
    });
    const update = Y.encodeStateAsUpdate(client);
    let turns = 0;
    let counting = true;
    const count = () => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await decodeInTurns(update);
    counting = false;
    const whole = Y.decodeUpdate(update);
    const sliced = decodeUpdate(update);
    expect(sliced.structs.length).toBe(whole.structs.length);
    expect(sliced.structs.map((s) => `${s.id.client}:${s.id.clock}:${s.length}`)).toEqual(whole.structs.map((s) => `${s.id.client}:${s.id.clock}:${s.length}`));
    expect(turns).toBeGreaterThan(1);
    forgetDecoded(update);
    await expect(decodeInTurns(update.subarray(0, update.length - 100))).rejects.toBeInstanceOf(UnreadableUpdate);
  });
});
