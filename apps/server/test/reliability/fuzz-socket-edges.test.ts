import * as encoding from "lib0/encoding";
import type WebSocket from "ws";
import WsClient from "ws";
import * as Y from "yjs";
import { SYNC_CLOSE_CODES, annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { connectCore, updateMessage } from "./support/core.ts";
import { groupContext } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";
import { fuzzDesk } from "./support/fuzz-desk.ts";
import { rawSession } from "./support/raw-session.ts";
import { socketAuth } from "../support/socket-auth.ts";

/**
 * Cases the websocket fuzzing (fuzz-socket.test.ts) once found, pinned as
 * their own tests against the same kind of desk: a truncated frame waited
 * out by the heartbeat, a peer that sends but never answers a ping,
 * presence after a reconnect that others echoed the
 * departure of, and a forged deletion of content the server does not have yet.
 */

/** Short, so that frames the server must wait out (truncated ones) end within the test's patience. */
const HEARTBEAT_MS = 2_000;
const desk = fuzzDesk(HEARTBEAT_MS);

describe("fuzzing the websocket", () => {
  it("waits for the rest of a frame that promises more bytes than it sends, and closes it with 4508 at the heartbeat", async () => {
    // A binary frame whose masked header announces 100 bytes, followed by 10 of them. The server cannot
    // read anything after it (a pong included) until the rest arrives, so it is right to wait; the
    // heartbeat is what ends the wait: the first ping goes unanswered, and the next tick closes.
    const port = Number(new URL(desk.url).port);
    const truncated = new Uint8Array([0x82, 0x80 | 100, 1, 2, 3, 4, ...new Uint8Array(10)]);
    const started = Date.now();
    const outcome = await rawSession(port, `/sync/${desk.setup.article.sync.room}`, desk.setup.members[1]!.token, truncated);
    const waited = Date.now() - started;
    expect(outcome).toBe(SYNC_CLOSE_CODES.timeout);
    expect(waited, "closed before the peer missed a ping").toBeGreaterThanOrEqual(HEARTBEAT_MS);
    // The same frame sent whole is an ordinary (malformed) message, refused at once.
    const whole = new Uint8Array([0x82, 0x80 | 3, 1, 2, 3, 4, 0xff, 0xff, 0xff]);
    expect(await rawSession(port, `/sync/${desk.setup.article.sync.room}`, desk.setup.members[1]!.token, whole)).toBe(SYNC_CLOSE_CODES.badMessage);
    for (const c of desk.honest) expect(c.closes, "an honest client was closed").toEqual([]);
  });

  it("closes with 4508 a client that goes on sending but never answers a ping", async () => {
    // What a peer that has stopped reading looks like from here: its pings go unanswered while it keeps
    // sending (presence renewals, say). Messages stood in for the pong, and such a socket stayed open for good.
    const { params, headers } = socketAuth(desk.setup.members[1]!.token);
    const query = new URLSearchParams(params).toString();
    const peer = new WsClient(`${desk.url.replace(/^http/, "ws")}/sync/${desk.setup.article.sync.room}${query && `?${query}`}`, { headers, autoPong: false });
    const closed = new Promise<number>((resolve) => peer.on("close", resolve));
    const queryAwareness = new Uint8Array([3]);
    const chatter = setInterval(() => peer.readyState === WsClient.OPEN && peer.send(queryAwareness), HEARTBEAT_MS / 4);
    try {
      expect(await closed).toBe(SYNC_CLOSE_CODES.timeout);
    } finally {
      clearInterval(chatter);
      peer.terminate();
    }
    for (const c of desk.honest) expect(c.closes, "an honest client was closed").toEqual([]);
  });

  it("shows a client's presence again after it reconnects, although others echoed its departure", async () => {
    // y-websocket providers re-send every awareness change they see, removals included. The echo of a departed
    // client's removal used to make the echoing connection the owner of that client id, for as long as it stayed:
    // the returning client's own presence was then dropped, and every departure left an entry behind.
    const [watcher] = desk.honest as [SyncClient];
    const member = desk.setup.members[0]!;
    const returning = openSyncClient(desk.url, desk.setup.article.sync.room, member.token);
    try {
      await returning.synced;
      const seen = () => watcher.provider.awareness.getStates().get(returning.doc.clientID) as { user?: { id: string }; selection?: unknown } | undefined;
      returning.provider.awareness.setLocalStateField("selection", { start: 1, end: 2 });
      await eventually(() => expect(seen()?.selection).toEqual({ start: 1, end: 2 }), 5_000);
      // The network drops (no goodbye from the client): the server removes its presence, the watcher echoes that.
      (returning.provider.ws as unknown as WebSocket).terminate();
      await eventually(() => expect(seen()).toBeUndefined(), 5_000);
      // The provider reconnects by itself.
      await eventually(() => expect(returning.provider.synced, `reconnected (closes: ${JSON.stringify(returning.closes)})`).toBe(true), 20_000);
      returning.provider.awareness.setLocalStateField("selection", { start: 5, end: 9 });
      await eventually(() => expect(seen()).toMatchObject({ user: { id: member.user.id }, selection: { start: 5, end: 9 } }), 10_000);
    } finally {
      returning.destroy();
    }
  });

  it("holds a forged deletion of content the server does not have yet, and refuses it once that content arrives", async () => {
    // Before the fix, Yjs kept such a delete set pending and applied it to whatever was written there later:
    // an annotator could delete the owner's next annotation before it existed.
    const [owner] = desk.honest as [SyncClient];
    const attacker = connectCore(desk.t.hub, desk.setup.article.sync.room, desk.setup.members[1]!.token);
    await attacker.ready;
    const victim = owner.doc.clientID;
    const from = Y.getState(owner.doc.store, victim);
    const forged = encoding.createEncoder(); // a Yjs v1 update with no structs and one delete-set range
    for (const n of [0, 1, victim, 1, from, 10_000]) encoding.writeVarUint(forged, n);
    attacker.connection.receive(updateMessage(encoding.toUint8Array(forged)));
    await sleep(20);
    expect(attacker.closed).toBeNull(); // held: it can be judged only once that content exists

    const id = createAnnotation(owner.doc, { kind: "comment", authorId: desk.setup.owner.user.id, body: "written after the forged delete" });
    const ctx = groupContext({ id: desk.setup.article.id, groupId: desk.setup.group.id });
    await eventually(async () => expect(await desk.t.hub.read(ctx, (l) => annotationsOf(l.doc).has(id))).toBe(true), 5_000);
    // Once that content exists, the held update is judged again, against it.
    expect((await attacker.done).code).toBe(4403);
    await sleep(50);
    expect(await desk.t.hub.read(ctx, (l) => annotationsOf(l.doc).has(id))).toBe(true);
    expect(annotationsOf(owner.doc).has(id)).toBe(true);
  });
});
