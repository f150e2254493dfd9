import { randomUUID } from "node:crypto";
import { type IncomingMessage, STATUS_CODES, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ERRORS, type ErrorCode } from "../errors.ts";
import { continueWhenRead } from "./expect-continue.ts";
import { discardRest } from "./linger.ts";

type ClientError = Error & { code?: string };

/** How long a refused connection is left to read its answer and close before it is cut. */
const HALF_OPEN_GRACE_MS = 1_000;
type Listening = { on(event: "clientError", listener: (err: ClientError, socket: Duplex) => void): unknown };

/** The API's error body, with a request id of its own: the app, which gives one, never saw the request. */
function errorAnswer(code: ErrorCode, message: string) {
  return { status: ERRORS[code], body: JSON.stringify({ error: { code, message, requestId: randomUUID() } }) };
}

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
    const { status, body } = errorAnswer(code, message);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    // end() only half-closes: a peer that never closes its own side would keep the descriptor for ever, and
    // enough of them (each one bad request) leave the process no descriptors for anyone else.
    const cut = setTimeout(() => socket.destroy(), HALF_OPEN_GRACE_MS).unref();
    socket.once("close", () => clearTimeout(cut));
  });
}

/**
 * Requests that Node's server, or Hono's adapter, parses and then answers itself, with an empty body: an
 * HTTP/1.1 request without Host (RFC 9112 section 3.2 requires the 400), a malformed Host or path, and an
 * Expect other than 100-continue (417). They are answered here in the API's shape instead, before the app,
 * which would otherwise serve the first under a made-up host. A request that expects 100-continue is told to
 * go on only when the app reads its body, not by Node before the app has judged it.
 */
export function answerRefusedRequests(server: Server) {
  server.on("checkExpectation", (req, res) => refuse(req, res, "expectation_failed", "Only Expect: 100-continue is understood"));
  // Node's own check (its requireHostHeader option, kept on the server) answers before any listener, and
  // cannot be made to answer otherwise: it is turned off, and the same check made below instead.
  (server as Server & { requireHostHeader: boolean }).requireHostHeader = false;
  const listeners = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req, res) => {
    const malformed = malformedHead(req);
    if (malformed) return refuse(req, res, "bad_request", malformed);
    for (const listener of listeners) listener.call(server, req, res);
  });
  // With a listener here Node sends no 100 Continue of its own: the request goes the usual way, and is told to
  // go on only once the app reads its body (expect-continue.ts).
  server.on("checkContinue", (req, res) => {
    continueWhenRead(req, res);
    server.emit("request", req, res);
  });
}

/**
 * What is wrong with a request's Host or path, where Hono's Node adapter would refuse it itself, with an
 * empty 400: a Host that is not a host and port (`a b`, `example.com/x`), which it checks as below, or a
 * backslash in the path, which some clients read as a slash.
 */
function malformedHead(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (host === undefined) return req.httpVersion === "1.1" ? "An HTTP/1.1 request must send a Host header" : undefined;
  const hostname = URL.canParse(`http://${host}/`) ? new URL(`http://${host}/`).hostname : undefined;
  if (hostname === undefined || (hostname.length !== host.length && hostname !== host.replace(/:\d+$/, ""))) return "The Host header must be a host name, with a port if any";
  const path = req.url ?? "";
  const backslash = path.indexOf("\\");
  const query = path.indexOf("?");
  if (backslash >= 0 && (query < 0 || backslash < query)) return "A request's path may not hold a backslash";
  return undefined;
}

/** Answers at once, and ends the answer (closing) once whatever body was sent has been read (linger.ts). */
function refuse(req: IncomingMessage, res: ServerResponse, code: ErrorCode, message: string) {
  const { status, body } = errorAnswer(code, message);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" });
  res.write(body);
  void discardRest(req).then(() => res.end());
}
