import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../logger.ts";
import { actor, alice, bob } from "../authorize/authorize-testing.ts";
import { received, room } from "./connection-testing.ts";
import { type Judged, MAX_TAKEN_AT_ONCE, judgeTaken, judgedTaken, oneOfFew, stillHolds } from "./large-update.ts";
import { ackMessage, updateMessage } from "./messages.ts";
import { applyStep2 } from "./step2.ts";
import { LARGE_UPDATE_BYTES } from "./update-pieces.ts";
import { SETTLED } from "../../../test/support/settled.ts";


const carol = "c0000000-0000-4000-a000-00000000000c";

/** One client transaction of `n` comments by `authorId`, the last one by `lastBy`. */
function comments(n: number, authorId: string, lastBy = authorId) {
  const client = new Y.Doc();
  client.transact(() => {
    for (let i = 0; i < n; i++) createAnnotation(client, { kind: "comment", authorId: i === n - 1 ? lastBy : authorId, body: `${i} `.padEnd(200, "x") });
  });
  const update = Y.encodeStateAsUpdate(client);
  expect(update.byteLength).toBeGreaterThan(LARGE_UPDATE_BYTES);
  return update;
}


const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The annotations of `authorId` in `doc`. */
const by = (doc: Y.Doc, authorId: string) => [...annotationsOf(doc).values()].filter((map) => map.get("authorId") === authorId).length;

/**
 * A large update is judged a slice per turn of the event loop and applied a
 * piece per turn (large-update.ts, update-pieces.ts), so that the other
 * sockets of the process are served in between; on its document, other
 * writers go on meanwhile, and each piece left is judged again against what
 * it lands on once they changed it.
 */
describe("a large update", () => {
  it("is taken over many turns, in pieces that others receive as they land", async () => {
    const { live, stored, join } = room("article:large-1");
    const writer = join(actor(alice, "annotator"), true);
    const watcher = join(actor(bob, "viewer"));
    const other = join(actor(carol, "annotator"));

    writer.connection.receive(updateMessage(comments(800, alice)));
    // Not judged in the turn that received it.
    expect(annotationsOf(live.doc).size).toBe(0);

    let turns = 0;
    const sizes = new Set<number>();
    while (annotationsOf(live.doc).size < 800) {
      await nextTurn();
      turns++;
      sizes.add(annotationsOf(live.doc).size);
    }
    // Judged over several turns, then landed in several pieces, each stored as it was applied.
    expect(stored.length).toBeGreaterThan(3);
    expect(turns).toBeGreaterThan(stored.length);
    expect([...sizes].filter((n) => n > 0 && n < 800).length).toBeGreaterThan(1);
    const last = new Y.Doc();
    for (const update of stored) Y.applyUpdate(last, update);
    expect(annotationsOf(last).size).toBe(800);
    await vi.waitFor(() => expect(annotationsOf(received(watcher.sent)).size).toBe(800), SETTLED);
    await vi.waitFor(() => expect(writer.sent).toContainEqual(ackMessage(1)), SETTLED);
    expect([writer.closes, watcher.closes, other.closes]).toEqual([[], [], []]);
    live.destroy();
  });

  it("lets another member's update in while its pieces go in: peers have it before the large one is whole", async () => {
    const { live, join } = room("article:large-interleaved");
    const writer = join(actor(alice, "annotator"), true);
    const watcher = join(actor(bob, "viewer"));
    const other = join(actor(carol, "annotator"), true);

    writer.connection.receive(updateMessage(comments(800, alice)));
    // Carol writes once the first of alice's pieces is in, so that hers comes while the rest go in.
    while (annotationsOf(live.doc).size === 0) await nextTurn();
    const small = new Y.Doc();
    const carols = createAnnotation(small, { kind: "comment", authorId: carol, body: "sent while the large update goes in" });
    other.connection.receive(updateMessage(Y.encodeStateAsUpdate(small)));
    // A server-side write (hub.change waits for this) is not held up either.
    await live.whenFree();
    expect(by(live.doc, alice)).toBeLessThan(800);

    // The watcher has carol's annotation while alice's are still arriving.
    let alicesThen = -1;
    while (alicesThen < 0) {
      await nextTurn();
      const seen = received(watcher.sent);
      if (annotationsOf(seen).has(carols)) alicesThen = by(seen, alice);
    }
    expect(alicesThen).toBeLessThan(800);
    await vi.waitFor(() => expect(annotationsOf(received(watcher.sent)).size).toBe(801), SETTLED);
    await vi.waitFor(() => expect([writer.sent, other.sent]).toEqual([expect.arrayContaining([ackMessage(1)]), expect.arrayContaining([ackMessage(1)])]), SETTLED);
    expect([writer.closes, watcher.closes, other.closes]).toEqual([[], [], []]);
    live.destroy();
  });

  it("has each piece left judged against what others wrote meanwhile: the first it may no longer make is refused", async () => {
    const { live, join } = room("article:large-overtaken");
    const writer = join(actor(alice, "annotator"));
    const other = join(actor(carol, "annotator"));
    const update = comments(800, alice);
    const late = [...annotationsOf(decoded(update)).keys()][700]!;

    writer.connection.receive(updateMessage(update));
    while (annotationsOf(live.doc).size === 0) await nextTurn();
    // Carol takes the id of one of alice's annotations that has not gone in yet.
    const small = new Y.Doc();
    createAnnotation(small, { id: late, kind: "comment", authorId: carol, body: "mine first" });
    other.connection.receive(updateMessage(Y.encodeStateAsUpdate(small)));
    await vi.waitFor(() => expect(writer.closes).toHaveLength(1), SETTLED);
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(annotationsOf(live.doc).get(late)!.get("authorId")).toBe(carol);
    expect(by(live.doc, alice)).toBeLessThan(700);
    expect(other.closes).toEqual([]);
    live.destroy();
  });

  it("takes one of few bytes that edits many annotations in turns too, stored in pieces of a few hundred annotations", async () => {
    const { live, stored, join } = room("article:large-edits");
    const writer = join(actor(alice, "annotator"));
    const client = new Y.Doc();
    client.transact(() => {
      for (let i = 0; i < 1_000; i++) createAnnotation(client, { kind: "comment", authorId: alice, body: `${i} `.padEnd(50, "x") });
    });
    writer.connection.receive(updateMessage(Y.encodeStateAsUpdate(client)));
    await vi.waitFor(() => expect(annotationsOf(live.doc).size).toBe(1_000), SETTLED);
    const created = stored.length;
    const edits: Uint8Array[] = [];
    client.on("update", (update: Uint8Array) => edits.push(update));
    client.transact(() => {
      for (const [, map] of annotationsOf(client)) (map.get("body") as Y.Text).insert(0, "edited ");
    });
    expect(edits[0]!.byteLength).toBeLessThan(LARGE_UPDATE_BYTES);
    writer.connection.receive(updateMessage(edits[0]!));
    // Not judged in the turn that received it.
    const edited = () => [...annotationsOf(live.doc).values()].filter((map) => String(map.get("body")).startsWith("edited ")).length;
    expect(edited()).toBe(0);
    await vi.waitFor(() => expect(edited()).toBe(1_000), SETTLED);
    const pieces = stored.slice(created);
    expect(pieces.length).toBeGreaterThanOrEqual(5);
    for (const piece of pieces) expect(Y.decodeUpdate(piece).structs.length).toBeLessThanOrEqual(200);
    expect(writer.closes).toEqual([]);
    live.destroy();
  });

  it("keeps others' updates waiting, while it holds them out, only up to a bound in bytes: a socket that sends more meanwhile is closed with 4529", async () => {
    const { live, join } = room("article:large-6");
    const writer = join(actor(alice, "annotator"));
    const flooder = join(actor(carol, "annotator"));
    const patient = join(actor(bob, "annotator"));
    writer.connection.receive(updateMessage(comments(800, alice)));
    // As while a large update is judged again whole (update-lane.ts).
    let release = () => {};
    void live.lane.holdingOthers(() => new Promise<void>((resolve) => (release = resolve)));
    expect(live.isBusy).toBe(true);
    // Full frames that would need the document: they wait, and nine of them are more than a socket may keep.
    for (let i = 0; i < 9; i++) flooder.connection.receive(updateMessage(new Uint8Array(1_000_000)));
    expect(flooder.closes).toEqual([SYNC_CLOSE_CODES.busy]);
    const small = new Y.Doc();
    const bobs = createAnnotation(small, { kind: "comment", authorId: bob, body: "waits its turn" });
    patient.connection.receive(updateMessage(Y.encodeStateAsUpdate(small)));
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(annotationsOf(live.doc).has(bobs)).toBe(false);
    release();
    await vi.waitFor(() => expect(annotationsOf(live.doc).size).toBe(801), SETTLED);
    expect([writer.closes, patient.closes]).toEqual([[], []]);
    live.destroy();
  });

  it("is refused whole, with 4403, when its last annotation breaks a rule: nothing of it is applied or stored", async () => {
    const { live, stored, join } = room("article:large-2");
    const writer = join(actor(alice, "annotator"));
    writer.connection.receive(updateMessage(comments(800, alice, bob)));
    await vi.waitFor(() => expect(writer.closes).toEqual([SYNC_CLOSE_CODES.forbidden]), SETTLED);
    await live.whenFree();
    expect(annotationsOf(live.doc).size).toBe(0);
    expect(stored).toEqual([]);
    live.destroy();
  });

  it("waits, when it builds on content never sent, without being judged again at each change, and is taken once that content comes", async () => {
    const { live, join } = room("article:large-5");
    const writer = join(actor(alice, "annotator"));
    const other = join(actor(carol, "annotator"));
    const client = new Y.Doc();
    const first = createAnnotation(client, { kind: "comment", authorId: alice, body: "sent last" });
    const missing = Y.encodeStateAsUpdate(client);
    const before = Y.encodeStateVector(client);
    client.transact(() => {
      (annotationsOf(client).get(first)!.get("body") as Y.Text).insert(0, "edited, ");
      for (let i = 0; i < 800; i++) createAnnotation(client, { kind: "comment", authorId: alice, body: `${i} `.padEnd(200, "x") });
    });
    writer.connection.receive(updateMessage(Y.encodeStateAsUpdate(client, before)));
    await vi.waitFor(() => expect(live.lane.busy).toBe(false), SETTLED);
    expect(annotationsOf(live.doc).size).toBe(0);

    // Others' writes change the document, but bring nothing it waits for: it is not judged again.
    for (let i = 0; i < 3; i++) {
      const small = new Y.Doc();
      createAnnotation(small, { kind: "comment", authorId: carol, body: `carol ${i}` });
      other.connection.receive(updateMessage(Y.encodeStateAsUpdate(small)));
      await nextTurn();
      await nextTurn();
      expect(live.lane.busy).toBe(false);
    }
    // Taken in the lane, in turns; not necessarily in this turn: on a loaded host the writer's share of the
    // loop may be spent, and its messages wait for the next (loop-budget.ts).
    const lane = vi.spyOn(live.lane, "run");
    writer.connection.receive(updateMessage(missing));
    await vi.waitFor(() => expect(annotationsOf(live.doc).size).toBe(804), SETTLED);
    expect(lane).toHaveBeenCalled();
    expect(String(annotationsOf(live.doc).get(first)!.get("body"))).toBe("edited, sent last");
    expect([writer.closes, other.closes]).toEqual([[], []]);
    live.destroy();
  });

  it("stops applying its pieces once the sender loses the role it was judged under", async () => {
    const { live, stored, join } = room("article:large-demoted");
    const writer = join(actor(alice, "annotator"));
    const update = comments(1_300, alice);
    // Demoted as soon as its first piece is in, which is after the whole of it was judged.
    live.doc.once("update", () => writer.connection.updateActor({ role: "viewer" }));
    writer.connection.receive(updateMessage(update));
    await vi.waitFor(() => expect(writer.closes).toEqual([SYNC_CLOSE_CODES.forbidden]), SETTLED);
    const applied = annotationsOf(live.doc).size;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(1_300);
    expect(stored.length).toBeGreaterThan(0);
    live.destroy();
  });

  it("is judged again when the document or the sender's role changed while it was judged", async () => {
    const { live } = room("article:large-4");
    const update = comments(300, alice);
    const annotator = actor(alice, "annotator");
    expect(await judgeTaken(live, update, () => annotator, () => {})).toMatchObject({ ok: true });

    // Made a viewer after the judgement began.
    let asked = 0;
    const demoted = actor(alice, "viewer");
    expect(await judgeTaken(live, update, () => (asked++ === 0 ? annotator : demoted), () => {})).toMatchObject({ ok: false });

    // Another writer took one of its annotation ids meanwhile (the lane does not hold other writers back): refused,
    // or, if the judgement had passed that annotation, approved under the change count it began at, which no
    // longer holds, so that each piece is judged again as it goes in.
    const taken = [...annotationsOf(decoded(update)).keys()][150]!;
    let changed = false;
    const judged = await judgedTaken(live, update, () => annotator, () => {
      if (changed) return;
      changed = true;
      void live.change({ userId: null }, (doc) => createAnnotation(doc, { id: taken, kind: "comment", authorId: bob, body: "mine" }));
    });
    if (judged.verdict.ok) expect(stillHolds(live, judged, annotator)).toBeNull();
    else expect(judged.verdict).toMatchObject({ ok: false });
    live.destroy();
  });
});

/**
 * A sync step 2 is judged whole first, to decide whether it must be split
 * (step2.ts); when it need not be, that verdict is the one it is applied
 * under, unless the document or the sender changed in between.
 */
describe("a sync step 2 applied whole", () => {
  it.each([
    ["small", 3],
    ["large", 300],
  ])("is applied under the verdict that judged it whole (%s), which still holds", async (_size, n) => {
    const { live } = room(`article:step2-${n}`);
    const annotator = actor(alice, "annotator");
    const given: Array<{ update: Uint8Array; held: boolean }> = [];
    const sender = {
      live,
      actor: annotator,
      presence: new Set<number>(),
      logger: createLogger("silent"),
      apply: (update: Uint8Array, judged: Judged) => {
        given.push({ update, held: stillHolds(live, judged, annotator)?.ok === true });
        return live.apply(update, { userId: alice });
      },
      refuse: () => expect.unreachable("refused"),
    };
    const step2 = n > 100 ? comments(n, alice) : Y.encodeStateAsUpdate(decodedComments(n));
    await applyStep2(sender, step2);
    expect(given).toEqual([{ update: step2, held: true }]);
    expect(annotationsOf(live.doc).size).toBe(n);
    live.destroy();
  });

  it("has its verdict given again once the document or the sender changed", async () => {
    const { live } = room("article:step2-changed");
    const annotator = actor(alice, "annotator");
    const judged = await judgedTaken(live, comments(300, alice), () => annotator, () => {});
    expect(stillHolds(live, judged, annotator)).toMatchObject({ ok: true });
    expect(stillHolds(live, judged, actor(alice, "annotator"))).toBeNull();
    await live.change({ userId: null }, (doc) => createAnnotation(doc, { kind: "comment", authorId: bob, body: "meanwhile" }));
    expect(stillHolds(live, judged, annotator)).toBeNull();
    live.destroy();
  });
});

function decodedComments(n: number): Y.Doc {
  const doc = new Y.Doc();
  for (let i = 0; i < n; i++) createAnnotation(doc, { kind: "comment", authorId: alice, body: `small ${i}` });
  return doc;
}

function decoded(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

describe("large updates across the process", () => {
  it("are taken a few at a time, each waiting one starting as another ends, every one of them in the end", async () => {
    let running = 0;
    let most = 0;
    const ends: Array<() => void> = [];
    const done: number[] = [];
    const start = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        oneOfFew(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise<void>((resolve) => ends.push(resolve));
          running--;
          done.push(i);
        }),
      );
    const all = start(MAX_TAKEN_AT_ONCE + 3);
    await nextTurn();
    expect(running).toBe(MAX_TAKEN_AT_ONCE);
    // Each one that ends lets the next in, until none waits.
    while (done.length < all.length) {
      ends.shift()!();
      await nextTurn();
    }
    await Promise.all(all);
    expect(most).toBe(MAX_TAKEN_AT_ONCE);
    expect(done).toEqual(all.map((_, i) => i));

    // A failure gives its place back: as many as ever run at once after it.
    await expect(oneOfFew(() => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    running = 0;
    const again = start(MAX_TAKEN_AT_ONCE);
    await nextTurn();
    expect(running).toBe(MAX_TAKEN_AT_ONCE);
    for (const end of ends.splice(0)) end();
    await Promise.all(again);
  });
});
