import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { alice, articleId } from "./authorize-testing.ts";
import { LiveDocument } from "./document.ts";
import { SLICED_BUILD_BYTES } from "./sliced-build.ts";

const context = { docName: "article:served", articleId, groupId: "g", visibility: "group" as const, revision: 1 };

/** The step and update of each sync message. */
function parts(messages: Uint8Array[]) {
  return messages.map((message) => {
    const decoder = decoding.createDecoder(message);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
    return { step: decoding.readVarUint(decoder), update: decoding.readVarUint8Array(decoder) };
  });
}

/** What a new client holds after applying `messages` in order. */
function received(messages: Uint8Array[]) {
  const doc = new Y.Doc();
  for (const { update } of parts(messages)) Y.applyUpdate(doc, update);
  expect(doc.store.pendingStructs).toBeNull();
  return readAnnotations(doc);
}

describe("a new client of a large built document", () => {
  it("is sent the loaded bytes and the updates since, not the document encoded for it", async () => {
    const writer = new Y.Doc();
    writer.transact(() => {
      for (let i = 0; i < 200; i++) createAnnotation(writer, { kind: "comment", authorId: alice, body: `${i} `.padEnd(1_500, "x") });
    });
    const state = Y.encodeStateAsUpdate(writer);
    expect(state.byteLength).toBeGreaterThanOrEqual(SLICED_BUILD_BYTES);
    const live = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: state, servable: true });
    try {
      await live.whenBuilt();
      expect(live.isCold).toBe(false);
      const empty = Y.encodeStateVector(new Y.Doc());

      // Nothing since: the loaded bytes as they are.
      const first = parts(await live.syncStep2For(empty));
      expect(first.map((m) => m.step)).toEqual([syncProtocol.messageYjsSyncStep2]);
      expect(Buffer.from(first[0]!.update)).toEqual(Buffer.from(state));

      // A few updates since: merged and sent first, the base unchanged.
      const updates: Uint8Array[] = [];
      writer.on("update", (u: Uint8Array) => updates.push(u));
      for (let i = 0; i < 5; i++) createAnnotation(writer, { kind: "comment", authorId: alice, body: `later ${i}` });
      for (const u of updates.splice(0)) live.applyRemote(u);
      const few = await live.syncStep2For(empty);
      expect(parts(few).map((m) => m.step)).toEqual([syncProtocol.messageYjsUpdate, syncProtocol.messageYjsSyncStep2]);
      expect(Buffer.from(parts(few)[1]!.update)).toEqual(Buffer.from(state));
      expect(received(few)).toEqual(readAnnotations(live.doc));

      // Many: merged into the base on the worker before the client is answered.
      for (let i = 0; i < 100; i++) createAnnotation(writer, { kind: "comment", authorId: alice, body: `many ${i}` });
      for (const u of updates.splice(0)) live.applyRemote(u);
      const answer = live.syncStep2For(empty);
      expect(answer).toBeInstanceOf(Promise);
      const many = await answer;
      expect(parts(many).map((m) => m.step)).toEqual([syncProtocol.messageYjsSyncStep2]);
      expect(received(many)).toEqual(readAnnotations(live.doc));
      expect(readAnnotations(live.doc)).toHaveLength(305);

      // Updates past a quarter of the base are merged into it in the background, with no client asking.
      writer.transact(() => {
        for (let i = 0; i < 60; i++) createAnnotation(writer, { kind: "comment", authorId: alice, body: `${i} `.padEnd(1_500, "y") });
      });
      for (const u of updates.splice(0)) live.applyRemote(u);
      await vi.waitFor(() => {
        const served = live.syncStep2For(empty);
        expect(Array.isArray(served) && served.length).toBe(1);
      }, 5_000);
      expect(received((await live.syncStep2For(empty)) as Uint8Array[])).toEqual(readAnnotations(live.doc));

      // A returning client is still answered from the document, with what it lacks.
      const returning = new Y.Doc();
      Y.applyUpdate(returning, state);
      const diff = parts(await live.syncStep2For(Y.encodeStateVector(returning)));
      expect(diff).toHaveLength(1);
      Y.applyUpdate(returning, diff[0]!.update);
      expect(readAnnotations(returning)).toEqual(readAnnotations(live.doc));
    } finally {
      live.destroy();
    }
  });
});
