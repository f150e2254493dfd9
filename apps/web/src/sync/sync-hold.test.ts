import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it, vi } from "vitest";
import * as syncProtocol from "y-protocols/sync";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { SyncHold, holdServerSync } from "./sync-hold.ts";

const server = new Y.Doc();
server.getMap("annotations").set("a", 1);

/** A sync message as the provider's handler receives it: the type already read off the decoder. */
function received(write: (encoder: encoding.Encoder) => void) {
  const encoder = encoding.createEncoder();
  write(encoder);
  return decoding.createDecoder(encoding.toUint8Array(encoder));
}

/** The provider's sync handler, as y-websocket has it: applies data, answers a step 1. */
function provider() {
  const doc = new Y.Doc();
  const handler = (encoder: encoding.Encoder, decoder: decoding.Decoder) => {
    encoding.writeVarUint(encoder, 0);
    syncProtocol.readSyncMessage(decoder, encoder, doc, "server");
  };
  return { doc, messageHandlers: [handler] } as unknown as WebsocketProvider;
}

describe("holding the server's document data", () => {
  it("applies data only once the hold opens, in the order it came, and answers a step 1 at once", async () => {
    const p = provider();
    const hold = new SyncHold();
    holdServerSync(p, hold);
    hold.close();
    const handle = p.messageHandlers[0]!;
    const applied = vi.fn();
    p.doc.on("update", applied);

    handle(encoding.createEncoder(), received((e) => syncProtocol.writeSyncStep2(e, server)), p, true, 0);
    const answer = encoding.createEncoder();
    handle(answer, received((e) => syncProtocol.writeSyncStep1(e, server)), p, true, 0);
    expect(encoding.length(answer)).toBeGreaterThan(1);
    server.getMap("annotations").set("b", 2);
    handle(encoding.createEncoder(), received((e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(server))), p, true, 0);
    await Promise.resolve();
    expect(applied).not.toHaveBeenCalled();

    hold.open();
    await vi.waitFor(() => expect(p.doc.getMap("annotations").toJSON()).toEqual({ a: 1, b: 2 }));
    expect(applied).toHaveBeenCalledTimes(2);
  });

  it("lets data through when the hold was never closed, and never holds again once opened", () => {
    const p = provider();
    const hold = new SyncHold();
    holdServerSync(p, hold);
    hold.open();
    hold.close();
    p.messageHandlers[0]!(encoding.createEncoder(), received((e) => syncProtocol.writeSyncStep2(e, server)), p, true, 0);
    expect(p.doc.getMap("annotations").get("a")).toBe(1);
  });
});
