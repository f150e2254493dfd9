import { eq } from "drizzle-orm";
import * as encoding from "lib0/encoding";
import { Redis } from "ioredis";
import * as Y from "yjs";
import { FRAME, ID_BYTES, encodeFrame } from "../src/sync/broadcast/relay-frame.ts";
import { annotations } from "@marginalia/schema/tables";
import { annotationsOf, buildTarget, createAnnotation, readAnnotations, withheldOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { checkedFetch } from "./support/openapi.ts";
import type { ServerProcess } from "./support/process.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";
import { twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Rules that must hold across processes while sockets are open: a change made through one process,
 * seen by sockets on another (docs/architecture.md, "More than one process"). Outages of the relay
 * make the races these guard against happen every time rather than now and then.
 */
const missing = twoProcessesMissing("relay-rules.test");

describe.runIf(!missing)("rules across two server processes", () => {
  const servers = twoProcesses();
  const { open, withRelayDown } = servers;
  /** A REST call through one process, as a signed-in member. */
  const call = (server: ServerProcess, who: { cookie?: string }, method: string, path: string, body?: unknown, type = "application/json") =>
    checkedFetch(`${server.url}${path}`, {
      method,
      headers: { cookie: who.cookie!, ...(body !== undefined && { "content-type": type }) },
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });

  /** `member`, through B, writes an annotation of their own under `clientId`: refused (4403), the id being another's. */
  const expectRefusedUnder = async (clientId: number, room: string, member: { token: string; user: { id: string } }) => {
    const posing = new Y.Doc();
    posing.clientID = clientId;
    const poser = open(servers.b.url, room, member.token, { doc: posing });
    await poser.synced;
    createAnnotation(posing, { kind: "comment", authorId: member.user.id, body: "under the owner's client id" });
    await eventually(() => expect(poser.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    expect(poser.closes[0]!.reason).toMatch(/writes for another user/);
  };

  it("judges targets on the other process by the text revised through this one, at once", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const author = members[0]!;
    const first = open(servers.b.url, article.sync.room, author.token);
    await first.synced; // B now keeps the article's first text
    const textOf = async () => ((await call(servers.a, owner, "GET", `/api/articles/${article.id}`).then((r) => r.json())) as { text: string }).text;
    const text = await textOf();
    expect((await call(servers.a, owner, "PUT", `/api/articles/${article.id}/text`, `${text}\n\nA correction was added.`, "text/plain")).status).toBe(201);
    await eventually(() => expect(servers.b.output()).toMatch(/"access":"article-revised"[^\n]*"msg":"access changed"/), 5_000);

    const revised = await textOf();
    const points = Array.from(revised);
    const start = points.length - "correction was added.".length;
    const onNew = buildTarget(revised, { start, end: start + "correction".length }, 2);
    const id = createAnnotation(first.doc, { kind: "comment", authorId: author.user.id, body: "on the new text", target: onNew });
    await eventually(async () => expect([first.closes, (await call(servers.a, owner, "GET", `/api/annotations/${id}`)).status]).toEqual([[], 200]), 5_000);

    // Work on the old text (made offline, say) is judged on that text, taken, and moved onto the new one:
    // before, it was refused with 4403, which providers give up on, and lost.
    const stale = open(servers.b.url, article.sync.room, author.token, { reconnect: true });
    await stale.synced;
    const onOld = buildTarget(text, { start: 0, end: 5 }, 1);
    const late = createAnnotation(stale.doc, { kind: "comment", authorId: author.user.id, body: "on the old text", target: onOld });
    await eventually(async () => {
      const stored = (await (await call(servers.a, owner, "GET", `/api/annotations/${late}`)).json()) as { target: { revision: number; exact: string } };
      expect(stored.target).toMatchObject({ revision: 2, exact: Array.from(text).slice(0, 5).join("") });
    }, 15_000);
    expect(stale.closes.map((c) => c.code).filter((code) => code !== 4503)).toEqual([]);
    // A target that is not the text of the revision it names is still refused.
    const wrong = open(servers.b.url, article.sync.room, author.token);
    await wrong.synced;
    createAnnotation(wrong.doc, { kind: "comment", authorId: author.user.id, body: "misquoted", target: { ...onOld, exact: "zzzzz" } });
    await eventually(() => expect(wrong.closes.map((c) => c.code)).toEqual([4403]), 5_000);
  });

  it("closes a removed member's socket on the other process within seconds while Redis is down", async () => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const onB = open(servers.b.url, article.sync.room, members[0]!.token);
    await onB.synced;
    await withRelayDown(async () => {
      const removedAt = Date.now();
      expect((await call(servers.a, owner, "DELETE", `/api/groups/${group.id}/members/${members[0]!.user.id}`)).status).toBe(204);
      // The event cannot cross; the database check, every 2 s while the relay is down, finds it (it was 30 s).
      await eventually(() => expect(onB.closes.map((c) => c.code)).toEqual([4403]), 10_000);
      console.log(`[relay-rules.test] with Redis down, the removal closed the socket on the other process in ${Date.now() - removedAt} ms`);
    });
  });

  it("closes sockets on the other process with 4409 and 4511 while Redis is down, for anonymity turned on and a new quorum", async () => {
    const anon = await articleWithMembers(servers.t.app, ["annotator"]);
    const board = await articleWithMembers(servers.t.app, ["moderator"], "pre");
    const [renamedOnB, requorumedOnB] = [open(servers.b.url, anon.article.sync.room, anon.members[0]!.token), open(servers.b.url, board.article.sync.room, board.members[0]!.token)];
    await Promise.all([renamedOnB.synced, requorumedOnB.synced]);
    await withRelayDown(async () => {
      // Left open, the first would go on writing, and showing presence, under the account's id in an anonymous group.
      expect((await call(servers.a, anon.owner, "PATCH", `/api/groups/${anon.group.id}`, { anonymousToPeers: true })).status).toBe(200);
      expect((await call(servers.a, board.owner, "PATCH", `/api/groups/${board.group.id}`, { reviewQuorum: 2 })).status).toBe(200);
      await eventually(() => expect([renamedOnB, requorumedOnB].map((s) => s.closes.map((c) => c.code))).toEqual([[4409], [4511]]), 10_000);
    });
  });

  it("moves out a reply stored on one process to a thread the other hid meanwhile, once they meet again", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const author = members[0]!;
    const thread = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "a thread to hide" });
    const threadId = ((await thread.json()) as { id: string }).id;
    const onA = open(servers.a.url, article.sync.room, owner.token);
    const onB = open(servers.b.url, article.sync.room, author.token);
    await Promise.all([onA.synced, onB.synced]);
    await eventually(() => expect(annotationsOf(onB.doc).has(threadId)).toBe(true), 5_000);

    let replyId = "";
    await withRelayDown(async () => {
      expect((await call(servers.a, owner, "POST", `/api/annotations/${threadId}/hide`, { reason: "off topic" })).status).toBe(200);
      // B has not heard of the hiding: it takes the reply, and keeps it in the group document.
      replyId = createAnnotation(onB.doc, { kind: "comment", authorId: author.user.id, body: "a reply written meanwhile", parentId: threadId });
      await eventually(async () => expect(await servers.t.database.db.select({ id: annotations.id }).from(annotations).where(eq(annotations.id, replyId))).toHaveLength(1), 5_000);
    });

    // Whoever joins, on either process, finds the reply gone with its thread.
    await eventually(async () => {
      for (const server of [servers.b, servers.a]) {
        const fresh = openSyncClient(server.url, article.sync.room, author.token);
        try {
          await fresh.synced;
          expect(readAnnotations(fresh.doc).map((x) => x.id)).not.toContain(replyId);
          expect(withheldOf(fresh.doc).has(threadId)).toBe(true);
        } finally {
          fresh.destroy();
        }
      }
    }, 15_000);
  });

  it("stores the merge of two edits made at once on two processes, not the edit written last", async () => {
    const { owner, article } = await articleWithMembers(servers.t.app, []);
    const created = await call(servers.a, owner, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "first words", tags: ["start"] });
    const id = ((await created.json()) as { id: string }).id;
    const onA = open(servers.a.url, article.sync.room, owner.token);
    const onB = open(servers.b.url, article.sync.room, owner.token);
    await Promise.all([onA.synced, onB.synced]);
    await eventually(() => expect(annotationsOf(onB.doc).has(id)).toBe(true), 5_000);

    await withRelayDown(async () => {
      expect((await call(servers.a, owner, "PATCH", `/api/annotations/${id}`, { body: "edited through A" })).status).toBe(200);
      expect((await call(servers.b, owner, "PATCH", `/api/annotations/${id}`, { tags: ["from-b"] })).status).toBe(200);
    });

    await eventually(async () => {
      for (const client of [onA, onB]) expect(readAnnotations(client.doc).find((x) => x.id === id)).toMatchObject({ body: "edited through A", tags: ["from-b"] });
      for (const server of [servers.a, servers.b]) {
        const stored = (await (await call(server, owner, "GET", `/api/annotations/${id}`)).json()) as { body: string; tags: string[] };
        expect({ body: stored.body, tags: stored.tags }).toEqual({ body: "edited through A", tags: ["from-b"] });
      }
    }, 15_000);
  });

  it("keeps a Yjs client id shown on another process its member's while shown: another member cannot write under it", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const other = members[0]!;
    const watcher = open(servers.b.url, article.sync.room, owner.token);
    await watcher.synced;
    const shown = open(servers.a.url, article.sync.room, owner.token); // presence only, through A
    await shown.synced;
    const clientId = shown.doc.clientID;
    shown.provider.awareness.setLocalStateField("selection", { start: 0, end: 3 });
    await eventually(() => expect([...watcher.provider.awareness.getStates().keys()]).toContain(clientId), 5_000);
    await expectRefusedUnder(clientId, article.sync.room, other);
  });

  it("keeps a Yjs client id claimed on another process its claimant's: another member cannot write under it", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator"]);
    const other = members[0]!;
    const watcher = open(servers.b.url, article.sync.room, owner.token);
    await watcher.synced; // B has the document loaded before the claim is made elsewhere
    // A claim as another process relays it (relay-frame.ts, claim): client id 7,777,777 is the owner's.
    const clientId = 7_777_777;
    const payload = encoding.createEncoder();
    encoding.writeVarUint(payload, clientId);
    encoding.writeVarString(payload, owner.user.id);
    const redis = new Redis(servers.redis.url);
    try {
      await redis.publish(`marginalia:doc:${article.sync.room}`, encodeFrame(FRAME.claim, new Uint8Array(ID_BYTES).fill(9), encoding.toUint8Array(payload)));
    } finally {
      redis.disconnect();
    }
    await expectRefusedUnder(clientId, article.sync.room, other);
  });
});
