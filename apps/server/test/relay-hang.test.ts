import { createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { articleWithMembers } from "./support/article.ts";
import type { ServerProcess } from "./support/process.ts";
import { eventually } from "./support/sync-client.ts";
import { LOST, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Redis that hangs rather than dies (SIGSTOP): its connections stay open and nothing answers. Each process
 * must notice by itself, count the relay as down as it does when Redis is gone (docs/architecture.md,
 * "More than one process"), and catch up once Redis answers again.
 */

const missing = twoProcessesMissing("relay-hang.test");

const bodies = (doc: Y.Doc) => readAnnotations(doc).map((a) => a.body).sort();

async function readiness(server: ServerProcess) {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { missing?: string[] } };
}

describe.runIf(!missing)("two server processes when Redis hangs", () => {
  const servers = twoProcesses();
  const { open } = servers;

  it("count the relay as down while Redis does not answer, and carry an edit made meanwhile once it does", async () => {
    const { t, redis, a, b } = servers;
    const { owner, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const onA = open(a.url, article.sync.room, owner.token);
    const onB = open(b.url, article.sync.room, members[0]!.token);
    await Promise.all([onA.synced, onB.synced]);
    createAnnotation(onA.doc, { kind: "comment", authorId: owner.user.id, body: "before the hang" });
    await eventually(() => expect(bodies(onB.doc)).toEqual(["before the hang"]), 5_000);
    const written = ["before the hang"];
    // Twice: a process that noticed one hang must notice the next.
    for (const round of [1, 2]) {
      await expect.poll(async () => (await Promise.all([a, b].map(readiness))).map((r) => r.status), { timeout: 15_000, interval: 200 }).toEqual([200, 200]);
      const lost = [a, b].map((server) => server.output().match(LOST)?.length ?? 0);
      redis.pause();
      try {
        for (const server of [a, b]) {
          await expect.poll(() => readiness(server), { timeout: 15_000, interval: 200 }).toEqual({ status: 503, body: { status: "unavailable", missing: ["relay"] } });
        }
        // Noticed as a lost connection, which the processes log as they do when Redis goes away.
        await expect.poll(() => [a, b].map((server) => server.output().match(LOST)?.length ?? 0), { timeout: 10_000 }).toEqual(lost.map((n) => n + 1));
        createAnnotation(onA.doc, { kind: "comment", authorId: owner.user.id, body: `during hang ${round}` });
        written.push(`during hang ${round}`);
      } finally {
        redis.resume();
      }
      await expect.poll(() => bodies(onB.doc), { timeout: 15_000, interval: 100 }).toEqual([...written].sort());
    }
  }, 120_000);

  it("reports in /metrics how far behind each relay connection is: a pause shorter than a hang shows in it", async () => {
    const { redis, a } = servers;
    /** The subscriber's lag samples beyond half a second. */
    const slow = async () => {
      const lines = (await (await fetch(`${a.url}/metrics`)).text()).split("\n");
      const value = (name: string, ...labels: string[]) =>
        Number(lines.find((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))?.split(" ").at(-1) ?? Number.NaN);
      const subscriber = 'connection="subscriber"';
      return value("marginalia_relay_lag_seconds_count", subscriber) - value("marginalia_relay_lag_seconds_bucket", subscriber, 'le="0.5"');
    };
    await expect.poll(slow, { timeout: 10_000, interval: 200 }).not.toBeNaN();
    const before = await slow();
    // Paused for less than the heartbeat's cut (3 s), longer than a heartbeat: the PING sent meanwhile is
    // answered only after the pause, so at least one more sample lands above half a second.
    redis.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    redis.resume();
    await expect.poll(slow, { timeout: 10_000, interval: 200 }).toBeGreaterThan(before);
  }, 60_000);
});
