import type { IncomingMessage } from "node:http";
import { awaitingContinue } from "./expect-continue.ts";

/**
 * How much of an unread body the server goes on reading, and for how long, after answering early. Past
 * either the connection is cut: a client cannot hold it, or make the server take its bytes, for ever.
 * Twice the largest body any route takes (an article upload, 10 MiB) lets a client that sends a body
 * somewhat over a limit finish it and read its 413.
 */
export const LINGER_LIMITS = { bytes: 64 * 1024 * 1024, ms: 15_000 };

/**
 * Reads and drops what is left of a request's body, for a connection that will close after its answer:
 * Node destroys such a connection as soon as the answer is written, and a client still writing its body
 * then meets a reset, which most (fetch among them) report instead of the answer they were sent. The
 * answer's end waits for this (docs/architecture.md, "Routes"); nginx calls it a lingering close.
 * Settles when the body has ended, the client has gone, or a limit has passed.
 */
export function discardRest(incoming: IncomingMessage, limits = LINGER_LIMITS): Promise<void> {
  // A client that expects 100-continue and was never told to go on holds its body back: waiting for it would
  // only hold the answer back (expect-continue.ts). One whose body came all the same (a client may stop waiting
  // for the 100; curl does after a second) is read to its end like any other.
  const heldBack = awaitingContinue(incoming) && incoming.readableLength === 0;
  if (incoming.complete || incoming.destroyed || heldBack) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      incoming.off("data", onData).off("end", done).off("close", done).off("error", done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limits.bytes) done();
    };
    const timer = setTimeout(done, limits.ms).unref();
    // A web stream the app began reading the body through (a limit found part way) would keep every byte
    // that follows in its queue: it is let go, as Node's own dump of an unread body does.
    incoming.removeAllListeners("data");
    incoming.on("data", onData).once("end", done).once("close", done).once("error", done);
    incoming.resume();
  });
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * The app's answer to a request whose body it left unread, ending only once the rest is read and dropped
 * (`discardRest`). A refusal's body, short JSON, goes out whole with its length, so that a client that
 * reads while it writes has the answer at once and may stop sending.
 */
export async function answerThenLinger(res: Response, incoming: IncomingMessage): Promise<Response> {
  const headers = new Headers(res.headers);
  headers.set("Connection", "close");
  const drained = discardRest(incoming);
  // An answer that may have no body (204, 304) has no end that could wait: it waits to be sent instead.
  if (NULL_BODY.has(res.status)) {
    await drained;
    return new Response(null, { status: res.status, statusText: res.statusText, headers });
  }
  const whole = res.status >= 400 || !res.body ? new Uint8Array(await res.arrayBuffer()) : null;
  if (whole) headers.set("Content-Length", String(whole.byteLength));
  const reader = whole ? null : res.body!.getReader();
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (whole && !sent && whole.byteLength > 0) {
        sent = true;
        return controller.enqueue(whole);
      }
      const chunk = await reader?.read();
      if (chunk && !chunk.done) return controller.enqueue(chunk.value);
      await drained;
      controller.close();
    },
    cancel: (reason) => reader?.cancel(reason),
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}
