import { eq, sql } from "drizzle-orm";
import { sessions } from "@marginalia/schema/tables";
import type { SSEStreamingApi } from "hono/streaming";
import { afterEach, describe, expect, it } from "vitest";
import { notificationBell } from "../../src/services/notification-bell.ts";
import { MAX_STREAMS_PER_ACCOUNT, NotificationStreams } from "../../src/services/notification-streams.ts";
import { createLogger } from "../../src/logger.ts";
import { type Member, articleWithMembers } from "../support/article.ts";
import { type EventStreamClient, openEventStream } from "../support/event-stream.ts";
import { liveServer } from "../support/live.ts";
import { eventually } from "../support/sync-client.ts";

const live = liveServer();
const opened: EventStreamClient[] = [];
afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
});

const PATH = "/api/me/notifications/stream";

/** A stream for `who`, by session cookie or by token, once the server has said it is ready. */
async function stream(who: { cookie?: string; bearer?: string }, headers: Record<string, string> = {}, path = PATH) {
  const auth: Record<string, string> = who.bearer ? { authorization: `Bearer ${who.bearer}` } : { cookie: who.cookie! };
  const client = await openEventStream(`${live.url}${path}`, { ...auth, ...headers });
  opened.push(client);
  if (client.status === 200) await eventually(() => expect(client.events.map((e) => e.event)).toContain("ready"), 5_000);
  return client;
}

const pushed = (client: EventStreamClient) => client.events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data));

async function thread() {
  const d = await articleWithMembers(live.t.app, ["annotator", "annotator"]);
  const [author, peer] = d.members as unknown as [Member & { cookie: string }, Member & { cookie: string }];
  const parent = await author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "Is this figure right?" });
  const reply = (body: string) => peer.post(`/api/annotations/${parent.body.id}/replies`, { body });
  return { ...d, author, peer, reply };
}

describe("the notification stream", () => {
  it("pushes a notification once it is committed, as the list shows it, and resumes after Last-Event-ID", async () => {
    const d = await thread();
    const client = await stream(d.author);
    const reply = await d.reply("Checking the figure");
    expect(reply.status).toBe(201);
    await eventually(() => expect(pushed(client)).toHaveLength(1), 5_000);
    const listed = (await d.author.get("/api/me/notifications")).body.notifications;
    expect(pushed(client)).toEqual(listed);
    expect(client.events.find((e) => e.event === "notification")!.id).toBe(String(listed[0].id));

    // Nothing older than the stream is sent to a new one; a reconnecting one gets what came after its last event.
    const fresh = await stream(d.author);
    await d.reply("And another");
    await eventually(() => expect(pushed(fresh)).toHaveLength(1), 5_000);
    const resumed = await stream(d.author, { "last-event-id": String(listed[0].id) });
    await eventually(() => expect(pushed(resumed).map((n) => n.id)).toEqual([pushed(fresh)[0].id]), 5_000);
    const fromQuery = await stream(d.author, {}, `${PATH}?after=0`);
    await eventually(() => expect(pushed(fromQuery)).toHaveLength(2), 5_000);
  });

  it("sends a notification that became readable after a higher one was sent, once, and resumes after the highest", async () => {
    const d = await thread();
    const client = await stream(d.author);
    const [{ top }] = (await live.t.database.db.execute(sql`select coalesce(max(id), 0)::int as top from notifications`)) as unknown as [{ top: number }];
    // Ids are taken at insert and commits land in any order: the higher id is readable first.
    const write = async (id: number, event: string) => {
      await live.t.database.db.execute(
        sql`insert into notifications (id, user_id, kind, annotation_id, article_id, event) overriding system value
            values (${id}, ${d.author.user.id}, 'reply', ${"late-" + event}, ${d.article.id}, ${event})`,
      );
      notificationBell.ring([d.author.user.id]);
    };
    await write(top + 1_000_000, "first committed");
    await eventually(() => expect(pushed(client).map((n) => n.id)).toEqual([top + 1_000_000]), 5_000);
    await write(top + 500_000, "committed later");
    await eventually(() => expect(pushed(client).map((n) => n.id)).toEqual([top + 1_000_000, top + 500_000]), 5_000);
    // Rung again: nothing is sent twice; the resume point stays the highest sent.
    notificationBell.ring([d.author.user.id]);
    await d.reply("and a real one");
    await eventually(() => expect(pushed(client)).toHaveLength(3), 5_000);
    expect(new Set(pushed(client).map((n) => n.id)).size).toBe(3);
    const ids = client.events.filter((e) => e.event === "notification").map((e) => Number(e.id));
    expect(ids.slice(0, 2)).toEqual([top + 1_000_000, top + 1_000_000]);
  });

  it("ends a stream when its session logs out", async () => {
    const d = await thread();
    const client = await stream(d.author);
    expect((await d.author.post("/api/auth/logout")).status).toBe(204);
    await client.ended;
    expect(client.events.at(-1)).toMatchObject({ event: "end" });
    expect(JSON.parse(client.events.at(-1)!.data)).toEqual({ reason: "session ended" });
  });

  it("ends a stream when its token is revoked, and refuses the token afterwards", async () => {
    const d = await thread();
    const created = await d.author.post("/api/tokens", { name: "watcher" });
    const client = await stream({ bearer: created.body.token });
    expect((await d.author.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    await client.ended;
    expect(JSON.parse(client.events.at(-1)!.data)).toEqual({ reason: "token revoked" });
    expect((await stream({ bearer: created.body.token })).status).toBe(401);
  });

  it("ends a stream whose session ended with no event announcing it, at the next heartbeat", async () => {
    const d = await thread();
    const client = await stream(d.author);
    const sessionId = d.author.cookie.split("=")[1]!;
    const deleted = await live.t.database.db.delete(sessions).returning({ id: sessions.id }).where(eq(sessions.userId, d.author.user.id));
    expect(deleted.length).toBeGreaterThan(0);
    expect(sessionId).toBeTruthy();
    await live.t.notificationStreams.heartbeat();
    await client.ended;
    expect(client.comments()).toBeGreaterThan(0);
  });

  it(`refuses more than ${MAX_STREAMS_PER_ACCOUNT} streams for one account, and takes one again when another closes`, async () => {
    const d = await thread();
    const clients = [];
    for (let i = 0; i < MAX_STREAMS_PER_ACCOUNT; i++) clients.push(await stream(d.author));
    const refused = await stream(d.author);
    expect(refused.status).toBe(429);
    // Another account is not held by this one's streams.
    expect((await stream(d.peer)).status).toBe(200);
    clients[0]!.close();
    await eventually(async () => expect((await stream(d.author)).status).toBe(200), 5_000);
  });

  it("reads once per ring for all of an account's streams, and each stream, one opened mid-burst too, sends each notification once", async () => {
    const d = await thread();
    const clients = [await stream(d.author), await stream(d.author), await stream(d.author)];
    const counts = live.t.notificationStreams.reads.counts;
    const before = { ...counts };
    await d.reply("one");
    await eventually(() => clients.forEach((c) => expect(pushed(c)).toHaveLength(1)), 5_000);
    expect(counts.shared - before.shared).toBe(1);
    expect(counts.own - before.own).toBe(0);

    // A stream opened between a ring and its read, from the id the others had: it reads its way level, then joins.
    const first = pushed(clients[0]!)[0].id as number;
    await d.reply("two");
    const late = await stream(d.author, {}, `${PATH}?after=${first}`);
    await d.reply("three");
    await eventually(() => expect(pushed(late)).toHaveLength(2), 5_000);
    await d.reply("four");
    const listed = ((await d.author.get("/api/me/notifications")).body.notifications as { id: number }[]).map((n) => n.id).reverse();
    expect(listed).toHaveLength(4);
    await eventually(() => {
      for (const c of clients) expect(pushed(c).map((n) => n.id)).toEqual(listed);
      expect(pushed(late).map((n) => n.id)).toEqual(listed.slice(1));
    }, 5_000);
  });

  it("lets a stream whose client is slow fall behind its account's feed and catch up on its own, missing nothing", async () => {
    const d = await thread();
    const streams = new NotificationStreams(live.t.database.db, notificationBell, createLogger("silent"), 60_000);
    const auth = { via: "session" as const, user: d.author.user, sessionId: "slow-client" };
    // A client whose first notification is not taken until `release`, and one that takes everything.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const fake = (slow: boolean) => {
      const ids: number[] = [];
      const sse = {
        onAbort: () => {},
        abort: () => {},
        write: async () => {},
        writeSSE: async (m: { event: string; data: string }) => {
          if (m.event !== "notification") return;
          ids.push(JSON.parse(m.data).id);
          if (slow && ids.length === 1) await held;
        },
      };
      return { ids, sse: sse as unknown as SSEStreamingApi };
    };
    const slow = fake(true);
    const quick = fake(false);
    const running = [streams.take(auth)!.run(slow.sse, null), streams.take(auth)!.run(quick.sse, null)];
    await eventually(() => expect(streams.reads.counts.start).toBe(3), 5_000);
    await d.reply("one");
    await eventually(() => expect(slow.ids).toHaveLength(1), 5_000);
    await d.reply("two");
    await eventually(() => expect(quick.ids).toHaveLength(2), 5_000);
    // The feed read "two" while the slow client still held "one": it is not queued for that client.
    expect(slow.ids).toHaveLength(1);
    const ownBefore = streams.reads.counts.own;
    release();
    await eventually(() => expect(slow.ids).toEqual(quick.ids), 5_000);
    expect(streams.reads.counts.own).toBeGreaterThan(ownBefore);
    await d.reply("three");
    await eventually(() => expect(slow.ids).toHaveLength(3), 5_000);
    expect(slow.ids).toEqual(quick.ids);
    expect(new Set(slow.ids).size).toBe(3);
    streams.close();
    await Promise.all(running);
  });
  it("ends its streams at a shutdown with an `end` event, and takes no new one afterwards", async () => {
    const d = await thread();
    const streams = new NotificationStreams(live.t.database.db, notificationBell, createLogger("silent"), 60_000);
    const auth = { via: "session" as const, user: d.author.user, sessionId: "shutting-down" };
    const events: { event: string; data: string }[] = [];
    const sse = { onAbort: () => {}, abort: () => {}, write: async () => {}, writeSSE: async (m: { event: string; data: string }) => void events.push(m) };
    const running = streams.take(auth)!.run(sse as unknown as SSEStreamingApi, null);
    await eventually(() => expect(events.map((e) => e.event)).toContain("ready"), 5_000);
    streams.close();
    await running;
    expect(events.at(-1)).toMatchObject({ event: "end" });
    // One asked for on a connection kept alive past the signal would read a database about to close.
    expect(() => streams.take(auth)).toThrow(expect.objectContaining({ status: 503 }));
    expect(streams.size).toBe(0);
  });
});
