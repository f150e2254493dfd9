import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import type { AccessEvent } from "../src/sync/authorize/access.ts";
import type { DocStore } from "../src/sync/persist/doc-store.ts";
import { RedisRelay } from "../src/sync/broadcast/relay.ts";
import { type RedisServer, hasRedisServer, startRedis } from "./support/redis.ts";
import { eventually } from "./support/sync-client.ts";

const noRedis = hasRedisServer() ? null : "no redis-server binary on PATH";
if (noRedis && process.env.CI === "true") throw new Error(`the relay's subscribe retry must be tested in CI, but there is ${noRedis}`);
if (noRedis) console.warn(`[relay-control-subscribe.test] skipping: ${noRedis} (with CI=true this fails instead)`);

const PREFIX = "retry:doc:";
/** No document is attached here: nothing is ever loaded. */
const store: Pick<DocStore, "load"> = { load: () => Promise.reject(new Error("no document is attached in this test")) };

describe.runIf(!noRedis)("the relay's access and notification channels", () => {
  let redis: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    // An account that may use every channel but the access and notification ones: its first subscribe is refused (NOPERM).
    await admin.call("ACL", "SETUSER", "relay", "on", ">relay-password", "~*", "+@all", "resetchannels", `&${PREFIX}article*`);
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.kill();
  });

  it("logs a refused subscribe and tries again until Redis takes it, counting the relay as down meanwhile", async () => {
    const logged: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void logged.push(line) });
    const port = new URL(redis.url).port;
    const relay = new RedisRelay({ url: `redis://relay:relay-password@127.0.0.1:${port}`, logger, store, channelPrefix: PREFIX });
    const heard: (AccessEvent | null)[] = [];
    relay.onAccess((event) => heard.push(event));
    const other = new RedisRelay({ url: redis.url, logger: createLogger("silent"), store, channelPrefix: PREFIX });
    try {
      await eventually(() => {
        expect(logged.filter((line) => line.includes("could not subscribe")).length).toBeGreaterThanOrEqual(2);
      }, 10_000);
      expect(relay.connected()).toBe(false);
      expect(heard).toEqual([]);

      await admin.call("ACL", "SETUSER", "relay", "allchannels");
      // Taken on a later attempt: what was missed is checked (null), and the relay counts as up.
      await eventually(() => {
        expect(heard).toEqual([null]);
        expect(relay.connected()).toBe(true);
      }, 10_000);
      await eventually(() => expect(other.connected()).toBe(true), 10_000);
      const event: AccessEvent = { kind: "article-deleted", articleId: "00000000-0000-4000-8000-000000000000" };
      other.publishAccess(event);
      await eventually(() => expect(heard).toEqual([null, event]), 10_000);
    } finally {
      await Promise.all([relay.close(), other.close()]);
    }
  }, 60_000);
});
