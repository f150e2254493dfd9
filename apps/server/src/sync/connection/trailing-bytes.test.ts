import * as Y from "yjs";
import { SYNC_CLOSE_CODES, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { actor, alice } from "../authorize/authorize-testing.ts";
import { room } from "./connection-testing.ts";
import { updateMessage } from "./messages.ts";

describe("a message with bytes after its end", () => {
  it("is refused whole with 4400, before anything of it is applied", () => {
    const { stored, join } = room("article:trailing-1");
    const client = new Y.Doc();
    createAnnotation(client, { kind: "comment", authorId: alice, body: "followed by a stray query" });
    const update = updateMessage(Y.encodeStateAsUpdate(client));
    const sender = join(actor(alice, "annotator"));
    sender.connection.receive(new Uint8Array([...update, 3]));
    expect(sender.closes).toEqual([SYNC_CLOSE_CODES.badMessage]);
    expect(stored).toEqual([]);

    const plain = join(actor(alice, "annotator"));
    plain.connection.receive(update);
    expect(plain.closes).toEqual([]);
    expect(stored).toHaveLength(1);
  });
});
