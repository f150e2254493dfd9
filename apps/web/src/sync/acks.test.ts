import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { AckTracker, isUpdateBearing } from "./acks.ts";

const doc = new Y.Doc();
doc.getText("notes").insert(0, "hello");
function message(write: (encoder: encoding.Encoder) => void, type = 0) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}
const step1 = message((e) => syncProtocol.writeSyncStep1(e, doc));
const step2 = message((e) => syncProtocol.writeSyncStep2(e, doc));
const update = message((e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc)));
const awareness = message((e) => encoding.writeVarUint8Array(e, new Uint8Array([0])), 1);

describe("acks", () => {
  it("counts sync step 2 and updates, as the server does, and nothing else", () => {
    expect(isUpdateBearing(step1)).toBe(false);
    expect(isUpdateBearing(step2)).toBe(true);
    expect(isUpdateBearing(update)).toBe(true);
    expect(isUpdateBearing(awareness)).toBe(false);
    expect(isUpdateBearing(new Uint8Array())).toBe(false);
  });

  it("is saved once the last ack covers every update sent on this connection", () => {
    const acks = new AckTracker();
    acks.connectionOpened();
    acks.messageSent(step1);
    acks.messageSent(step2);
    expect(acks.saved).toBe(false);
    acks.ackReceived(1);
    expect(acks.saved).toBe(true);
    acks.messageSent(update);
    acks.messageSent(update);
    acks.ackReceived(2);
    expect(acks.saved).toBe(false);
    expect(acks.pending).toBe(1);
    acks.ackReceived(3);
    expect(acks.saved).toBe(true);
  });

  it("keeps offline edits unsaved until a new connection's step 2 carries them and is acked", () => {
    const acks = new AckTracker();
    acks.localEdit(false);
    expect(acks.saved).toBe(false);
    acks.connectionOpened();
    expect(acks.saved).toBe(false);
    acks.messageSent(step2);
    acks.ackReceived(1);
    expect(acks.saved).toBe(true);
  });

  it("starts counting again on each connection", () => {
    const acks = new AckTracker();
    acks.connectionOpened();
    acks.messageSent(update);
    acks.messageSent(update);
    acks.connectionOpened();
    acks.messageSent(step2);
    acks.ackReceived(1);
    expect(acks.saved).toBe(true);
  });

  it("does not wait for the ack of a step 2 that carries nothing, but still counts it", () => {
    const empty = message((e) => syncProtocol.writeSyncStep2(e, doc, Y.encodeStateVector(doc)));
    const acks = new AckTracker();
    acks.connectionOpened();
    acks.messageSent(empty);
    expect(acks.saved).toBe(true);
    expect(acks.pending).toBe(1);
    acks.messageSent(update);
    acks.ackReceived(1);
    // The server's first ack is the empty step 2's: the update (its second) is not in yet.
    expect(acks.saved).toBe(false);
    acks.ackReceived(2);
    expect(acks.saved).toBe(true);
  });
});
