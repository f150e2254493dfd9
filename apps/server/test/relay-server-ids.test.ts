import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { RedisRelay } from "../src/sync/broadcast/relay.ts";
import { DocStore } from "../src/sync/persist/doc-store.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { SETTLED } from "./support/settled.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * A process's server writes under a Yjs client id of its own (REST writes, moderation). Members on another
 * process learn it from the update stream, and may not write under it there either: at the server's next clocks
 * their struct and the server's would each be skipped by the process holding the other (docs/sync.md,
 * "5. What you may write"). Process A is a server process; B runs here, so that it unloads within moments.
 */
const missing = twoProcessesMissing("relay-server-ids.test");
const UNLOAD_MS = 50;

describe.runIf(!missing)("a server process's own Yjs client id, on another process", () => {
  const servers = twoProcesses();
  let b: TestApp;
  let bUrl: string;
  beforeAll(async () => {
    const database = servers.t.database;
    const relay = new RedisRelay({ url: servers.redis.url, logger: createLogger("silent"), store: new DocStore(database.db) });
    b = await createTestApp({ database, sync: { relay, idleUnloadMs: UNLOAD_MS } });
    bUrl = await b.listen();
  }, 30_000);
  afterAll(() => b?.stop());

  /**
   * An article whose document B (or `url`) has loaded, with a comment A's server wrote in it (during `around`):
   * B's watcher has it, and names A's client id.
   */
  async function writtenThroughA(url = bUrl, around = (write: () => Promise<void>) => write()) {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const room = article.sync.room;
    const watcher = servers.open(url, room, owner.token);
    await watcher.synced;
    let id = "";
    await around(async () => {
      const posted = await callProcess(servers.a, owner, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "through A" });
      expect(posted.status).toBe(201);
      id = posted.body!.id as string;
    });
    const serverId = await eventually(() => {
      const map = annotationsOf(watcher.doc).get(id);
      expect(map).toBeDefined();
      return map!._item!.id.client;
    }, SETTLED.timeout);
    return { room, watcher, member: members[0]!, serverId };
  }

  /**
   * `member`, through B, sends a comment of their own written under A's server's id at its next clock: refused
   * (4403). Crafted apart from the socket's copy, which Yjs gives a new id when content under its own arrives.
   */
  async function expectRefusedUnder(serverId: number, room: string, member: { token: string; user: { id: string } }, url = bUrl) {
    const poser = servers.open(url, room, member.token);
    await poser.synced;
    const forging = new Y.Doc();
    Y.applyUpdate(forging, Y.encodeStateAsUpdate(poser.doc));
    forging.clientID = serverId;
    const before = Y.encodeStateVector(forging);
    createAnnotation(forging, { kind: "comment", authorId: member.user.id, body: "under A's server's client id" });
    const forged = Y.encodeStateAsUpdate(forging, before);
    expect([...Y.parseUpdateMeta(forged).from]).toEqual([[serverId, Y.getState(poser.doc.store, serverId)]]); // at its next clock
    Y.applyUpdate(poser.doc, forged);
    await eventually(() => expect(poser.closes.map((c) => c.code)).toEqual([4403]), SETTLED.timeout);
    expect(poser.closes[0]!.reason).toMatch(/writes for another user/);
  }

  it("refuses a member writing under it while B has the document loaded", async () => {
    const { room, member, serverId } = await writtenThroughA();
    await expectRefusedUnder(serverId, room, member);
  }, 30_000);

  it("refuses a member writing under it after B unloaded the document and loaded it again", async () => {
    const { room, watcher, member, serverId } = await writtenThroughA();
    watcher.provider.disconnect(); // its last socket gone, B unloads the document
    await eventually(() => expect(b.hub.isLoaded(room)).toBe(false), SETTLED.timeout);
    await expectRefusedUnder(serverId, room, member);
  }, 30_000);

  it("refuses a member writing under it on a process that missed its claim while Redis was away, once caught up", async () => {
    const { room, member, serverId } = await writtenThroughA(servers.b.url, servers.withRelayDown);
    await expectRefusedUnder(serverId, room, member, servers.b.url);
  }, 60_000);
});
