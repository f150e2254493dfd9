import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type HttpBindings, type ServerType, serve } from "@hono/node-server";
import { answerThenLinger, discardRest } from "./linger.ts";

/** A server that answers every request at once, closing, and ends the answer once `discardRest` settles. */
let server: http.Server | null = null;
async function answeringEarly(limits: { bytes: number; ms: number }): Promise<number> {
  server = http.createServer((req, res) => {
    res.writeHead(413, { "content-length": "2", connection: "close" });
    res.write("no");
    void discardRest(req, limits).then(() => res.end());
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

/** Sends `head`, then body bytes as fast as the socket takes them, up to `total`, until the server closes; what it managed to send. */
function send(port: number, head: string, total: number, stallAfter = Infinity): Promise<{ sent: number; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    let answer = "";
    socket.on("data", (d) => (answer += d));
    socket.on("error", () => {});
    socket.on("close", () => resolve({ sent, answer }));
    socket.write(head);
    const pump = () => {
      while (sent < Math.min(total, stallAfter) && !socket.destroyed) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!socket.write(chunk.subarray(0, n))) return void socket.once("drain", pump);
      }
    };
    pump();
  });
}

describe("discardRest", () => {
  it("reads a body to its end, so that the client that sent it whole reads the answer", async () => {
    const port = await answeringEarly({ bytes: 8 * 1024 * 1024, ms: 60_000 });
    const total = 4 * 1024 * 1024;
    const { sent, answer } = await send(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`, total);
    expect(sent).toBe(total);
    expect(answer).toMatch(/^HTTP\/1\.1 413 [\s\S]*\r\n\r\nno$/);
  });

  it("stops reading past its byte limit, and the connection is cut under a client that sends more", async () => {
    const port = await answeringEarly({ bytes: 1024 * 1024, ms: 60_000 });
    const total = 1024 * 1024 * 1024;
    const { sent, answer } = await send(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`, total);
    expect(sent).toBeLessThan(total);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it("stops waiting past its time limit for a client that holds its body back", async () => {
    const port = await answeringEarly({ bytes: 1024 * 1024 * 1024, ms: 200 });
    const { answer } = await send(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`, 1_000_000, 10);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe("answerThenLinger", () => {
  let app: ServerType | null = null;
  afterEach(() => {
    app?.close();
    app = null;
  });

  it("ends an answer without a body (204) once the body is read too, so that a client still writing reads it", async () => {
    app = serve({ fetch: (_req, env) => answerThenLinger(new Response(null, { status: 204 }), (env as HttpBindings).incoming), port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => app!.once("listening", resolve));
    const port = (app.address() as net.AddressInfo).port;
    const total = 8 * 1024 * 1024;
    const { sent, answer } = await send(port, `DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`, total);
    expect(sent).toBe(total);
    expect(answer).toMatch(/^HTTP\/1\.1 204 /);
  });
});
