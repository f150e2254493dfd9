import * as Y from "yjs";
import { SYNC_CLOSE_CODES, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { actor, alice } from "./authorize-testing.ts";
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
});
