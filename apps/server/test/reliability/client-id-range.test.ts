import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { SYNC_CLOSE_CODES, createAnnotation } from "@marginalia/schema";
import { eq } from "drizzle-orm";
import { docClientIds } from "@marginalia/schema/tables";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { ClientIdStore, PRESENCE_CLAIM_TTL_MS } from "../../src/sync/authorize/client-id-store.ts";
import { eventually } from "../support/sync-client.ts";
import type { Member } from "../support/article.ts";
import { coreArticle } from "./support/core-article.ts";
import { connectCore, presenceMessage, syncStep2, updateMessage } from "./support/core.ts";
import { docFrom } from "./support/docs.ts";

/**
 * Yjs makes 32-bit client ids; lib0 reads a varUint past 2^53 − 1 as an imprecise float without complaint,
 * which Postgres's bigint cannot hold from 2^63 on (docs/sync.md, "5. What you may write").
 */
const core = coreArticle();
const { serverState, serverHas } = core;
const HUGE = [2 ** 53, 2 ** 60, 2 ** 64 + 2 ** 12, 2 ** 70];

/** An update with no structs whose delete set names `client`'s first item. */
function deletionBy(client: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 1);
  return encoding.toUint8Array(encoder);
}

describe("Yjs client ids past 2^53 − 1", () => {
  it("refuse an update or sync step 2 that writes or deletes under one, as malformed, keeping nothing", async () => {
    const [member] = core.setup.members as [Member];
    for (const clientId of HUGE) {
      const written = docFrom(await serverState());
      written.clientID = clientId;
      let id = "";
      const before = Y.encodeStateVector(written);
      written.transact(() => (id = createAnnotation(written, { kind: "comment", authorId: member.user.id, body: "huge" })));
      const update = Y.encodeStateAsUpdate(written, before);
      for (const message of [updateMessage(update), syncStep2(update), updateMessage(deletionBy(clientId)), syncStep2(deletionBy(clientId))]) {
        const socket = connectCore(core.t.hub, core.setup.article.sync.room, member.token, true);
        await socket.ready;
        socket.connection.receive(message);
        expect(await socket.done).toMatchObject({ code: SYNC_CLOSE_CODES.badMessage });
        expect(socket.acks).toEqual([]);
      }
      expect(await serverHas(id)).toBe(false);
    }
    const names = await core.read((live) => [...live.doc.store.clients.keys()]);
    expect(names.filter((c) => !Number.isSafeInteger(c))).toEqual([]);
    const kept = await core.t.database.db.select({ clientId: docClientIds.clientId }).from(docClientIds);
    expect(kept.filter((r) => !Number.isSafeInteger(r.clientId))).toEqual([]);
  });

  it("show no presence under one, as for an id the socket may not speak for", async () => {
    const [member] = core.setup.members as [Member];
    const socket = connectCore(core.t.hub, core.setup.article.sync.room, member.token);
    await socket.ready;
    const own = new Y.Doc();
    for (const clientId of HUGE) {
      const tab = new Y.Doc();
      tab.clientID = clientId;
      socket.connection.receive(presenceMessage(tab));
    }
    socket.connection.receive(presenceMessage(own)); // taken after the others: once it is held, they were judged
    await eventually(async () => expect(await core.read((live) => live.clientIds.ownerOf(own.clientID))).toBe(member.user.id), 5_000);
    const shown = await core.read((live) => [...live.awarenessOwners.keys(), ...live.awareness.meta.keys()]);
    expect(shown.filter((c) => !Number.isSafeInteger(c))).toEqual([]);
    expect(await core.read((live) => HUGE.map((c) => live.clientIds.ownerOf(c)))).toEqual(HUGE.map(() => undefined));
    expect(socket.closed).toBeNull();
    socket.connection.close(1000, "done");
  });
});

describe("the client-id claim store", () => {
  it("keeps the other claims of a batch that holds one it cannot keep", async () => {
    const [member, other] = core.setup.members as [Member, Member];
    const db = core.t.database.db;
    const docName = `article:${crypto.randomUUID()}`;
    const store = new ClientIdStore(db, createLogger("silent"));
    store.record(docName, 11, member.user.id);
    store.record(docName, 2 ** 64, other.user.id);
    store.record(docName, 2 ** 70, other.user.id);
    store.record(docName, 12, member.user.id);
    await store.flush();
    const kept = await db.select({ clientId: docClientIds.clientId }).from(docClientIds).where(eq(docClientIds.docName, docName));
    expect(kept.map((r) => r.clientId).sort()).toEqual([11, 12]);
  });

  it("prunes whatever writers the document names", async () => {
    const [member] = core.setup.members as [Member];
    const db = core.t.database.db;
    const docName = `article:${crypto.randomUUID()}`;
    const old = new Date(Date.now() - PRESENCE_CLAIM_TTL_MS - 60_000);
    await db.insert(docClientIds).values([
      { docName, clientId: 1, memberId: member.user.id, createdAt: old },
      { docName, clientId: 2, memberId: member.user.id, createdAt: old },
    ]);
    await new ClientIdStore(db, createLogger("silent")).prune(docName, [2, 2 ** 64, 2 ** 70]);
    const kept = await db.select({ clientId: docClientIds.clientId }).from(docClientIds).where(eq(docClientIds.docName, docName));
    expect(kept.map((r) => r.clientId)).toEqual([2]);
  });
});
