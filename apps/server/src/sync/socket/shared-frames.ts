import * as ws from "ws";

/** `ws`'s framing, exported and public in its source (lib/sender.js) but missing from @types/ws. */
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
};

/**
 * Messages up to this size are framed once and the frame shared. A join's
 * sync step 2 (megabytes, one socket) goes through `ws` as it is: copying it
 * into a frame would cost more than the header it saves.
 */
export const SHARED_FRAME_BYTES = 64 * 1024;

/**
 * The parts of a `ws` socket this file relies on. `_sender.sendFrame` is not
 * public, but it is what Socket.IO's engine.io calls for the same purpose, and
 * `sharedFrameWriter` checks each part before it uses it.
 */
type WsSocket = {
  readyState: number;
  _sender?: { sendFrame?: (list: Buffer[]) => void; _state?: number; _queue?: unknown[] };
};

/** The state of `ws`'s sender (lib/sender.js, DEFAULT) when no frame waits inside it. */
const SENDER_IDLE = 0;

/** Frames made, by the message they carry: a broadcast is one Uint8Array handed to every peer (fanout.ts). */
const frames = new WeakMap<Uint8Array, Buffer>();

function frameOf(message: Uint8Array): Buffer {
  let frame = frames.get(message);
  if (!frame) {
    const payload = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    frame = Buffer.concat(Sender.frame(payload, { fin: true, opcode: 0x02, mask: false, readOnly: false }));
    frames.set(message, frame);
  }
  return frame;
}

/**
 * A writer of whole binary frames to one server-side `ws` socket, or null when
 * the socket is not one. A server's frames are not masked, so a message
 * broadcast to a room's sockets is the same bytes on each; framing it once and
 * writing it as one buffer spares every delivery the header allocation, the
 * cork and the two-buffer `writev` that `ws.send` makes (docs/sync.md,
 * "Fan-out"). The writer returns false, having written nothing, whenever `ws`
 * must send the message itself: a socket no longer open, one whose sender
 * holds queued frames (compression or a Blob under way, which a direct write
 * would overtake), or a message larger than SHARED_FRAME_BYTES.
 */
export function sharedFrameWriter(raw: unknown): ((message: Uint8Array) => boolean) | null {
  const socket = raw as WsSocket | undefined;
  const sender = socket?._sender;
  if (!socket || !sender || typeof sender.sendFrame !== "function" || typeof sender._state !== "number" || !Array.isArray(sender._queue)) return null;
  const checked = sender as Required<typeof sender>;
  return (message) => {
    // Read each time: the sender's state and queue change as `ws` works.
    if (message.byteLength > SHARED_FRAME_BYTES || socket.readyState !== ws.WebSocket.OPEN || checked._state !== SENDER_IDLE || checked._queue.length) return false;
    checked.sendFrame([frameOf(message)]);
    return true;
  };
}
