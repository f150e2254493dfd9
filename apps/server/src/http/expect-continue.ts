import type { IncomingMessage, ServerResponse } from "node:http";

/** Requests sent with `Expect: 100-continue` whose body nobody has asked for yet: the client holds it back. */
const awaiting = new WeakSet<IncomingMessage>();

/**
 * Tells the client to send its body only when the app first reads it. Node, left to itself, answers
 * "100 Continue" to every such request before the app has seen it, so one the app refuses on its headers
 * (no session, a Content-Length over the route's limit, no such route) had its body sent and read all the
 * same (docs/architecture.md, "Routes"). Every read of the body goes through the stream's `_read`, so the
 * first one is where the app has judged the headers and wants what follows. An answer already sent
 * (a refusal) gets no 100 after it, when Node drains what is left.
 */
export function continueWhenRead(req: IncomingMessage, res: ServerResponse) {
  awaiting.add(req);
  const read = req._read;
  req._read = function (this: IncomingMessage, size: number) {
    req._read = read;
    awaiting.delete(req);
    if (!res.headersSent) res.writeContinue();
    return read.call(this, size);
  };
}

/** Whether the client still holds its body back, never told to send it: there is nothing to read and drop. */
export const awaitingContinue = (req: IncomingMessage): boolean => awaiting.has(req);
