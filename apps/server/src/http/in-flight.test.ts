import { type ServerType, serve } from "@hono/node-server";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RequestsInFlight } from "./in-flight.ts";

let server: ServerType | null = null;
afterEach(async () => {
  (server as { closeAllConnections?: () => void } | null)?.closeAllConnections?.();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/** A server whose one route answers at once with a body that ends only when the test says (an export going out slowly). */
async function streaming(requests: RequestsInFlight) {
  let finish = () => {};
  let started = () => {};
  const begun = new Promise<void>((resolve) => (started = resolve));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("first part\n"));
      finish = () => {
        controller.enqueue(new TextEncoder().encode("last part\n"));
        controller.close();
      };
    },
  });
  const fetch = () => {
    started();
    return new Response(body);
  };
  await new Promise<void>((resolve) => (server = serve({ fetch: requests.track(fetch), port: 0, hostname: "127.0.0.1" }, () => resolve())));
  const { port } = server!.address() as AddressInfo;
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  const received: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => received.push(chunk));
  socket.write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
  await begun;
  return { socket, finish: () => finish(), text: () => Buffer.concat(received).toString() };
}

describe("requests in flight", () => {
  it("counts an answer until its body is sent whole, after its handler has returned", async () => {
    const requests = new RequestsInFlight();
    const download = await streaming(requests);
    await requests.settled();
    expect(requests.size).toBe(0);
    await expect.poll(() => download.text()).toContain("first part");
    let sent = false;
    void requests.sent().then(() => (sent = true));
    // The handler has returned, and the first part is out; the body is not over: a shutdown waits for it.
    expect(requests.unsent).toBe(1);
    expect(sent).toBe(false);
    download.finish();
    await requests.sent();
    expect(requests.unsent).toBe(0);
    await expect.poll(() => download.text()).toContain("last part");
  });

  it("stops counting an answer whose client has gone", async () => {
    const requests = new RequestsInFlight();
    const download = await streaming(requests);
    await expect.poll(() => download.text()).toContain("first part");
    expect(requests.unsent).toBe(1);
    download.socket.destroy();
    await requests.sent();
    expect(requests.unsent).toBe(0);
  });

  it("stops taking connections, but lets an answer that was ended go out whole", async () => {
    const requests = new RequestsInFlight();
    const file = new Uint8Array(20 * 1024 * 1024).fill(120);
    await new Promise<void>((resolve) => (server = serve({ fetch: requests.track(() => new Response(file)), port: 0, hostname: "127.0.0.1" }, () => resolve())));
    requests.watch(server!);
    const { port } = server!.address() as AddressInfo;
    const idle = net.connect({ host: "127.0.0.1", port });
    const idleClosed = new Promise((resolve) => idle.once("close", resolve));
    await new Promise((resolve) => idle.once("connect", resolve));
    const socket = net.connect({ host: "127.0.0.1", port });
    let received = 0;
    socket.on("data", (chunk: Buffer) => (received += chunk.length));
    const ended = new Promise((resolve) => socket.once("close", resolve));
    socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await expect.poll(() => received).toBeGreaterThan(0);
    // The client stops reading: most of the file is still on the server's side when it stops.
    socket.pause();
    await requests.settled();
    requests.stopTaking(server!);
    await idleClosed;
    socket.resume();
    await requests.sent();
    await ended;
    expect(received).toBeGreaterThan(file.byteLength);
  });
});
