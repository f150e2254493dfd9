// A minimal websocket client for the load generator's lightweight sockets.
//
// The `ws` package costs several microseconds per message (event objects,
// buffer juggling, per-message listeners); with hundreds of receivers that is
// generator CPU taken from the server under test on a 2-core machine. This
// client parses server frames straight off the TCP stream and hands each
// binary payload to one callback, answers pings, and masks what it sends
// (RFC 6455 §5.3). No extensions, no compression, no TLS: loopback only.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export type RawSocketEvents = {
  /** A whole binary (or text) message. The view is only valid during the call. */
  onMessage(payload: Buffer): void;
  onClose?(code: number, reason: string): void;
};

export class RawSocket {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the frame at the front can be read. */
  private need = 2;
  /** Pieces of a fragmented message (servers rarely fragment, but may). */
  private fragments: Buffer[] | null = null;
  private closed = false;
  closeCode = 0;
  closeReason = "";

  private constructor(
    private readonly socket: Socket,
    private readonly events: RawSocketEvents,
  ) {}

  /** Opens `ws://host:port/path`, resolving once the server has switched protocols. */
  static open(url: string, events: RawSocketEvents, headers: Record<string, string> = {}): Promise<RawSocket> {
    const { hostname, port, pathname, search } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), noDelay: true });
      const raw = new RawSocket(socket, events);
      let head = Buffer.alloc(0);
      const onHandshake = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onHandshake);
        const status = head.subarray(0, head.indexOf("\r\n")).toString();
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          reject(new Error(`websocket upgrade refused: ${status}`));
          return;
        }
        socket.on("data", (data: Buffer) => raw.onData(data));
        resolve(raw);
        const rest = head.subarray(end + 4);
        if (rest.length) raw.onData(rest);
      };
      socket.on("data", onHandshake);
      socket.once("error", (err) => {
        if (!raw.closed) raw.finish(1006, err.message);
        reject(err);
      });
      socket.once("close", () => raw.finish(1006, "connection lost"));
      socket.once("connect", () => {
        const key = randomBytes(16).toString("base64");
        const lines = [
          `GET ${pathname}${search} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Key: ${key}`,
          "Sec-WebSocket-Version: 13",
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        ];
        socket.write(lines.join("\r\n") + "\r\n\r\n");
      });
    });
  }

  get isOpen() {
    return !this.closed;
  }

  send(payload: Uint8Array) {
    if (this.closed) return;
    this.socket.write(frame(0x2, payload));
  }

  close(code = 1000) {
    if (this.closed) return;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.socket.write(frame(0x8, body));
    this.socket.end();
    this.finish(code, "closed by client");
  }

  private finish(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.closeReason = reason;
    this.events.onClose?.(code, reason);
  }

  /**
   * Chunks are kept as they come until the frame they belong to is whole:
   * joining them on every chunk made a megabytes-long frame cost the square
   * of its size, and timed the client rather than the server.
   */
  private onData(data: Buffer) {
    this.chunks.push(data);
    this.size += data.length;
    if (this.size < this.need) return;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.need = 2;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      let len = b1 & 0x7f;
      let offset = at + 2;
      if (len === 126) {
        if (buf.length - at < 4) {
          this.need = 4;
          break;
        }
        len = buf.readUInt16BE(at + 2);
        offset = at + 4;
      } else if (len === 127) {
        if (buf.length - at < 10) {
          this.need = 10;
          break;
        }
        len = Number(buf.readBigUInt64BE(at + 2));
        offset = at + 10;
      }
      if (b1 & 0x80) offset += 4; // servers never mask, but skip a key if one is there
      if (buf.length < offset + len) {
        this.need = offset + len - at;
        break;
      }
      const payload = buf.subarray(offset, offset + len);
      at = offset + len;
      this.onFrame(b0 & 0x80, b0 & 0x0f, payload);
      if (this.closed) return;
    }
    if (at < buf.length) {
      const rest = Buffer.from(buf.subarray(at));
      this.chunks = [rest];
      this.size = rest.length;
    }
  }

  private onFrame(fin: number, opcode: number, payload: Buffer) {
    switch (opcode) {
      case 0x0: // continuation
        if (!this.fragments) return;
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = null;
          this.events.onMessage(whole);
        }
        return;
      case 0x1:
      case 0x2:
        if (fin) this.events.onMessage(payload);
        else this.fragments = [Buffer.from(payload)];
        return;
      case 0x8: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.subarray(2).toString();
        if (!this.closed) {
          const body = Buffer.alloc(2);
          body.writeUInt16BE(code === 1005 ? 1000 : code);
          this.socket.write(frame(0x8, body));
          this.socket.end();
        }
        this.finish(code, reason);
        return;
      }
      case 0x9: // ping: answer with the same payload
        this.socket.write(frame(0xa, payload));
        return;
      default: // pong and anything else: nothing to do
        return;
    }
  }
}

/** One masked client frame. */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, headerLen);
  const body = headerLen + 4;
  for (let i = 0; i < len; i++) out[body + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}
