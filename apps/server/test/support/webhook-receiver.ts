import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { headers: IncomingMessage["headers"]; body: string };

/** A webhook receiver on loopback that answers 503 to its first `failures` requests, then 200. */
export async function receiver(failures: number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = received.length <= failures ? 503 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A receiver that never finishes answering: with `headers`, it sends its status line a byte at a time, a byte
 * a second; without, it takes the request and says nothing.
 */
export async function stallingReceiver(options: { trickleHeaders: boolean }) {
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req) => {
    requests++;
    if (!options.trickleHeaders) return;
    const line = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
    let at = 0;
    const timer = setInterval(() => {
      if (at < line.length && !req.socket.destroyed) req.socket.write(line[at++]!);
    }, 1_000);
    timers.add(timer);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests: () => requests,
    close: () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}
