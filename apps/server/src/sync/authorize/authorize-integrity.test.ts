import { randomUUID } from "node:crypto";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import {
  annotationsOf,
  createAnnotation,
  itemAt,
  notesOf,
  setVote,
  updateAnnotation,
  votesOf,
} from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { Corpus } from "../../../test/reliability/support/frames.ts";
import { crafted } from "../../../test/support/crafted-update.ts";
import { seeded } from "../../../test/support/seed.ts";
import { MAX_CLOCK, authorizeUpdate } from "./authorize.ts";
import { GONE, Locator, MISSING } from "../validate/locate.ts";
import { actor, alice, updateFrom } from "./authorize-testing.ts";

/** A server holding one annotation, and a fuzzing corpus written against it (frames.ts). */
function corpusAgainst(name: string) {
  const rng = seeded(name);
  const corpus = new Corpus(rng, alice);
  const server = new Y.Doc();
  server.clientID = rng.clientId();
  createAnnotation(server, { id: rng.uuid(), kind: "comment", authorId: alice, body: "First!" });
  corpus.refresh(server);
  return { rng, corpus, server };
}

/** An update of one item, `id`, placed after `origin`, as a crafted client would write it: no other struct and no deletions. */
function oneItem(id: Y.ID, origin: Y.ID, content: Y.ContentString | Y.ContentAny): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoder.writeClient(id.client);
  encoding.writeVarUint(encoder.restEncoder, id.clock);
  new Y.Item(id, null, origin, null, null, null, null, content).write(encoder, 0);
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}

describe("authorizeUpdate: content the server does not have yet", () => {
  it("holds an item whose clock starts past what the server has from its client", () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    const updates: Uint8Array[] = [];
    client.on("update", (u: Uint8Array) => updates.push(u));
    setVote(client, randomUUID(), alice, "agree");
    setVote(client, randomUUID(), alice, "disagree");
    // The second vote alone leaves a gap in alice's clocks: Yjs would keep it pending, not apply it.
    expect(authorizeUpdate(server, updates[1]!, actor(alice, "annotator"))).toMatchObject({ ok: false, missing: true });
    expect(authorizeUpdate(server, Y.mergeUpdates(updates), actor(alice, "annotator"))).toMatchObject({ ok: true });
  });

  it("holds, not refuses, a status changed right after reconnecting, before the offline work it follows arrives", () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    const id = createAnnotation(client, { kind: "factcheck", authorId: alice, body: "claim", status: "pending", factcheck: { claim: "c", verdict: "false", sources: [] } });
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
    const updates: Uint8Array[] = [];
    client.on("update", (u: Uint8Array) => updates.push(u));
    createAnnotation(client, { kind: "comment", authorId: alice, body: "written offline" });
    updateAnnotation(client, id, { status: "draft" });
    // The status change overwrites the old status and updatedAt; its new items follow a gap in alice's
    // clocks, and without them the deletions alone would read as emptying both fields (a pending
    // fact-check's empty status reads as published).
    const statusChange = updates[1]!;
    expect(authorizeUpdate(server, statusChange, actor(alice, "annotator"))).toMatchObject({ ok: false, missing: true });
    Y.applyUpdate(server, updates[0]!);
    expect(authorizeUpdate(server, statusChange, actor(alice, "annotator"))).toMatchObject({ ok: true });
    // A held item that follows another field does not cover a status deleted beside it: refused, not held.
    Y.applyUpdate(server, statusChange);
    const later: Uint8Array[] = [];
    client.on("update", (u: Uint8Array) => later.push(u));
    createAnnotation(client, { kind: "comment", authorId: alice, body: "offline again" });
    client.transact(() => {
      const map = annotationsOf(client).get(id)!;
      map.delete("status");
      map.set("tags", ["context"]);
    });
    const verdict = authorizeUpdate(server, later[1]!, actor(alice, "annotator"));
    expect(verdict).toMatchObject({ ok: false });
    expect(verdict).not.toHaveProperty("missing", true);
  });

  it("holds an insertion whose right neighbour the server has not received", () => {
    const server = new Y.Doc();
    notesOf(server).insert(0, "ac");
    const ahead = new Y.Doc();
    Y.applyUpdate(ahead, Y.encodeStateAsUpdate(server));
    notesOf(ahead).insert(2, "X"); // never reaches the server
    const update = updateFrom(ahead, (c) => notesOf(c).insert(2, "b")); // between the server's "c" and the unknown "X"
    expect(authorizeUpdate(server, update, actor(alice, "annotator"))).toMatchObject({ ok: false, missing: true });
  });
});

describe("authorizeUpdate: what it approves, Yjs integrates whole", () => {
  /** Judges `candidate` as alice, an annotator, and checks that Yjs leaves nothing of an approved one pending. */
  function judgedWhole(server: Y.Doc, candidate: Uint8Array, label: string): "whole" | "refused" | "held" {
    const verdict = authorizeUpdate(server, candidate, actor(alice, "annotator"));
    if (!verdict.ok) return verdict.missing ? "held" : "refused";
    // Where each new item was judged to go, read before it is applied.
    const { structs } = Y.decodeUpdate(candidate);
    const judged = new Locator(server, structs.filter((s): s is Y.Item => s instanceof Y.Item), structs.filter((s): s is Y.GC => s instanceof Y.GC));
    const fresh = structs.filter((s): s is Y.Item => s instanceof Y.Item && s.id.clock + s.length > Y.getState(server.store, s.id.client));
    const places = fresh.map((item) => ({ at: Y.createID(item.id.client, Math.max(item.id.clock, Y.getState(server.store, item.id.client))), where: judged.locate(item) }));
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    try {
      Y.applyUpdate(copy, candidate);
    } catch {
      return "whole"; // Yjs refusing to read it is a failed apply, which the connection turns into 4400
    }
    expect(copy.store.pendingStructs, label).toBeNull();
    expect(copy.store.pendingDs, label).toBeNull();
    // Each new item sits where it was judged to go, unless Yjs dropped it (an edit inside something deleted).
    const actual = new Locator(copy, []);
    for (const { at, where } of places) {
      const landed = actual.liveStructAt(at);
      if (!(landed instanceof Y.Item) || !where || where === GONE || where === MISSING) continue;
      expect(actual.locate(landed), `${label}: ${at.client}:${at.clock}`).toEqual(where);
    }
    // Integrated where it was judged: the document reads the same once encoded and loaded again, as every
    // client that receives it and every later load of it do.
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(copy));
    expect(readBack(reloaded), label).toEqual(readBack(copy));
    return "whole";
  }

  /** Every annotation, vote and the notes, with the lengths each text counts. */
  function readBack(doc: Y.Doc) {
    const texts = Object.fromEntries(
      [...annotationsOf(doc)].map(([id, map]) => {
        const body = map.get("body");
        return [id, body instanceof Y.Text ? [body.toString(), body.length] : null];
      }),
    );
    return { annotations: annotationsOf(doc).toJSON(), texts, votes: votesOf(doc).toJSON(), notes: [notesOf(doc).toString(), notesOf(doc).length] };
  }

  /** An update that lists `client` twice: its first structs in one block, its later ones in another. */
  function listedTwice(first: Uint8Array, second: Uint8Array): Uint8Array {
    // v1 updates of one client: [1 block, …block…, 0 deletions]. Joined as two blocks of the same client.
    expect(first[0]).toBe(1);
    expect(second[0]).toBe(1);
    return new Uint8Array([2, ...first.subarray(1, -1), ...second.subarray(1, -1), 0]);
  }

  it("refuses an update that lists a client in two blocks (Yjs keeps the last and sets it aside as pending)", () => {
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on("update", (u: Uint8Array) => updates.push(u));
    notesOf(writer).insert(0, "abc");
    notesOf(writer).insert(3, "def");
    const update = listedTwice(updates[0]!, updates[1]!);
    const server = new Y.Doc();
    expect(authorizeUpdate(server, update, actor(alice, "owner"))).toMatchObject({ ok: false, reason: expect.stringMatching(/more than once/) });
    // Why it matters: applied, the second block waits for the first forever.
    Y.applyUpdate(server, update);
    expect(server.store.pendingStructs).not.toBeNull();
    // Either block alone, and both merged by Yjs, are fine.
    for (const good of [updates[0]!, Y.mergeUpdates(updates)]) expect(authorizeUpdate(new Y.Doc(), good, actor(alice, "owner"))).toMatchObject({ ok: true });
  });

  it("refuses a block that declares no structs, which would erase an earlier block of its client", () => {
    const writer = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    writer.on("update", (u: Uint8Array) => (update = u));
    notesOf(writer).insert(0, "abc");
    const clientBytes = update.subarray(2, update.indexOf(0, 2) + 1); // [1, n, client…, clock 0, …]
    const emptyBlock = new Uint8Array([0, ...clientBytes]);
    const crafted = new Uint8Array([2, ...update.subarray(1, -1), ...emptyBlock, 0]);
    expect(authorizeUpdate(new Y.Doc(), crafted, actor(alice, "owner"))).toMatchObject({ ok: false, reason: expect.stringMatching(/more than once|no structs|malformed/) });
  });

  it("refuses a struct of length 0, which Yjs integrates (and holds, when its origin is unknown) although it adds no clock", () => {
    // Found by the property below (seed 3): an empty string whose origin is a client the server never saw.
    const crafted = Buffer.from("AQK1l6K4BACEngHcttvXAwAEAQVub3Rlcwpub3RlIFFRUVEgAA==", "base64");
    expect(Y.decodeUpdate(crafted).structs[0]!.length).toBe(0);
    const server = new Y.Doc();
    expect(authorizeUpdate(server, crafted, actor(alice, "owner"))).toMatchObject({ ok: false, reason: expect.stringMatching(/empty struct/) });
    Y.applyUpdate(server, crafted);
    expect(server.store.pendingStructs).not.toBeNull();
  });

  it("refuses clocks past MAX_CLOCK, in structs or deletions: past 2^53 no copy of the document reads back", () => {
    /** One client's structs of deleted content (GC), from clock 0, and a delete set. */
    const gcUpdate = (lengths: number[], deletions: Array<[number, number]> = []) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarUint(encoder, lengths.length);
      encoding.writeVarUint(encoder, 4242);
      encoding.writeVarUint(encoder, 0);
      for (const length of lengths) {
        encoding.writeUint8(encoder, 0);
        encoding.writeVarUint(encoder, length);
      }
      encoding.writeVarUint(encoder, deletions.length ? 1 : 0);
      if (deletions.length) {
        encoding.writeVarUint(encoder, 4242);
        encoding.writeVarUint(encoder, deletions.length);
        for (const [clock, len] of deletions) {
          encoding.writeVarUint(encoder, clock);
          encoding.writeVarUint(encoder, len);
        }
      }
      return encoding.toUint8Array(encoder);
    };
    const server = new Y.Doc();
    // Clocks each of which reads as a number, whose sum does not.
    const poison = gcUpdate([2 ** 55, 2 ** 55, 2 ** 54]);
    expect(authorizeUpdate(server, poison, actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/clocks run past/) });
    expect(authorizeUpdate(server, gcUpdate([MAX_CLOCK + 1]), actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/clocks run past/) });
    expect(authorizeUpdate(server, gcUpdate([3], [[0, 2 ** 40]]), actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/clocks run past/) });
    // Applied anyway, the state no longer decodes: what the refusal spares every later reader.
    const applied = new Y.Doc();
    Y.applyUpdate(applied, poison);
    expect(() => Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(applied))).toThrow();
  });

  it("never approves, among mutated and recombined updates, one that Yjs would set aside", () => {
    const { rng, corpus, server } = corpusAgainst("authorize: integrates whole");
    const approved = { whole: 0, refused: 0, held: 0 };
    for (let i = 0; i < 3_000; i++) {
      const base = rng.pick(corpus.updates);
      const other = rng.pick(corpus.updates);
      const candidate = [
        () => corpus.mutate(base),
        () => Y.mergeUpdates([base, other]),
        () => corpus.mutate(Y.mergeUpdates([base, other])),
        // Blocks joined by hand, as a crafted update would: the same client twice, or two clients.
        () => new Uint8Array([base[0]! + other[0]!, ...base.subarray(1, -1), ...other.subarray(1)]),
        () => new Uint8Array([2 * base[0]!, ...base.subarray(1, -1), ...corpus.mutate(base).subarray(1)]),
      ][i % 5]!();
      approved[judgedWhole(server, candidate, `seed ${rng.seed}, case ${i}`)]++;
    }
    expect(approved.whole, `seed ${rng.seed}`).toBeGreaterThan(100);
  });

  it("refuses a struct it already has, sent again naming content it lacks (Yjs would set it and its client's later structs aside)", () => {
    const writer = new Y.Doc({ gc: false });
    const id = createAnnotation(writer, { kind: "comment", authorId: alice, body: "mine" });
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(writer));
    const since = Y.encodeStateVector(writer);
    updateAnnotation(writer, id, { tags: ["later"] }); // fresh, and allowed
    // Every struct of the writer again, the one holding `kind` now placed after a client's clock 7 that nobody sent.
    const kindClock = itemAt(annotationsOf(writer).get(id)!, "kind")!.id.clock;
    const unknown = Y.createID(writer.clientID + 128, 7);
    const update = crafted(writer, new Uint8Array([0]), new Map([[kindClock, { origin: unknown }]]));
    expect(Y.decodeUpdate(update).structs.some((s) => s.id.clock >= Y.getState(server.store, writer.clientID))).toBe(true);

    expect(authorizeUpdate(server, update, actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/repeats content/) });
    // Why: applied, the repeated struct waits for the unknown client, and the fresh edit after it waits too.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(copy, update);
    expect(copy.store.pendingStructs?.missing.get(unknown.client)).toBe(0);
    expect(Y.getState(copy.store, writer.clientID)).toBe(Y.getState(server.store, writer.clientID));
    // The same repeat with its real origin changes nothing, and the edit after it is approved.
    expect(authorizeUpdate(server, Y.encodeStateAsUpdate(writer), actor(alice, "annotator"))).toMatchObject({ ok: true, empty: false });
    expect(authorizeUpdate(server, Y.encodeStateAsUpdate(writer, since), actor(alice, "annotator"))).toMatchObject({ ok: true });
  });

  it("refuses an item that starts inside what the server has from its client (Yjs would place its rest after that client's last struct)", () => {
    const writer = new Y.Doc();
    const id = createAnnotation(writer, { kind: "comment", authorId: alice, body: "mine" });
    notesOf(writer).insert(0, "abc"); // the writer's last structs: in the notes
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(writer));
    const state = Y.getState(server.store, writer.clientID);
    const body = annotationsOf(server).get(id)!.get("body") as Y.Text;
    let bodyEnd = body._start as Y.Item;
    while (bodyEnd.right) bodyEnd = bodyEnd.right as Y.Item;
    // Typing at the end of the body, as the writer's own annotation allows, but from two clocks back.
    const update = oneItem(Y.createID(writer.clientID, state - 2), bodyEnd.lastId, new Y.ContentString("xxZZZ"));

    expect(authorizeUpdate(server, update, actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/overlaps/) });
    // Why: Yjs puts the new part in the notes, after the writer's last struct, while the body counts it.
    Y.applyUpdate(server, update);
    expect([body.toString(), notesOf(server).toString()]).toEqual(["mine", "abcZZZ"]);
    expect(body.length).toBe("mine".length + 3);
  });

  it("takes a step 2 that starts inside what it has when the rest continues in the same text (it raced its writer's own update)", () => {
    const writer = new Y.Doc();
    const id = createAnnotation(writer, { kind: "comment", authorId: alice, body: "mine" });
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(writer));
    const asked = Y.encodeStateVector(server); // the server's step 1, sent when the writer reconnected
    const body = annotationsOf(writer).get(id)!.get("body") as Y.Text;
    const before = Y.encodeStateVector(writer);
    body.insert(body.length, " he");
    Y.applyUpdate(server, Y.encodeStateAsUpdate(writer, before)); // reaches the server after its step 1
    body.insert(body.length, "llo");
    const step2 = Y.encodeStateAsUpdate(writer, asked); // " hello" as one struct, from before the server's clock
    const [typed] = Y.decodeUpdate(step2).structs.filter((s) => s.id.client === writer.clientID);
    expect(typed!.id.clock).toBeLessThan(Y.getState(server.store, writer.clientID));

    expect(authorizeUpdate(server, step2, actor(alice, "annotator"))).toMatchObject({ ok: true });
    Y.applyUpdate(server, step2);
    expect((annotationsOf(server).get(id)!.get("body") as Y.Text).toString()).toBe("mine hello");
  });

  it("never approves an item that starts inside what it has and lands anywhere but where it names", () => {
    const rng = seeded("authorize: straddling items");
    const writer = new Y.Doc();
    writer.clientID = rng.clientId();
    const ids = Array.from({ length: 4 }, (_, i) => createAnnotation(writer, { kind: "comment", authorId: alice, body: `body ${i}` }));
    notesOf(writer).insert(0, "notes");
    updateAnnotation(writer, ids[1]!, { tags: ["t"] });
    (annotationsOf(writer).get(ids[2]!)!.get("body") as Y.Text).insert(0, "typed ");
    const server = new Y.Doc();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(writer));
    const client = writer.clientID;
    const state = Y.getState(server.store, client);
    const live = [...server.store.clients.values()].flat().filter((s): s is Y.Item => s instanceof Y.Item);
    // Half the time placed in the text that holds the writer's last struct, as an honest continuation is.
    const last = live.find((s) => s.id.client === client && s.id.clock + s.length === state)!;
    const sameText = live.filter((s) => s.parent === last.parent && s.parentSub === null);
    const verdicts = { whole: 0, refused: 0, held: 0 };
    for (let i = 0; i < 500; i++) {
      // From 1 to 6 clocks back, 1 to 6 clocks past, placed after any struct the server has.
      const back = 1 + rng.int(Math.min(6, state));
      const origin = rng.pick(rng.chance(0.5) ? sameText : live);
      const content = rng.chance(0.5) ? new Y.ContentString("z".repeat(back + 1 + rng.int(6))) : new Y.ContentAny(Array.from({ length: back + 1 }, () => "v"));
      const update = oneItem(Y.createID(client, state - back), Y.createID(origin.id.client, origin.id.clock + rng.int(origin.length)), content);
      verdicts[judgedWhole(server, update, `seed ${rng.seed}, case ${i}`)]++;
    }
    expect(verdicts.whole, `seed ${rng.seed}`).toBeGreaterThan(10);
    expect(verdicts.refused, `seed ${rng.seed}`).toBeGreaterThan(10);
  });

  it("never approves, among mutated copies of updates it already has, one that Yjs would set aside", () => {
    const { rng, corpus, server } = corpusAgainst("authorize: repeats integrate whole");
    // The server takes every update of the corpus it may: mutations of those repeat what it has.
    const taken = corpus.updates.filter((u) => authorizeUpdate(server, u, actor(alice, "annotator")).ok);
    for (const u of taken) Y.applyUpdate(server, u);
    expect(taken.length, `seed ${rng.seed}`).toBeGreaterThan(3);
    const verdicts = { whole: 0, refused: 0, held: 0 };
    for (let i = 0; i < 3_000; i++) verdicts[judgedWhole(server, corpus.mutate(rng.pick(taken)), `seed ${rng.seed}, case ${i}`)]++;
    expect(verdicts.whole, `seed ${rng.seed}`).toBeGreaterThan(100);
    expect(verdicts.refused, `seed ${rng.seed}`).toBeGreaterThan(100);
  });
});
