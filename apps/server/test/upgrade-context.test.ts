// Our patch to @hono/node-ws (patches/@hono__node-ws@1.3.1.patch): an open socket's handlers no longer keep
// the upgrade request's Hono context alive, with its Request, headers and Node IncomingMessage, about 5 KiB a
// socket for as long as the socket lives (docs/architecture.md, "Starting and serving").
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";
import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

function collect() {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

describe("an open socket", () => {
  it("lets its upgrade's context go, and still hears the socket", async () => {
    const app = new Hono();
    const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
    const contexts: WeakRef<object>[] = [];
    const heard: string[] = [];
    app.get(
      "/sync/:room",
      upgradeWebSocket((c) => {
        contexts.push(new WeakRef(c));
        const room = c.req.param("room");
        return { onMessage: (event) => void heard.push(`${room}: ${String(event.data)}`) };
      }),
    );
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    injectWebSocket(server);
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}/sync/room-1`);
    try {
      await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
      for (let i = 0; i < 20 && contexts[0]?.deref(); i++) {
        await sleep(10);
        collect();
      }
      expect(contexts).toHaveLength(1);
      expect(contexts[0]!.deref()).toBeUndefined();
      client.send("still here");
      for (let i = 0; i < 100 && !heard.length; i++) await sleep(10);
      expect(heard).toEqual(["room-1: still here"]);
    } finally {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
