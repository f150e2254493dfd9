import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { LiveDocument } from "../document/document.ts";

/** A socket as the document sees it: it keeps every message it is sent. */
function peer() {
  const messages: Uint8Array[] = [];
  return { messages, send: (m: Uint8Array) => void messages.push(m) };
}

/** The update a sync update message carries. */
function updateOf(message: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(message);
  expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
  expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsUpdate);
  return decoding.readVarUint8Array(decoder);
}

const annotationsIn = (...updates: Uint8Array[]) => {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return readAnnotations(doc).map((a) => a.body).sort();
};

/** A client's update creating one annotation. */
function written(body: string): Uint8Array {
  const doc = new Y.Doc();
  let update: Uint8Array | null = null;
  doc.on("update", (u: Uint8Array) => (update = u));
  createAnnotation(doc, { kind: "comment", authorId: "author", body });
  return update!;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function liveDocument() {
  const context = { docName: "article:a", articleId: "a", groupId: "g", visibility: "group" as const, revision: 1 };
  const broadcasts: number[] = [];
  const live = new LiveDocument(context, { persist: () => Promise.resolve(), broadcast: (recipients) => void broadcasts.push(recipients) }, null);
  const [a, b, reader, other] = [peer(), peer(), peer(), peer()];
  for (const p of [a, b, reader, other]) live.peers.add(p);
  return { live, a, b, reader, other, broadcasts };
}

describe("fan-out", () => {
  it("sends updates applied in one turn as one message, and never a socket's own update back to it", async () => {
    const { live, a, b, reader, other, broadcasts } = liveDocument();
    live.apply(written("from a"), { userId: "ua", peer: a });
    live.apply(written("from b"), { userId: "ub", peer: b });
    live.apply(written("second from a"), { userId: "ua", peer: a });
    expect(reader.messages).toHaveLength(0); // nothing before the end of the turn
    await nextTurn();

    expect(reader.messages).toHaveLength(1);
    expect(annotationsIn(updateOf(reader.messages[0]!))).toEqual(["from a", "from b", "second from a"]);
    // Sockets that made none of the batch share the very same bytes.
    expect(other.messages[0]).toBe(reader.messages[0]);
    // Each writer gets the others' part only.
    expect(a.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["from b"]]);
    expect(b.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["from a", "second from a"]]);
    expect(broadcasts).toEqual([4]);
  });

  it("sends a batch that is one socket's alone to everyone else, and nothing to that socket", async () => {
    const { live, a, b, reader, broadcasts } = liveDocument();
    live.apply(written("one"), { userId: "ua", peer: a });
    live.apply(written("two"), { userId: "ua", peer: a });
    await nextTurn();
    expect(a.messages).toHaveLength(0);
    expect(b.messages).toHaveLength(1);
    expect(annotationsIn(updateOf(reader.messages[0]!))).toEqual(["one", "two"]);
    expect(broadcasts).toEqual([3]);
  });

  it("sends the server's own changes to every socket, and updates of different turns separately", async () => {
    const { live, a, reader } = liveDocument();
    await live.change({ userId: null }, (doc) => createAnnotation(doc, { kind: "comment", authorId: "author", body: "by the server" }));
    await nextTurn();
    live.apply(written("later"), { userId: "ua", peer: a });
    await nextTurn();
    expect(a.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["by the server"]]);
    expect(reader.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["by the server"], ["later"]]);
  });

  it("sends the server's own change, to sockets and to a client that joins, only once it is stored", async () => {
    const context = { docName: "article:stored-first", articleId: "a", groupId: "g", visibility: "group" as const, revision: 1 };
    const commits: Array<() => void> = [];
    const live = new LiveDocument(context, { persist: () => new Promise<void>((resolve) => commits.push(resolve)) }, null);
    const [a, reader] = [peer(), peer()];
    live.peers.add(a);
    live.peers.add(reader);
    live.apply(written("from a"), { userId: "ua", peer: a });
    void live.change({ userId: null }, (doc) => createAnnotation(doc, { kind: "comment", authorId: "author", body: "by the server" }));
    // A client joining now is answered once the server's change is stored, and its answer holds it.
    let answer: Uint8Array[] | null = null;
    void Promise.resolve(live.syncStep2For(Y.encodeStateVector(new Y.Doc()))).then((messages) => (answer = messages));
    await nextTurn();
    // A socket's change goes out at once, before it is stored; the server's waits.
    expect(reader.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["from a"]]);
    expect(answer).toBeNull();
    // The first commit is the socket's change; the second, the server's.
    commits[1]!();
    await nextTurn();
    await nextTurn();
    expect(reader.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["from a"], ["by the server"]]);
    expect(a.messages.map((m) => annotationsIn(updateOf(m)))).toEqual([["by the server"]]);
    expect(answer).not.toBeNull();
    const joined = new Y.Doc();
    for (const message of answer!) {
      const decoder = decoding.createDecoder(message);
      decoding.readVarUint(decoder);
      syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), joined, null);
    }
    expect(readAnnotations(joined).map((x) => x.body).sort()).toEqual(["by the server", "from a"]);
  });

  it("spares at most eight writers of one turn their own updates, so that a flood of writers costs no merge each", async () => {
    const { live, reader } = liveDocument();
    const writers = Array.from({ length: 10 }, () => peer());
    for (const w of writers) live.peers.add(w);
    writers.forEach((w, i) => live.apply(written(`w${i}`), { userId: `u${i}`, peer: w }));
    await nextTurn();
    const all = writers.map((_, i) => `w${i}`).sort();
    expect(annotationsIn(updateOf(reader.messages[0]!))).toEqual(all);
    expect(annotationsIn(updateOf(writers[0]!.messages[0]!))).toEqual(all.filter((b) => b !== "w0"));
    expect(writers[9]!.messages[0]).toBe(reader.messages[0]);
  });
});
