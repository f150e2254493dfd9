import { afterAll, describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { type EventStreamClient, openEventStream } from "./support/event-stream.ts";
import { checkedFetch } from "./support/openapi.ts";
import { eventually } from "./support/sync-client.ts";
import { twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

const missing = twoProcessesMissing("relay-notifications.test");

describe.runIf(!missing)("notification streams across two server processes", () => {
  const servers = twoProcesses();
  const opened: EventStreamClient[] = [];
  afterAll(() => {
    for (const stream of opened) stream.close();
  });

  it("pushes a notification written through one process to a stream open on the other, and ends it on a logout made on the first", async () => {
    const { article, members } = await articleWithMembers(servers.t.app, ["annotator", "annotator"]);
    const [author, peer] = members as [(typeof members)[0], (typeof members)[0]];
    const onA = (who: { cookie?: string }, method: string, path: string, body?: unknown) =>
      checkedFetch(`${servers.a.url}${path}`, {
        method,
        headers: { cookie: who.cookie!, ...(body !== undefined && { "content-type": "application/json" }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const parent = await (await onA(author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "Is this right?" })).json() as { id: string };

    const stream = await openEventStream(`${servers.b.url}/api/me/notifications/stream`, { cookie: author.cookie! });
    opened.push(stream);
    expect(stream.status).toBe(200);
    await eventually(() => expect(stream.events.map((e) => e.event)).toContain("ready"), 5_000);

    const reply = await onA(peer, "POST", `/api/annotations/${parent.id}/replies`, { body: "Checking it" });
    expect(reply.status).toBe(201);
    const { id: replyId } = (await reply.json()) as { id: string };
    await eventually(() => {
      const pushed = stream.events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data));
      expect(pushed).toEqual([expect.objectContaining({ kind: "reply", annotationId: replyId })]);
    }, 5_000);

    expect((await onA(author, "POST", "/api/auth/logout")).status).toBe(204);
    await stream.ended;
    expect(stream.events.at(-1)).toMatchObject({ event: "end" });
  });
});
