import { Server } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { authenticate } from "./auth/middleware.ts";
import { checkOrigin } from "./auth/origin.ts";
import type { AppDeps, AppEnv, AppInput } from "./context.ts";
import { ApiError, type ErrorBody, type ErrorCode, errorForStatus, forbidden, notFound } from "./errors.ts";
import { UpdateNotStoredError, classifyCommitError, errorCode } from "./sync/persist/commit-errors.ts";
import { LOCK_NOT_AVAILABLE } from "./db.ts";
import { refuseMalformedQuery, refuseNulInPath } from "./http/well-formed.ts";
import { webRoutes } from "./routes/web.ts";
import { metricsRoutes } from "./metrics.ts";
import { apiRoutes } from "./routes/index.ts";
import { MAX_MESSAGE_BYTES, syncRoutes } from "./sync/socket/socket.ts";
import { answerClientErrors, answerRefusedRequests } from "./http/client-errors.ts";
import { answerThenLinger } from "./http/linger.ts";
import { capConnectionsPerAddress } from "./http/connection-cap.ts";
import { allowedMethods } from "./http/allowed-methods.ts";
import { operationsOf } from "./openapi/describe.ts";
import { reanchorStragglers } from "./anchoring/reanchor.ts";
import { resumeInBackground } from "./anchoring/resume.ts";
import { notificationBell } from "./services/notification-bell.ts";
import { NotificationStreams } from "./services/notification-streams.ts";

export const MAX_JSON_BYTES = 1024 * 1024;
/**
 * Sign-up, login and the rest of /api/auth take a few short fields, and are reached before any
 * authentication: a larger body would only be parsing work anyone could make the server do.
 */
export const MAX_AUTH_JSON_BYTES = 16 * 1024;

/** Article uploads carry their own, larger limit (routes/articles.ts). */
const isArticleUpload = (method: string, path: string) =>
  (method === "POST" && /^\/api\/groups\/[^/]+\/articles\/?$/.test(path)) ||
  (method === "PUT" && /^\/api\/articles\/[^/]+\/text\/?$/.test(path));

function limitTo(maxSize: number, limit: string): MiddlewareHandler<AppEnv> {
  const refuse = (what: string) => () => {
    throw new ApiError("payload_too_large", `Request bodies are limited to ${what}`);
  };
  const counted = bodyLimit({ maxSize, onError: refuse(limit) });
  // Counted means read into memory before the route has judged the request: without a session, only as much as
  // signing in takes, so that connections nobody signed in to cannot make the server hold a megabyte each.
  const countedAnonymous = bodyLimit({ maxSize: Math.min(maxSize, MAX_AUTH_JSON_BYTES), onError: refuse("16 KiB without signing in") });
  return (c, next) => {
    // A declared length is judged from the header alone. Hono's bodyLimit opens the body to look at it, which
    // starts reading it, and would tell a client that waits on `Expect: 100-continue` to send its body before
    // the route has judged the request (http/expect-continue.ts). A body of no declared length is counted.
    const declared = c.req.header("content-length");
    if (declared === undefined || c.req.header("transfer-encoding") !== undefined) return (c.get("auth") ? counted : countedAnonymous)(c, next);
    return Number(declared) > maxSize ? refuse(limit)() : next();
  };
}

const jsonLimit = limitTo(MAX_JSON_BYTES, "1 MiB");
const authLimit = limitTo(MAX_AUTH_JSON_BYTES, "16 KiB here");

/**
 * What the API answers is one member's view: no shared cache may keep it, and a browser asks again
 * (with the ETag where there is one) before reusing it. A route that says more (exports: no-store) keeps its own.
 */
const privateAnswers: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "private, no-cache");
};

/**
 * An answer given before the request's body was read whole (a refusal decided on the headers: 401, 404, 413)
 * ends the connection, or a client that stopped sending on it would have its next request read as body.
 * Until then the rest of the body is read and dropped, within limits (http/linger.ts): a connection closed
 * under a client still writing reaches it as a reset, not the answer.
 */
const closeUnreadBodies: MiddlewareHandler = async (c, next) => {
  await next();
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) {
    if (!incoming.complete) c.res = await answerThenLinger(c.res, incoming);
    return;
  }
  // Asked of the app directly (app.request), with no connection to keep or close.
  const request = c.req.raw;
  if (request.body && !request.bodyUsed && c.req.header("content-length") !== "0") c.res.headers.set("Connection", "close");
};

/** The Hono app, and the hook that lets it take websocket upgrades on a Node server. */
export function createApp(input: AppInput) {
  // Streams send a heartbeat as often as sync sockets are pinged, and close when their credentials end as sockets do.
  const notificationStreams = new NotificationStreams(input.db, notificationBell, input.logger, input.config.syncHeartbeatMs);
  input.hub.onAccess((event) => notificationStreams.apply(event));
  const deps: AppDeps = { ...input, notificationStreams };
  const app = new Hono<AppEnv>();
  const nodeWs = createNodeWebSocket({ app });
  // ws closes an oversized message before it is ever buffered whole (with 4413: frame-limit.ts, closeOversizeAs).
  nodeWs.wss.options.maxPayload = MAX_MESSAGE_BYTES;

  app.use(requestId());
  const wsOrigin = deps.config.publicOrigin.replace(/^http/, "ws");
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // React and Swagger UI set style attributes; no script can run from a style.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'", wsOrigin],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: "DENY",
      referrerPolicy: "strict-origin-when-cross-origin",
    }),
  );
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use(closeUnreadBodies);
  app.use("/api/auth/*", authLimit);
  // The limits after `authenticate`, which reads no body: how much of one is counted depends on who sends it.
  app.use("/api/*", privateAnswers, refuseNulInPath, refuseMalformedQuery, authenticate, checkOrigin);
  app.use("/api/*", (c, next) => (isArticleUpload(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  app.use("/w3c/*", privateAnswers, refuseNulInPath, refuseMalformedQuery, authenticate, checkOrigin, jsonLimit);

  const api = apiRoutes();
  app.route("/", api);
  app.route("/", syncRoutes(deps.hub, nodeWs.upgradeWebSocket, { heartbeatMs: deps.config.syncHeartbeatMs }));
  deps.hub.onOlderTargets((event) =>
    reanchorStragglers(deps.db, deps.hub, event).catch((err: unknown) =>
      deps.logger.error({ err, article: event.articleId }, "work written on an old revision could not be moved"),
    ),
  );
  // A correction's re-anchoring cut short by a stop is finished when one of the article's documents is next read.
  deps.hub.onLoaded((context) => void resumeInBackground(deps.db, deps.hub, deps.logger, context.articleId));
  if (deps.metrics) app.route("/", metricsRoutes(deps.metrics, deps.config.metricsToken));
  const allowedOn = allowedMethods(operationsOf(api));
  const unrouted = (c: Context, message: string): never => {
    const allow = allowedOn(c.req.path);
    // A path whose methods include the request's own, yet no route took it, is not served as written (a trailing
    // slash the route lacks): not found. A 405 would name as allowed the very method it refused.
    if (allow.length && !allow.includes(c.req.method)) throw Object.assign(new ApiError("method_not_allowed", `${c.req.method} is not allowed here: use ${allow.join(", ")}`), { allow });
    throw new ApiError("not_found", message);
  };
  app.all("/api/*", (c) => unrouted(c, "No such API route"));
  app.route("/", webRoutes);
  app.notFound((c) => unrouted(c, "No such page"));

  app.onError((err, c) => {
    const described = describeError(err, c.req.method, c.req.path);
    const { code, message, field, status } = described;
    if (status >= 500) deps.logger.error({ err, requestId: c.get("requestId") }, "request failed");
    const { retryAfterSeconds: retryAfter, allow } = described as { retryAfterSeconds?: number; allow?: string[] };
    if (retryAfter) c.header("Retry-After", String(retryAfter));
    if (allow) c.header("Allow", allow.join(", "));
    // A body refused for its size is left unread on the connection, which Node then closes: say so, or a
    // client sending its next request on it meets a reset instead of this answer.
    if (status === 413) c.header("Connection", "close");
    const body: ErrorBody = { error: { code, message, requestId: c.get("requestId"), ...(field && { field }) } };
    return c.json(body, status);
  });

  /** Readies a Node server for this app: websocket upgrades, and requests Node refuses answered in the API's shape. */
  const attach = (server: Parameters<typeof nodeWs.injectWebSocket>[0]) => {
    nodeWs.injectWebSocket(server);
    answerClientErrors(server);
    if (server instanceof Server) answerRefusedRequests(server);
    const { connectionsPerAddress, trustProxy } = deps.config;
    if (connectionsPerAddress > 0 && !trustProxy) capConnectionsPerAddress(server, connectionsPerAddress);
  };
  return { app, attach, notificationStreams };
}

export type App = ReturnType<typeof createApp>["app"];

function describeError(err: Error, method: string, path: string): { code: ErrorCode; message: string; field?: string; status: ApiError["status"] } {
  if (err instanceof ApiError) return err;
  if (err instanceof UpdateNotStoredError) return notStoredError(err);
  if (err instanceof HTTPException) return errorForStatus(err.status, err.message || "The request could not be taken as sent");
  // The client went away while sending its body: its doing, not ours, and nobody reads the answer.
  if (clientWentAway(err)) return new ApiError("bad_request", "The request's body ended before it was whole");
  // The database down or restarting: nothing is wrong with the request, and the same one will do later.
  // A write may have been made before the connection failed (its commit went through, and every attempt at a
  // read after it did not: retried-reads.ts): the client is told to look before it sends it again. Signing in
  // or up is simply tried again.
  // A lock another transaction held past this one's lock_timeout (db.ts): it rolled back, so nothing was saved.
  if (errorCode(err) === LOCK_NOT_AVAILABLE) return LOCK_BUSY;
  if (classifyCommitError(err) === "transient") return method === "GET" || method === "HEAD" || path.startsWith("/api/auth/") ? DATABASE_UNREACHABLE : WRITE_UNCONFIRMED;
  return new ApiError("internal", "Something went wrong on our side");
}

/** Node's error for a request whose connection closed before its body was read whole (its code, ECONNRESET, a lost database shares). */
const clientWentAway = (err: Error) => err.message === "aborted";

const DATABASE_UNREACHABLE = Object.assign(new ApiError("unavailable", "The database cannot be reached right now; try again shortly"), { retryAfterSeconds: 5 });
const LOCK_BUSY = Object.assign(
  new ApiError("unavailable", "Another change holds what this needs right now; what this request was waiting to write was not saved, try again shortly"),
  { retryAfterSeconds: 2 },
);
const WRITE_UNCONFIRMED = Object.assign(
  new ApiError("unavailable", "The database could not be reached while this was being done, so it may or may not have been saved: read it again before you retry"),
  { retryAfterSeconds: 5 },
);

/** A change a route made on a live document that the committer did not store (sync/persist/commit-errors.ts). */
function notStoredError(err: UpdateNotStoredError): ApiError & { retryAfterSeconds?: number } {
  switch (err.reason) {
    case "refused":
      return new ApiError("update_not_stored", "The change breaks a rule of the database and was not saved");
    case "renamed":
      return new ApiError("members_renamed", "Anonymity was turned on while this was saved, which gave you a new member id; nothing was saved. Fetch the article again and retry");
    case "forbidden":
      return forbidden("Your role in the group no longer allows this; nothing was saved");
    case "gone":
      // As every other request about a deleted article is answered: the deletion won the race.
      return notFound("Article");
    case "reloaded":
      return Object.assign(new ApiError("unavailable", "The document is being reloaded; the change was not saved, try again"), { retryAfterSeconds: 1 });
    case "shutdown":
      return Object.assign(new ApiError("unavailable", "The server is shutting down; the change was not saved, try again"), { retryAfterSeconds: 5 });
  }
}
