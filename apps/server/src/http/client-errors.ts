import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { ERRORS, type ErrorCode } from "../errors.ts";

type ClientError = Error & { code?: string };

/** How long a refused connection is left to read its answer and close before it is cut. */
const HALF_OPEN_GRACE_MS = 1_000;
type Listening = { on(event: "clientError", listener: (err: ClientError, socket: Duplex) => void): unknown };

/** What Node's parser refused, as the API's own error. */
function answerTo(err: ClientError): { code: ErrorCode; message: string } {
  if (err.code === "HPE_HEADER_OVERFLOW") return { code: "headers_too_large", message: "The request's headers, its URL included, are limited to 16 KiB" };
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return { code: "request_timeout", message: "The request did not arrive in time" };
  return { code: "bad_request", message: "The request is not well-formed HTTP" };
}

/**
 * Requests Node refuses before the app sees them (a query string past the
 * 16 KiB header limit, a malformed request line) are answered in the API's
 * one error shape, as every other refusal is, instead of Node's bare status
 * line: a client reading `error.code` finds one there too.
 */
export function answerClientErrors(server: Listening) {
  server.on("clientError", (err, socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const { code, message } = answerTo(err);
    const status = ERRORS[code];
    const body = JSON.stringify({ error: { code, message, requestId: randomUUID() } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    // end() only half-closes: a peer that never closes its own side would keep the descriptor for ever, and
    // enough of them (each one bad request) leave the process no descriptors for anyone else.
    const cut = setTimeout(() => socket.destroy(), HALF_OPEN_GRACE_MS).unref();
    socket.once("close", () => clearTimeout(cut));
  });
}
