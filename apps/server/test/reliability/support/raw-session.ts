import { connect as tcpConnect } from "node:net";
import { socketAuth } from "../../support/socket-auth.ts";

/*
 * A websocket spoken by hand, for frames the `ws` client would never write: the socket fuzzing
 * (fuzz-phases.ts) and the truncated-frame case (fuzz-socket-edges.test.ts) send them.
 */

/** Opens a websocket by hand over TCP, writes raw frame bytes, and returns the close code the server sends. */
export function rawSession(port: number, path: string, session: string, bytes: Uint8Array): Promise<number | string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const done = (result: number | string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done("silent"), 10_000);
    socket.on("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Cookie: ${socketAuth(session).headers.cookie}\r\n` +
          `Sec-WebSocket-Key: ${Buffer.from("marginalia fuzz!").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (!buffer.subarray(0, end).toString().startsWith("HTTP/1.1 101")) return done("refused upgrade");
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        socket.write(bytes);
      }
      // Server frames are unmasked: opcode, length (7, 16 or 64 bits), payload.
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        if (opcode === 0x8) return done(length >= 2 ? buffer.readUInt16BE(offset) : "close without code");
        buffer = buffer.subarray(offset + length);
      }
    });
    socket.on("close", () => done("ended without close frame"));
    socket.on("error", () => done("socket error"));
  });
}
