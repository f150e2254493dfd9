import * as Y from "yjs";
import { createAnnotation, notesOf } from "@marginalia/schema";
import { eq } from "drizzle-orm";
import { docClientIds } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { ClientIdStore, PRESENCE_CLAIM_TTL_MS } from "../../src/sync/authorize/client-id-store.ts";
import { createTestApp } from "../support/app.ts";
import { eventually } from "../support/sync-client.ts";
import type { Member } from "../support/article.ts";
import { coreArticle } from "./support/core-article.ts";
import { connectCore, presenceMessage, updateMessage } from "./support/core.ts";
import { docFrom } from "./support/docs.ts";

/**
 * Yjs skips structs whose clocks it has seen. Writing under another member's
 * client id, at that member's next clocks, would make the server skip the
 * member's real edits there, and still acknowledge them. A client id belongs
 * to the user who first writes under it or shows presence with it.
 */
const core = coreArticle();
const { serverState, serverHas } = core;

/** Runs `change` on `doc` and returns the update it made. */
function edit(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const record = (u: Uint8Array) => updates.push(u);
  doc.on("update", record);
  change(doc);
  doc.off("update", record);
  return Y.mergeUpdates(updates);
}

describe("Yjs client ids", () => {
  it("refuses writing under another member's client id, and the member's next edit is kept", async () => {
    const [victim, attacker] = core.setup.members as [Member, Member];
    const victimDoc = docFrom(await serverState());
    const victimSocket = connectCore(core.t.hub, core.setup.article.sync.room, victim.token, true);
    await victimSocket.ready;
    victimSocket.connection.receive(presenceMessage(victimDoc));
    const first = edit(victimDoc, (d) => createAnnotation(d, { kind: "comment", authorId: victim.user.id, body: "mine" }));
    victimSocket.connection.receive(updateMessage(first));
    await eventually(() => expect(victimSocket.acks).toEqual([1]), 5_000);

    // The attacker writes their own, allowed annotation, but as the victim's client, at its next clocks.
    const forged = docFrom(await serverState());
    forged.clientID = victimDoc.clientID;
    const theirs = edit(forged, (d) => createAnnotation(d, { kind: "comment", authorId: attacker.user.id, body: "squatting" }));
    const attackerSocket = connectCore(core.t.hub, core.setup.article.sync.room, attacker.token);
    await attackerSocket.ready;
    attackerSocket.connection.receive(updateMessage(theirs));
    const closed = await attackerSocket.done;
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/another user/);

    // The victim's next edit, at exactly those clocks, is applied and acknowledged.
    const next = createAnnotationUpdate(victimDoc, victim.user.id);
    victimSocket.connection.receive(updateMessage(next.update));
    await eventually(() => expect(victimSocket.acks.at(-1)).toBe(2), 5_000);
    expect(await serverHas(next.id)).toBe(true);
    victimSocket.connection.close(1000, "done");
  });

  it("gives presence for a client id only to the user who writes under it", async () => {
    const [victim, attacker] = core.setup.members as [Member, Member];
    const victimDoc = docFrom(await serverState());
    const victimSocket = connectCore(core.t.hub, core.setup.article.sync.room, victim.token);
    await victimSocket.ready;
    victimSocket.connection.receive(updateMessage(createAnnotationUpdate(victimDoc, victim.user.id).update));
    await eventually(async () => expect(await core.read((live) => live.clientIds.ownerOf(victimDoc.clientID))).toBe(victim.user.id), 5_000);
    victimSocket.connection.close(1000, "gone");

    // With the victim gone, the attacker claims its presence: refused, so nothing shows under that id.
    const attackerSocket = connectCore(core.t.hub, core.setup.article.sync.room, attacker.token);
    await attackerSocket.ready;
    const impostor = new Y.Doc();
    impostor.clientID = victimDoc.clientID;
    attackerSocket.connection.receive(presenceMessage(impostor));
    expect(await core.read((live) => live.awareness.getStates().has(victimDoc.clientID))).toBe(false);
    expect(attackerSocket.closed).toBeNull();
    attackerSocket.connection.close(1000, "done");
  });

  it("judges a held update's client ids again when it is released: one claimed meanwhile is refused", async () => {
    const [victim, attacker] = core.setup.members as [Member, Member];
    const attackerDoc = docFrom(await serverState());
    const own = edit(attackerDoc, (d) => notesOf(d).insert(0, "abc")); // under the attacker's own id, kept back
    const victimId = attackerDoc.clientID + 1;
    attackerDoc.clientID = victimId;
    const squat = edit(attackerDoc, (d) => notesOf(d).insert(3, "!")); // under the victim's id, after "abc"
    const attackerSocket = connectCore(core.t.hub, core.setup.article.sync.room, attacker.token);
    await attackerSocket.ready;
    attackerSocket.connection.receive(updateMessage(squat)); // held: it builds on "abc", which the server lacks

    // The victim's tab shows presence under that id, which makes it theirs.
    const victimSocket = connectCore(core.t.hub, core.setup.article.sync.room, victim.token);
    await victimSocket.ready;
    const victimDoc = new Y.Doc();
    victimDoc.clientID = victimId;
    victimSocket.connection.receive(presenceMessage(victimDoc));
    await eventually(async () => expect(await core.read((live) => live.clientIds.ownerOf(victimId))).toBe(victim.user.id), 5_000);

    attackerSocket.connection.receive(updateMessage(own)); // releases the held update
    const closed = await attackerSocket.done;
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/another user/);
    expect(await core.read((live) => Y.getState(live.doc.store, victimId))).toBe(0);
    victimSocket.connection.close(1000, "done");
  });

  it("keeps a member's client id across a restart, so nobody can claim it before the member returns", async () => {
    const [victim, attacker] = core.setup.members as [Member, Member];
    const victimDoc = docFrom(await serverState());
    const victimSocket = connectCore(core.t.hub, core.setup.article.sync.room, victim.token, true);
    await victimSocket.ready;
    victimSocket.connection.receive(updateMessage(createAnnotationUpdate(victimDoc, victim.user.id).update));
    await eventually(() => expect(victimSocket.acks).toEqual([1]), 5_000);
    victimSocket.connection.close(1000, "gone");
    const kept = async () =>
      (await core.t.database.db.select().from(docClientIds).where(eq(docClientIds.clientId, victimDoc.clientID))).map((r) => r.memberId);
    await eventually(async () => expect(await kept()).toEqual([victim.user.id]), 5_000);

    // A new server process on the same database: the document loads afresh, with the claims kept.
    const restarted = await createTestApp({ database: core.t.database });
    try {
      const forged = docFrom(await serverState());
      forged.clientID = victimDoc.clientID;
      const attackerSocket = connectCore(restarted.hub, core.setup.article.sync.room, attacker.token);
      await attackerSocket.ready;
      attackerSocket.connection.receive(presenceMessage(forged));
      attackerSocket.connection.receive(updateMessage(edit(forged, (d) => createAnnotation(d, { kind: "comment", authorId: attacker.user.id, body: "first!" }))));
      expect((await attackerSocket.done).code).toBe(4403);

      const back = connectCore(restarted.hub, core.setup.article.sync.room, victim.token, true);
      await back.ready;
      back.connection.receive(presenceMessage(victimDoc));
      const next = createAnnotationUpdate(victimDoc, victim.user.id);
      back.connection.receive(updateMessage(next.update));
      await eventually(() => expect(back.acks).toEqual([1]), 5_000);
      expect(back.closed).toBeNull();
      back.connection.close(1000, "done");
    } finally {
      await restarted.close();
    }
  });

  it("keeps no claim beside the log for a client id that only showed presence, and one for an id written under", async () => {
    const [member, attacker] = core.setup.members as [Member, Member];
    const socket = connectCore(core.t.hub, core.setup.article.sync.room, member.token, true);
    await socket.ready;
    const onlyShown = new Y.Doc(); // a tab that shows presence and never writes
    socket.connection.receive(presenceMessage(onlyShown));
    await eventually(async () => expect(await core.read((live) => live.clientIds.ownerOf(onlyShown.clientID))).toBe(member.user.id), 5_000);
    const writer = docFrom(await serverState());
    socket.connection.receive(presenceMessage(writer));
    socket.connection.receive(updateMessage(createAnnotationUpdate(writer, member.user.id).update));
    await eventually(() => expect(socket.acks).toEqual([1]), 5_000);
    const kept = async (clientId: number) =>
      (await core.t.database.db.select().from(docClientIds).where(eq(docClientIds.clientId, clientId))).map((r) => r.memberId);
    // Claims are kept in the order they are made: once the written one is kept, the shown one would be too.
    await eventually(async () => expect(await kept(writer.clientID)).toEqual([member.user.id]), 5_000);
    expect(await kept(onlyShown.clientID)).toEqual([]);
    socket.connection.close(1000, "gone");

    // Gone a moment ago, it may come back: the shown id is still the member's, for presence and writing alike.
    const attackerSocket = connectCore(core.t.hub, core.setup.article.sync.room, attacker.token);
    await attackerSocket.ready;
    const forged = docFrom(await serverState());
    forged.clientID = onlyShown.clientID;
    attackerSocket.connection.receive(updateMessage(edit(forged, (d) => notesOf(d).insert(0, "squat"))));
    expect((await attackerSocket.done).code).toBe(4403);
  });

  it("forgets, when a document unloads, claims older than a day under which nothing was written", async () => {
    const [member] = core.setup.members as [Member];
    // A fresh name each run, so that a database the suite used before holds none of these rows.
    const docName = `article:${crypto.randomUUID()}`;
    const old = new Date(Date.now() - PRESENCE_CLAIM_TTL_MS - 60_000);
    const db = core.t.database.db;
    await db.insert(docClientIds).values([
      { docName, clientId: 1, memberId: member.user.id, createdAt: old }, // a tab long gone that only showed presence
      { docName, clientId: 2, memberId: member.user.id, createdAt: old }, // wrote content: kept for good
      { docName, clientId: 3, memberId: member.user.id }, // a recent tab that may come back
    ]);
    await new ClientIdStore(db, createLogger("silent")).prune(docName, [2]);
    const kept = await db.select({ clientId: docClientIds.clientId }).from(docClientIds).where(eq(docClientIds.docName, docName));
    expect(kept.map((r) => r.clientId).sort()).toEqual([2, 3]);
  });
});

function createAnnotationUpdate(doc: Y.Doc, authorId: string) {
  let id = "";
  const update = edit(doc, (d) => (id = createAnnotation(d, { kind: "comment", authorId, body: "next" })));
  return { id, update };
}
