import { type Server, createServer } from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { capConnectionsPerAddress } from "./connection-cap.ts";

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A connection, and whether the server closed it before answering a request on it. */
function connect(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  const answered = new Promise<boolean>((resolve) => {
    socket.once("data", () => resolve(true));
    socket.once("close", () => resolve(false));
  });
  socket.on("connect", () => socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
  return { socket, answered };
}

describe("connections per address", () => {
  it("closes an address's connection past the bound as it opens, and takes one again once another has ended", async () => {
    server = createServer((_req, res) => res.end("ok"));
    // Loopback counted here, as any other address: the server's own exemption is for its tests and bench.
    capConnectionsPerAddress(server, 3, () => false);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const first = [connect(port), connect(port), connect(port)];
    expect(await Promise.all(first.map((c) => c.answered))).toEqual([true, true, true]);
    expect(await connect(port).answered).toBe(false);
    first[0]!.socket.destroy();
    // Taken again once the server has seen that one close.
    await expect.poll(() => connect(port).answered, { timeout: 5_000 }).toBe(true);
  });
});
