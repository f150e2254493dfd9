import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { MESSAGE_ROLE, SYNC_CLOSE_CODES, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { actor, alice } from "../authorize/authorize-testing.ts";
import { room } from "./connection-testing.ts";
import { updateMessage } from "./messages.ts";

describe("a socket being admitted", () => {
  it("opens under a role changed while it was admitted, not the one its admission read", () => {
    const { stored, join } = room("article:admitting-1");
    // Admission read "annotator"; a demotion landed before the socket opened (open-access.ts replays it then).
    const demoted = join(actor(alice, "annotator"), false, (connection) => connection.updateActor({ role: "viewer" }));
    const client = new Y.Doc();
    createAnnotation(client, { kind: "comment", authorId: alice, body: "written as a viewer" });
    demoted.connection.receive(updateMessage(Y.encodeStateAsUpdate(client)));
    expect(demoted.closes).toEqual([SYNC_CLOSE_CODES.forbidden]);
    expect(stored).toHaveLength(0);

    const promoted = join(actor(alice, "viewer"), false, (connection) => connection.updateActor({ role: "annotator" }));
    promoted.connection.receive(updateMessage(Y.encodeStateAsUpdate(client)));
    expect(promoted.closes).toEqual([]);
    expect(stored).toHaveLength(1);
  });

  it("tells a client that asked (roles=1) its role as it opens and each time it changes, and tells no one else", () => {
    const { join } = room("article:admitting-2");
    const told = (sent: Uint8Array[]) =>
      sent.flatMap((message) => {
        const decoder = decoding.createDecoder(message);
        return decoding.readVarUint(decoder) === MESSAGE_ROLE ? [decoding.readVarString(decoder)] : [];
      });
    // Promoted while admitted: it opens as a moderator, and is told so rather than what its admission read.
    const asked = join(actor(alice, "annotator"), false, (connection) => connection.updateActor({ role: "moderator" }), true);
    expect(told(asked.sent)).toEqual(["moderator"]);
    asked.connection.updateActor({ role: "viewer" });
    asked.connection.updateActor({ role: "viewer" });
    asked.connection.updateActor({ moderation: "pre" });
    expect(told(asked.sent)).toEqual(["moderator", "viewer"]);

    const stock = join(actor(alice, "annotator"));
    stock.connection.updateActor({ role: "viewer" });
    expect(told(stock.sent)).toEqual([]);
  });
});
