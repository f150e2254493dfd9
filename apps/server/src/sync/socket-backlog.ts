import type { WSContext } from "hono/ws";
import { sharedFrameWriter } from "./shared-frames.ts";

/**
 * Unsent bytes a socket may hold beyond the largest message it was sent (a
 * join's sync step 2 can be megabytes) before it counts as fallen behind.
 */
export const BACKLOG_BYTES = 8 * 2 ** 20;

/**
 * How a socket sends a sync message, with a bound on what waits for it. A
 * peer that reads more slowly than its document changes, or not at all, would
 * otherwise have every broadcast buffered for it without end: with writers
 * sending large updates, one such socket per room holds memory as fast as
 * they write. `bufferedAmount` is what `ws` has not yet handed to the kernel;
 * past BACKLOG_BYTES beyond the largest message sent so far, `fellBehind` is
 * called once instead of sending, and nothing more is sent. Small messages go
 * out as frames shared with the other sockets they are sent to (shared-frames.ts).
 */
export function sendWithBacklogLimit(ws: WSContext, fellBehind: (unsent: number) => void): (message: Uint8Array) => void {
  const raw = ws.raw as { bufferedAmount?: number } | undefined;
  const writeFrame = sharedFrameWriter(raw);
  let largest = 0;
  let behind = false;
  return (message) => {
    if (behind) return;
    const unsent = raw?.bufferedAmount ?? 0;
    if (unsent > BACKLOG_BYTES + largest) {
      behind = true;
      fellBehind(unsent);
      return;
    }
    if (message.byteLength > largest) largest = message.byteLength;
    if (!writeFrame?.(message)) ws.send(message as Uint8Array<ArrayBuffer>);
  };
}
