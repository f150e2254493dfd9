import { annotationsOf, createAnnotation, withheldOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { SETTLED } from "./support/settled.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * A reply that reaches the server after its thread was hidden (written offline, or in the instant of the hide)
 * is taken and then moved after its thread into the hidden document. Before, it was first sent to every
 * member's socket on both processes, and taken away again once the move was stored: members' sockets carried
 * hidden work (docs/sync.md, "1. Find the rooms").
 */
const missing = twoProcessesMissing("relay-withheld-replies.test");
const SECRET = "a reply to a hidden thread";

describe.runIf(!missing)("a reply to a hidden thread, across two server processes", () => {
  const servers = twoProcesses();

  it("reaches the moderators' hidden document and no member's socket", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator", "annotator"]);
    const [author, peer] = members as [(typeof members)[0], (typeof members)[0]];
    const thread = await call(servers.a, peer, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "A thread" });
    expect(thread.status).toBe(201);
    const threadId = thread.body!.id as string;
    const { memberId } = (await call(servers.b, author, "GET", `/api/articles/${article.id}`)).body as { memberId: string };
    const writer = servers.open(servers.b.url, article.sync.room, author.token, { acks: true });
    const readers = [servers.a, servers.b].map((server) => servers.open(server.url, article.sync.room, peer.token));
    await Promise.all([writer, ...readers].map((c) => c.synced));
    expect((await call(servers.a, owner, "POST", `/api/annotations/${threadId}/hide`, {})).status).toBe(200);
    for (const c of [writer, ...readers]) await eventually(() => expect(withheldOf(c.doc).has(threadId)).toBe(true), SETTLED.timeout);
    const carried: string[] = [];
    readers.forEach((reader, i) => reader.doc.on("update", (update: Uint8Array) => Buffer.from(update).includes(SECRET) && carried.push(`reader ${i}`)));
    // The writer's copy no longer has the thread; a stock client writes the reply all the same.
    const replyId = createAnnotation(writer.doc, { kind: "comment", authorId: memberId, body: SECRET, parentId: threadId, status: "published" });
    await eventually(() => expect(writer.acks.length).toBeGreaterThan(0), SETTLED.timeout);
    // Taken, and moved after its thread: moderators read it in the hidden document.
    const { sync } = (await call(servers.a, owner, "GET", `/api/articles/${article.id}`)).body as { sync: { hiddenRoom: string } };
    const hidden = servers.open(servers.a.url, sync.hiddenRoom, owner.token);
    await eventually(() => expect(annotationsOf(hidden.doc).get(replyId)?.get("body")?.toString()).toBe(SECRET), SETTLED.timeout);
    // The move reached the members (its id withheld now), and the reply itself never did.
    for (const reader of readers) await eventually(() => expect(withheldOf(reader.doc).has(replyId)).toBe(true), SETTLED.timeout);
    expect(carried).toEqual([]);
    expect(readers.map((reader) => annotationsOf(reader.doc).has(replyId))).toEqual([false, false]);
    expect([writer, ...readers].map((c) => c.closes)).toEqual([[], [], []]);
  }, 60_000);
});
