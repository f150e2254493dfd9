import * as Y from "yjs";
import { annotationsOf, createAnnotation, deleteAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId, bob } from "../authorize/authorize-testing.ts";
import { LiveDocument } from "../document/document.ts";
import { AccountLimits } from "./account-limits.ts";
import { Connection } from "./connection.ts";
import { received } from "./connection-testing.ts";
import { syncStep1Message, updateMessage } from "./messages.ts";
import { SETTLED } from "../../../test/support/settled.ts";


describe("the server's own changes not stored yet", () => {
  it("reach no socket before they are stored, not even as a deletion inside a socket's update, which goes out with them", async () => {
    // The server's changes are sent once stored (server-writes.ts); until then, each waits here.
    const commits: Array<() => void> = [];
    const live = new LiveDocument(
      { docName: "article:unsent", articleId, groupId: "g", visibility: "group", revision: 1 },
      { persist: (_live, _update, userId) => (userId === "server-made" ? new Promise<void>((resolve) => commits.push(resolve)) : Promise.resolve()) },
    );
    const limits = new AccountLimits();
    const open = (userId: string) => {
      const sent: Uint8Array[] = [];
      const connection = new Connection({ send: (m) => void sent.push(m), close: () => {} }, { acks: false, roles: false, logger: createLogger("silent"), maxBuffered: 64, limits });
      connection.open(live, actor(userId, "annotator"), { id: userId, name: userId, color: "red" }, userId);
      connection.receive(syncStep1Message(Y.encodeStateVector(new Y.Doc())));
      return { connection, sent };
    };
    const writer = open(alice);
    const watcher = open(bob);
    const client = new Y.Doc();
    const id = createAnnotation(client, { kind: "comment", authorId: alice, body: "first" });
    writer.connection.receive(updateMessage(Y.encodeStateAsUpdate(client)));
    await vi.waitFor(() => expect(annotationsOf(live.doc).has(id)).toBe(true), SETTLED);

    // A change of the server's own (a REST write, a stamp), not stored yet; then its author deletes the annotation.
    live.doc.transact(() => annotationsOf(live.doc).get(id)!.set("tags", ["server"]), { userId: "server-made" });
    const before = Y.encodeStateVector(client);
    deleteAnnotation(client, id);
    writer.connection.receive(updateMessage(Y.encodeStateAsUpdate(client, before)));
    await vi.waitFor(() => expect(annotationsOf(live.doc).has(id)).toBe(false), SETTLED);
    await new Promise<void>((resolve) => setImmediate(resolve));

    // Were the server to crash now, the watcher's copy must hold nothing it cannot send back: a deletion of
    // content it never received would make every later sync step 2 of its wait for content that never comes.
    const copy = received(watcher.sent);
    expect(copy.store.pendingDs).toBeNull();
    expect(copy.store.pendingStructs).toBeNull();

    // Once stored, the server's change reaches it, and its copy is the server's.
    for (const commit of commits) commit();
    await vi.waitFor(() => expect(Y.encodeStateVector(received(watcher.sent))).toEqual(Y.encodeStateVector(live.doc)), SETTLED);
    const settled = received(watcher.sent);
    expect(annotationsOf(settled).has(id)).toBe(false);
    expect(settled.store.pendingDs).toBeNull();
    expect(Y.encodeStateAsUpdate(settled)).toEqual(Y.encodeStateAsUpdate(live.doc));
  });
});
