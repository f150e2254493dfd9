import * as Y from "yjs";
import {
  type AnnotationValue,
  annotationValueSchema,
  annotationsOf,
  createAnnotation,
  itemAt,
  readAnnotation,
  setVote,
  updateAnnotation,
  votesOf,
} from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { type Craft, crafted } from "../../../test/support/crafted-update.ts";
import { seeded } from "../../../test/support/seed.ts";
import { authorizeUpdate } from "./authorize.ts";
import { actor, alice, bob } from "./authorize-testing.ts";

/*
 * Map entries: in a Y.Map the rightmost item at a key is the value, so what
 * an update does to a field, an annotation or a vote follows from where its
 * items land, not from their order in the update (map-entries.ts). A deleted
 * item landing last removes the value; of two values, the one that lands
 * last is kept.
 */

/**
 * A server document with alice's and bob's annotations and votes, and a client in sync with it. `gc`:
 * whether the client replaces what it deleted with deleted content (Yjs's default) or keeps it.
 */
function setup(gc = true) {
  const server = new Y.Doc();
  const alicesComment = createAnnotation(server, { kind: "comment", authorId: alice, body: "alice's" });
  const alicesFactcheck = createAnnotation(server, {
    kind: "factcheck",
    authorId: alice,
    body: "claim",
    status: "pending",
    factcheck: { claim: "c", verdict: "false", sources: [] },
  });
  const bobsComment = createAnnotation(server, { kind: "comment", authorId: bob, body: "bob's" });
  setVote(server, alicesComment, alice, "agree");
  setVote(server, alicesComment, bob, "disagree");
  const client = new Y.Doc({ gc });
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return { server, client, since: Y.encodeStateVector(client), alicesComment, alicesFactcheck, bobsComment };
}

/** The clock of the item that holds `key` in `map` now. */
const clockAt = (map: Y.Map<any>, key: string) => itemAt(map, key)!.id.clock;

const bobInOpenGroup = actor(bob, "annotator");

describe("authorizeUpdate: map entries", () => {
  it("refuses deleted content at a key whose value is someone else's: an annotation or a vote", () => {
    const { server, client, since, alicesComment } = setup();
    const annotations = annotationsOf(client);
    client.transact(() => {
      annotations.set(alicesComment, "x" as never);
      annotations.delete(alicesComment);
    });
    // Without its delete set, the update still removes alice's comment: Yjs deletes what the item lands on.
    const removal = crafted(client, since, new Map(), []);
    expect(authorizeUpdate(server, removal, bobInOpenGroup)).toMatchObject({ ok: false, reason: expect.stringMatching(/your own/) });
    expect(authorizeUpdate(server, removal, actor(alice, "annotator"))).toMatchObject({ ok: true });
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(copy, removal);
    expect(annotationsOf(copy).has(alicesComment)).toBe(false);

    const { server: s2, client: c2, since: v2, alicesComment: target } = setup();
    c2.transact(() => {
      votesOf(c2).set(`${target}:${alice}`, "agree");
      votesOf(c2).delete(`${target}:${alice}`);
    });
    expect(authorizeUpdate(s2, crafted(c2, v2, new Map(), []), bobInOpenGroup)).toMatchObject({ ok: false, reason: expect.stringMatching(/own vote/) });
  });

  it("refuses a vote of two values, which a map would read as its second", () => {
    const { server, client, since, alicesComment } = setup();
    setVote(client, alicesComment, bob, "agree");
    const vote = clockAt(votesOf(client), `${alicesComment}:${bob}`);
    const update = crafted(client, since, new Map([[vote, { values: ["agree", "rigged"] }]]));
    expect(authorizeUpdate(server, update, bobInOpenGroup)).toMatchObject({ ok: false, reason: "a vote is agree or disagree" });
    Y.applyUpdate(server, update);
    expect(votesOf(server).get(`${alicesComment}:${bob}`)).toBe("rigged");
  });

  it("refuses an update that creates, removes and creates again under one id, whatever the second holds", () => {
    const { server, client, since } = setup();
    const id = createAnnotation(client, { kind: "comment", authorId: bob, body: "mine" });
    annotationsOf(client).delete(id);
    createAnnotation(client, { id, kind: "comment", authorId: alice, body: "signed by alice", status: "published" });
    const update = Y.encodeStateAsUpdate(client, since);
    expect(authorizeUpdate(server, update, bobInOpenGroup)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than once/) });
    // Why: applied, the second annotation stands, and the first one's removal passed for it.
    Y.applyUpdate(server, update);
    expect(readAnnotation(annotationsOf(server).get(id)!).authorId).toBe(alice);
  });

  it("judges a field left with no value as set to what it then reads as, whether deleted or landed on by deleted content", () => {
    const { server, client, since, alicesFactcheck } = setup();
    const map = annotationsOf(client).get(alicesFactcheck)!;
    map.delete("status"); // a pending fact-check with no status reads as published, which alice may not do
    expect(authorizeUpdate(server, Y.encodeStateAsUpdate(client, since), actor(alice, "annotator"))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/published/),
    });
    // Others' fields, not at all; her own updatedAt, which reads as 0, she may (a sync step 2 judged in
    // pieces sends that when the value after hers is another client's).
    const theirs = setup();
    annotationsOf(theirs.client).get(theirs.alicesComment)!.delete("updatedAt");
    const emptied = Y.encodeStateAsUpdate(theirs.client, theirs.since);
    expect(authorizeUpdate(theirs.server, emptied, bobInOpenGroup)).toMatchObject({ ok: false, reason: expect.stringMatching(/your own/) });
    expect(authorizeUpdate(theirs.server, emptied, actor(alice, "annotator"))).toMatchObject({ ok: true });

    const again = setup();
    const status = annotationsOf(again.client).get(again.alicesFactcheck)!;
    again.client.transact(() => {
      status.set("status", "pending");
      status.delete("status");
    });
    const landed = crafted(again.client, again.since, new Map(), []);
    expect(authorizeUpdate(again.server, landed, actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/published/) });
    Y.applyUpdate(again.server, landed);
    expect(readAnnotation(annotationsOf(again.server).get(again.alicesFactcheck)!).status).toBe("published");
  });

  it("refuses an annotation without its body: made without one, or its body removed; REST edits one anyway", () => {
    const { server, client, since, alicesComment } = setup();
    annotationsOf(client).get(alicesComment)!.delete("body");
    expect(authorizeUpdate(server, Y.encodeStateAsUpdate(client, since), actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/keeps its body/) });

    const fresh = setup();
    const bare = new Y.Map<unknown>();
    fresh.client.transact(() => {
      annotationsOf(fresh.client).set("bodiless", bare as never);
      for (const [key, value] of Object.entries({ id: "bodiless", kind: "comment", authorId: alice, createdAt: 1, updatedAt: 1, status: "published" })) bare.set(key, value);
    });
    expect(authorizeUpdate(fresh.server, Y.encodeStateAsUpdate(fresh.client, fresh.since), actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/has a body/) });

    // A document written before this rule may hold one: an edit of its body gives it one.
    Y.applyUpdate(fresh.server, Y.encodeStateAsUpdate(fresh.client, fresh.since));
    expect(updateAnnotation(fresh.server, "bodiless", { body: "now with words" })).toBe(true);
    expect(readAnnotation(annotationsOf(fresh.server).get("bodiless")!).body).toBe("now with words");
    // Deleting a whole annotation takes its body with it, and is no removal of the body.
    const whole = setup();
    annotationsOf(whole.client).delete(whole.alicesComment);
    expect(authorizeUpdate(whole.server, Y.encodeStateAsUpdate(whole.client, whole.since), actor(alice, "annotator"))).toMatchObject({ ok: true });
  });

  it("checks every value an update writes to a field, not only the last one it lists", () => {
    const { server, client, since, alicesFactcheck } = setup(false);
    // Below the server's id, so that an item of this client with no origin lands before the server's own.
    client.clientID = 1;
    const map = annotationsOf(client).get(alicesFactcheck)!;
    map.set("status", "published"); // alice may not publish her own fact-check
    const first = clockAt(map, "status");
    map.set("status", "pending");
    const second = clockAt(map, "status");
    // The second value placed with no origin lands before the first, which Yjs keeps (and no deletions
    // listed: with the first one's, the status would be left empty, refused as such).
    const update = crafted(client, since, new Map([[second, { origin: null }]]), []);
    expect(first).toBeLessThan(second);
    expect(authorizeUpdate(server, update, actor(alice, "annotator"))).toMatchObject({ ok: false, reason: expect.stringMatching(/published/) });
    Y.applyUpdate(server, update);
    expect(readAnnotation(annotationsOf(server).get(alicesFactcheck)!).status).toBe("published");
  });

  it("approves what honest clients send: edits made offline, a new annotation edited before sending, votes changed and withdrawn, deletions", () => {
    const honest: Array<(doc: Y.Doc, ids: ReturnType<typeof setup>) => void> = [
      (d, { bobsComment }) => {
        updateAnnotation(d, bobsComment, { tags: ["a"], body: "one" });
        updateAnnotation(d, bobsComment, { tags: ["b"], body: "two" });
      },
      (d) => {
        const id = createAnnotation(d, { kind: "comment", authorId: bob, body: "new" });
        updateAnnotation(d, id, { tags: ["x"] });
        updateAnnotation(d, id, { tags: ["y"], body: "newer" });
      },
      (d) => annotationsOf(d).delete(createAnnotation(d, { kind: "highlight", authorId: bob })),
      (d, { bobsComment }) => annotationsOf(d).delete(bobsComment),
      (d, { alicesComment }) => {
        setVote(d, alicesComment, bob, "agree");
        setVote(d, alicesComment, bob, null);
        setVote(d, alicesComment, bob, "disagree");
      },
      (d, { alicesComment }) => setVote(d, alicesComment, bob, null),
    ];
    for (const [i, edit] of honest.entries()) {
      const state = setup();
      edit(state.client, state);
      expect(authorizeUpdate(state.server, Y.encodeStateAsUpdate(state.client, state.since), bobInOpenGroup), `edit ${i}`).toMatchObject({ ok: true });
    }
  });

  it("never approves, among crafted placements and deletions, an update that changes what is not bob's or leaves a value invalid", () => {
    const rng = seeded("authorize: map entries");
    const tally = { approved: 0, refused: 0 };
    const values: unknown[] = ["d", 42, null, ["t"], "published", "draft", "hidden", alice, bob, true];
    const fields = ["status", "updatedAt", "tags", "body", "resolved", "authorId", "color"];
    for (let i = 0; i < 1_500; i++) {
      const state = setup(rng.chance(0.5));
      const { server, client, since } = state;
      const ids = [state.alicesComment, state.alicesFactcheck, state.bobsComment];
      // Honest-looking edits, allowed and not, then some of their map items crafted.
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const id = rng.chance(0.5) ? state.bobsComment : rng.pick(ids);
        const map = annotationsOf(client).get(id);
        switch (rng.int(5)) {
          case 0:
            if (map) map.set(rng.pick(fields), rng.pick(values));
            break;
          case 1:
            if (map) map.delete(rng.pick(fields));
            break;
          case 2:
            annotationsOf(client).delete(id);
            break;
          case 3:
            setVote(client, id, rng.pick([alice, bob]), rng.pick(["agree", "disagree", null] as const));
            break;
          default: {
            const made = createAnnotation(client, { id: rng.chance(0.3) ? rng.pick(ids) : rng.uuid(), kind: "comment", authorId: rng.pick([alice, bob]) });
            if (rng.chance(0.5)) annotationsOf(client).delete(made);
            if (rng.chance(0.3)) createAnnotation(client, { id: made, kind: "comment", authorId: rng.pick([alice, bob]), status: "published" });
          }
        }
      }
      const from = Y.decodeStateVector(since).get(client.clientID) ?? 0;
      const items = (client.store.clients.get(client.clientID) ?? []).filter((s): s is Y.Item => s instanceof Y.Item && s.id.clock >= from && s.parentSub !== null);
      const crafts = new Map<number, Craft>();
      for (const item of items) {
        if (!rng.chance(0.25)) continue;
        crafts.set(item.id.clock, rng.pick<Craft>([{ origin: null }, { deleted: true }, { value: rng.pick(values) }]));
      }
      const serverItems = [...server.store.clients.values()].flat().filter((s): s is Y.Item => s instanceof Y.Item && !s.deleted && s.parentSub !== null);
      const ds = rng.pick([undefined, [], [[serverItems[0]!.id.client, rng.pick(serverItems).id.clock, 1]]] as Array<Array<[number, number, number]> | undefined>);
      const update = crafted(client, since, crafts, ds);
      const verdict = authorizeUpdate(server, update, bobInOpenGroup);
      if (!verdict.ok) {
        tally.refused++;
        continue;
      }
      tally.approved++;
      const before = new Map(readAll(server));
      const votesBefore = votesOf(server).toJSON();
      Y.applyUpdate(server, update);
      const after = new Map(readAll(server));
      const context = `seed ${rng.seed}, case ${i}`;
      for (const [id, value] of before) if (value.authorId !== bob) expect(after.get(id), context).toEqual(value);
      for (const [key, vote] of Object.entries(votesBefore)) if (!key.endsWith(bob)) expect(votesOf(server).get(key), context).toBe(vote);
      // What every annotation reads as (a field left with no value reads as its fallback) is valid, and
      // still has its author and kind.
      for (const [id, value] of after) {
        expect(annotationValueSchema.safeParse(value).success, `${context}: ${id} holds ${JSON.stringify(value)}`).toBe(true);
        expect(value.authorId, context).toBe(before.get(id)?.authorId ?? bob);
        if (before.has(id)) expect(value.kind, context).toBe(before.get(id)!.kind);
      }
    }
    console.log(`[authorize: map entries] seed ${rng.seed}: ${JSON.stringify(tally)}`);
    expect(tally.approved, `seed ${rng.seed}`).toBeGreaterThan(50);
    expect(tally.refused, `seed ${rng.seed}`).toBeGreaterThan(150);
  });
});

function readAll(doc: Y.Doc): Array<[string, AnnotationValue]> {
  return [...annotationsOf(doc).entries()].map(([id, map]) => [id, readAnnotation(map)]);
}
