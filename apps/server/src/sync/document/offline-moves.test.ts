import * as Y from "yjs";
import { type TextTarget, annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { ClientIds } from "../authorize/client-ids.ts";
import { keepOfflineMoves } from "./offline-moves.ts";

const SOCKET = Symbol("socket");
const PROCESS = Symbol("process");
const SERVER_ID = 1_000;

const target = (revision: number, exact: string): TextTarget => ({ revision, exact, prefix: "", suffix: "", start: 0, end: Array.from(exact).length });

/** A server's copy, keeping moves as the live document does, and a member's copy of it with a lower client id (so it loses ties). */
function copies() {
  const server = new Y.Doc();
  server.clientID = SERVER_ID;
  const clientIds = new ClientIds(SERVER_ID);
  const written: string[] = [];
  server.on("afterTransaction", (tr: Y.Transaction) => {
    const from = tr.origin === SOCKET ? "socket" : tr.origin === PROCESS ? "process" : null;
    if (from && keepOfflineMoves(tr, from, clientIds)) written.push(from);
  });
  const id = createAnnotation(server, { kind: "comment", authorId: "alice", body: "note", target: target(1, "old place") });
  // Without garbage collection, so that what it overwrote itself still travels with its content.
  const member = new Y.Doc({ gc: false });
  member.clientID = 1;
  Y.applyUpdate(member, Y.encodeStateAsUpdate(server));
  const targetOf = (doc: Y.Doc) => annotationsOf(doc).get(id)!.get("target") as TextTarget;
  const setTarget = (doc: Y.Doc, value: TextTarget) => annotationsOf(doc).get(id)!.set("target", value);
  /** What the member wrote that the server lacks, applied there with `origin`. */
  const deliver = (origin: symbol) => Y.applyUpdate(server, Y.encodeStateAsUpdate(member, Y.encodeStateVector(server)), origin);
  /** The member moves the target while the server, not having seen it, moves it too; then the member's arrives. */
  const race = (mine: TextTarget, servers: TextTarget, origin: symbol) => {
    setTarget(member, mine);
    setTarget(server, servers);
    deliver(origin);
  };
  return { server, member, clientIds, written, targetOf, setTarget, deliver, race };
}

describe("keepOfflineMoves", () => {
  it("writes again a member's move on an earlier revision that lost to a concurrent one on a later revision", () => {
    const c = copies();
    c.race(target(1, "new place"), target(2, "old place"), SOCKET);
    expect(c.written).toEqual(["socket"]);
    expect(c.targetOf(c.server)).toEqual(target(1, "new place"));
    // The copy written again comes after both: it reaches the member's copy and wins there too.
    Y.applyUpdate(c.member, Y.encodeStateAsUpdate(c.server, Y.encodeStateVector(c.member)));
    expect(c.targetOf(c.member)).toEqual(target(1, "new place"));
  });

  it("leaves a move that someone who had seen it overwrote, and ties on one revision, to Yjs", () => {
    const moved = copies();
    moved.setTarget(moved.member, target(1, "first try"));
    moved.setTarget(moved.member, target(2, "second try"));
    moved.deliver(SOCKET);
    expect(moved.written).toEqual([]);
    expect(moved.targetOf(moved.server)).toEqual(target(2, "second try"));

    const tie = copies();
    tie.race(target(2, "member's place"), target(2, "server's place"), SOCKET);
    expect(tie.written).toEqual([]);
    expect(tie.targetOf(tie.server)).toEqual(target(2, "server's place"));
  });

  it("from another process, writes again only what a member's client id wrote", () => {
    const unclaimed = copies();
    // An id nobody claimed here is another process's server, writing again what it wrote: left alone, or the
    // processes would take turns.
    unclaimed.race(target(1, "new place"), target(2, "old place"), PROCESS);
    expect(unclaimed.written).toEqual([]);
    expect(unclaimed.targetOf(unclaimed.server)).toEqual(target(2, "old place"));

    const claimed = copies();
    claimed.clientIds.claim(1, "alice");
    claimed.race(target(1, "new place"), target(2, "old place"), PROCESS);
    expect(claimed.written).toEqual(["process"]);
    expect(claimed.targetOf(claimed.server)).toEqual(target(1, "new place"));

    // The other order: the member's move is here first, and another process's move of the old target arrives.
    const later = copies();
    const other = new Y.Doc();
    other.clientID = SERVER_ID + 1;
    Y.applyUpdate(other, Y.encodeStateAsUpdate(later.server));
    later.setTarget(later.member, target(1, "new place"));
    later.deliver(SOCKET);
    later.clientIds.claim(1, "alice");
    later.setTarget(other, target(2, "old place"));
    Y.applyUpdate(later.server, Y.encodeStateAsUpdate(other, Y.encodeStateVector(later.server)), PROCESS);
    expect(later.written).toEqual(["process"]);
    expect(later.targetOf(later.server)).toEqual(target(1, "new place"));
  });
  it("returns a failure instead of throwing it into the clean-up of a change already applied", () => {
    const c = copies();
    const failures: unknown[] = [];
    c.server.on("afterTransaction", (tr: Y.Transaction) => {
      const broken = { heldByMember: () => { throw new Error("client ids unreadable"); } } as unknown as ClientIds;
      if (tr.origin === PROCESS) failures.push(keepOfflineMoves(tr, "process", broken));
    });
    expect(() => c.race(target(1, "new place"), target(2, "old place"), PROCESS)).not.toThrow();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(Error);
    expect((failures[0] as Error).message).toBe("client ids unreadable");
  });
});
