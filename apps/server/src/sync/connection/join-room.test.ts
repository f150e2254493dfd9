import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, SYNC_CLOSE_CODES, createAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId } from "../authorize/authorize-testing.ts";
import { Connection } from "./connection.ts";
import type { Transport } from "./transport.ts";
import { LiveDocument } from "../document/document.ts";
import { SETTLED } from "../../../test/support/settled.ts";

/** Writing out 1,500 annotations in slices takes seconds on a loaded CI host: the waits are for an outcome, not a deadline. */

/** A built document of about `bytes`, as the server holds it. */
function builtDocument(name: string, bodies: number, bodyLength: number) {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (let i = 0; i < bodies; i++) createAnnotation(doc, { kind: "comment", authorId: alice, body: `${i} `.padEnd(bodyLength, "x") });
  });
  const context = { docName: name, articleId, groupId: "g", visibility: "group" as const, revision: 1 };
  const live = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: Y.encodeStateAsUpdate(doc), servable: true });
  void live.doc;
  return live;
}

/** A new client's sync step 1 (an empty state vector): its answer is the whole document. */
function newClientStep1(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, new Y.Doc());
  return encoding.toUint8Array(encoder);
}

/** A connection open on `live` whose transport records what happens, in order, and answers `reserve` with `room`. */
function joined(live: LiveDocument, room: "granted" | "refused") {
  const events: string[] = [];
  const transport: Transport = {
    send: (m) => void events.push(`send ${m.byteLength}`),
    close: (code) => void events.push(`close ${code}`),
    reserve: (bytes) => {
      events.push(`reserve ${bytes}`);
      return room === "refused" ? null : () => void events.push("release");
    },
  };
  const connection = new Connection(transport, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
  connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
  events.length = 0;
  return { connection, events };
}

/**
 * A join's answer is the whole document, written out for that socket; room for it is claimed from the
 * account's backlog (socket-backlog.ts) before it is written, so that a join refused makes no copy.
 */
describe("room for a join's answer", () => {
  it("refuses a join the account has no room for before writing its copy, closing with the backlog code", () => {
    const live = builtDocument("article:refused", 40, 200);
    const encode = vi.spyOn(live, "syncStep2For");
    const { connection, events } = joined(live, "refused");
    connection.receive(newClientStep1());
    expect(events).toEqual([`reserve ${live.encodedBytes}`, `close ${SYNC_CLOSE_CODES.backlog}`]);
    expect(encode).not.toHaveBeenCalled();
    live.destroy();
  });

  it("gives the room back just before sending the answer, written whole or in slices", async () => {
    for (const [name, bodies] of [["article:small", 40], ["article:sliced", 1_500]] as const) {
      const live = builtDocument(name, bodies, 200);
      const { connection, events } = joined(live, "granted");
      connection.receive(newClientStep1());
      await vi.waitFor(() => expect(events.some((e) => e.startsWith("send"))).toBe(true), SETTLED);
      expect(events[0]).toBe(`reserve ${live.encodedBytes}`);
      expect(events[1]).toBe("release");
      expect(events[2]).toMatch(/^send \d+$/);
      expect(Number(events[2]!.split(" ")[1])).toBeLessThanOrEqual(live.encodedBytes + 16);
      live.destroy();
    }
  });

  it("gives the room back when the answer is given up", async () => {
    const live = builtDocument("article:gone", 1_500, 200);
    const { connection, events } = joined(live, "granted");
    connection.receive(newClientStep1());
    connection.close(1000, "gone");
    await vi.waitFor(() => expect(events).toContain("release"), SETTLED);
    expect(events.filter((e) => e.startsWith("send"))).toEqual([]);
    live.destroy();
  });
});
