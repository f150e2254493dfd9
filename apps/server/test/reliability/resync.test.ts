import * as Y from "yjs";
import { annotationsOf, createAnnotation, deleteAnnotation, notesOf, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { splitStep2 } from "../../src/sync/connection/resync.ts";
import { LARGE_UPDATE_BYTES } from "../../src/sync/connection/update-pieces.ts";
import { eventually } from "../support/sync-client.ts";
import type { Member } from "../support/article.ts";
import { coreArticle } from "./support/core-article.ts";
import { connectCore, presenceMessage, syncStep2 } from "./support/core.ts";
import { docFrom, projectedRows } from "./support/docs.ts";

/**
 * After a crash, a client's sync step 2 can carry other people's changes that
 * were broadcast and never committed. Those are not the sender's to make, and
 * were not made by the sender either: they are left out, and the sender's own
 * unsaved work is kept, rather than refusing the sender and losing it.
 */
const core = coreArticle();
const { serverState, serverVector, serverHas } = core;

/** Alice's change reached Bob through a broadcast, then the server died before committing it. */
async function lostChangeOnBob(alice: Member) {
  const aliceDoc = docFrom(await serverState());
  const lost = createAnnotation(aliceDoc, { kind: "comment", authorId: alice.user.id, body: "broadcast, never committed" });
  const bobDoc = docFrom(await serverState());
  Y.applyUpdate(bobDoc, Y.encodeStateAsUpdate(aliceDoc, Y.encodeStateVector(bobDoc)));
  return { aliceDoc, bobDoc, lost };
}

/** `who` comes online with `doc`, sends what the server lacks under its presence, waits for `stored`, and leaves. */
async function savedOnline(who: Member, doc: Y.Doc, stored: () => Promise<void>) {
  const online = connectCore(core.t.hub, core.setup.article.sync.room, who.token, true);
  await online.ready;
  online.connection.receive(presenceMessage(doc));
  online.connection.receive(syncStep2(Y.encodeStateAsUpdate(doc, await serverVector())));
  await eventually(stored, 5_000);
  online.connection.close(1000, "offline");
  await core.t.hub.committer.flush();
}

describe("resync after a crash", () => {
  it("splits a step 2 into pieces that together are the whole update", async () => {
    const doc = docFrom(await serverState());
    const other = docFrom(Y.encodeStateAsUpdate(doc));
    const a = createAnnotation(other, { kind: "comment", authorId: core.setup.members[0]!.user.id, body: "theirs" });
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    createAnnotation(doc, { kind: "comment", authorId: core.setup.members[1]!.user.id, body: "mine" });
    deleteAnnotation(doc, a);
    const update = Y.encodeStateAsUpdate(doc);
    const pieces = splitStep2(update)!;
    expect(pieces.map((p) => p.kind).sort()).toEqual(["deletions", "structs", "structs"]);
    const rebuilt = docFrom(Y.mergeUpdates(pieces.map((p) => p.update)));
    expect(Y.encodeStateAsUpdate(rebuilt)).toEqual(Y.encodeStateAsUpdate(docFrom(update)));
  });

  it("keeps the sender's unsaved work and leaves out another member's lost change", async () => {
    const [alice, bob] = core.setup.members as [Member, Member];
    const { aliceDoc, bobDoc, lost } = await lostChangeOnBob(alice);
    // Bob wrote too, and his change was not acknowledged either.
    const mine = createAnnotation(bobDoc, { kind: "comment", authorId: bob.user.id, body: "bob's unsaved work" });

    const bobSocket = connectCore(core.t.hub, core.setup.article.sync.room, bob.token, true);
    await bobSocket.ready;
    bobSocket.connection.receive(presenceMessage(bobDoc));
    bobSocket.connection.receive(syncStep2(Y.encodeStateAsUpdate(bobDoc, await serverVector())));

    await eventually(async () => expect(bobSocket.acks).toEqual([1]), 5_000);
    expect(bobSocket.closed).toBeNull();
    expect(await serverHas(mine)).toBe(true);
    expect(await serverHas(lost)).toBe(false);
    const rows = await projectedRows(core.t.database.db, core.setup.article.id);
    expect(rows.map((r) => r.id)).toContain(mine);
    expect(rows.map((r) => r.id)).not.toContain(lost);

    // Alice's own client comes back and sends it itself: now it is hers to make.
    const aliceSocket = connectCore(core.t.hub, core.setup.article.sync.room, alice.token, true);
    await aliceSocket.ready;
    aliceSocket.connection.receive(presenceMessage(aliceDoc));
    aliceSocket.connection.receive(syncStep2(Y.encodeStateAsUpdate(aliceDoc, await serverVector())));
    await eventually(async () => expect(await serverHas(lost)).toBe(true), 5_000);
    expect(aliceSocket.closed).toBeNull();
    bobSocket.connection.close(1000, "done");
    aliceSocket.connection.close(1000, "done");
  });

  it("judges a large piece in turns, and still keeps the sender's work and leaves out the lost change", async () => {
    const [alice, bob] = core.setup.members as [Member, Member];
    const { bobDoc, lost } = await lostChangeOnBob(alice);
    // A day's offline work: one piece past the size that is judged in turns (sync/connection/large-update.ts).
    const mine: string[] = [];
    bobDoc.transact(() => {
      for (let i = 0; i < 300; i++) mine.push(createAnnotation(bobDoc, { kind: "comment", authorId: bob.user.id, body: `${i} `.padEnd(300, "x") }));
    });
    const step2 = Y.encodeStateAsUpdate(bobDoc, await serverVector());
    expect(step2.byteLength).toBeGreaterThan(LARGE_UPDATE_BYTES);

    const bobSocket = connectCore(core.t.hub, core.setup.article.sync.room, bob.token, true);
    await bobSocket.ready;
    bobSocket.connection.receive(presenceMessage(bobDoc));
    bobSocket.connection.receive(syncStep2(step2));
    await eventually(async () => expect(bobSocket.acks).toEqual([1]), 10_000);
    expect(bobSocket.closed).toBeNull();
    expect(await serverHas(lost)).toBe(false);
    const rows = (await projectedRows(core.t.database.db, core.setup.article.id)).map((r) => r.id);
    expect(mine.filter((id) => !rows.includes(id))).toEqual([]);
    expect(rows).not.toContain(lost);
    bobSocket.connection.close(1000, "done");
  });

  it("still refuses a step 2 in which the sender's own client wrote what it may not", async () => {
    const [alice, bob] = core.setup.members as [Member, Member];
    const aliceDoc = docFrom(await serverState());
    const hers = createAnnotation(aliceDoc, { kind: "comment", authorId: alice.user.id, body: "alice's" });
    const aliceSocket = connectCore(core.t.hub, core.setup.article.sync.room, alice.token, true);
    await aliceSocket.ready;
    aliceSocket.connection.receive(presenceMessage(aliceDoc));
    aliceSocket.connection.receive(syncStep2(Y.encodeStateAsUpdate(aliceDoc, await serverVector())));
    await eventually(async () => expect(await serverHas(hers)).toBe(true), 5_000);

    // Bob edits Alice's annotation under his own client id, with his own harmless work alongside.
    const bobDoc = docFrom(await serverState());
    const his = createAnnotation(bobDoc, { kind: "comment", authorId: bob.user.id, body: "bob's" });
    updateAnnotation(bobDoc, hers, { body: "bob rewrote alice" });
    const bobSocket = connectCore(core.t.hub, core.setup.article.sync.room, bob.token);
    await bobSocket.ready;
    bobSocket.connection.receive(presenceMessage(bobDoc));
    bobSocket.connection.receive(syncStep2(Y.encodeStateAsUpdate(bobDoc, await serverVector())));
    expect((await bobSocket.done).code).toBe(4403);
    expect(await serverHas(his)).toBe(false);
    expect(await core.read((live) => String(annotationsOf(live.doc).get(hers)!.get("body")))).toBe("alice's");
    aliceSocket.connection.close(1000, "done");
  });

  it("refuses a step 2 that deletes, under the sender's own client id, what it may not: never acknowledged and left out", async () => {
    const [alice] = core.setup.members as [Member, Member];
    const aliceDoc = docFrom(await serverState());
    const check = createAnnotation(aliceDoc, { kind: "factcheck", authorId: alice.user.id, status: "pending", factcheck: { claim: "a claim", verdict: "false", sources: [] } });
    await savedOnline(alice, aliceDoc, async () => expect(await serverHas(check)).toBe(true));

    // A moderator publishes it meanwhile; offline, Alice deletes it, then comes back without presence.
    expect((await core.setup.owner.post(`/api/annotations/${check}/publish`)).status).toBe(200);
    deleteAnnotation(aliceDoc, check);
    const back = connectCore(core.t.hub, core.setup.article.sync.room, alice.token, true);
    await back.ready;
    back.connection.receive(syncStep2(Y.encodeStateAsUpdate(aliceDoc, await serverVector())));
    expect((await back.done).code).toBe(4403);
    expect(back.acks).toEqual([]);
    expect(await serverHas(check)).toBe(true);
  });

  it("holds the sender's own status change when its other work builds on a lost change, instead of refusing the old status's deletion alone", async () => {
    const [alice, bob] = core.setup.members as [Member, Member];
    const bobDoc = docFrom(await serverState());
    const check = createAnnotation(bobDoc, { kind: "factcheck", authorId: bob.user.id, status: "pending", factcheck: { claim: "a claim", verdict: "false", sources: [] } });
    await savedOnline(bob, bobDoc, async () => expect(await serverHas(check)).toBe(true));

    // Alice's notes reached Bob and were lost; Bob wrote after them, then set his fact-check back to draft.
    const aliceDoc = docFrom(await serverState());
    notesOf(aliceDoc).insert(notesOf(aliceDoc).length, "alice: saved ");
    await savedOnline(alice, aliceDoc, async () => expect(await core.read((live) => notesOf(live.doc).toString())).toContain("alice: saved"));
    Y.applyUpdate(bobDoc, Y.encodeStateAsUpdate(aliceDoc, Y.encodeStateVector(bobDoc)));
    notesOf(aliceDoc).insert(notesOf(aliceDoc).length, "alice: lost ");
    Y.applyUpdate(bobDoc, Y.encodeStateAsUpdate(aliceDoc, Y.encodeStateVector(bobDoc)));
    notesOf(bobDoc).insert(notesOf(bobDoc).length, "bob: after alice");
    updateAnnotation(bobDoc, check, { status: "draft" });

    const back = connectCore(core.t.hub, core.setup.article.sync.room, bob.token, true);
    await back.ready;
    back.connection.receive(presenceMessage(bobDoc));
    back.connection.receive(syncStep2(Y.encodeStateAsUpdate(bobDoc, await serverVector())));
    // Held until Alice's own client sends what was lost; then Bob's work lands whole.
    const aliceSocket = connectCore(core.t.hub, core.setup.article.sync.room, alice.token, true);
    await aliceSocket.ready;
    aliceSocket.connection.receive(presenceMessage(aliceDoc));
    aliceSocket.connection.receive(syncStep2(Y.encodeStateAsUpdate(aliceDoc, await serverVector())));
    await eventually(async () => expect(await core.read((live) => annotationsOf(live.doc).get(check)!.get("status"))).toBe("draft"), 5_000);
    expect(back.closed).toBeNull();
    expect(await core.read((live) => notesOf(live.doc).toString())).toContain("bob: after alice");
    back.connection.close(1000, "done");
    aliceSocket.connection.close(1000, "done");
  });
});
