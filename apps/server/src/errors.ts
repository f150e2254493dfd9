import type { ContentfulStatusCode } from "hono/utils/http-status";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";

/**
 * Every error the API and the sync socket can report, with its HTTP status.
 * Clients switch on `code`; the message is for people.
 */
export const ERRORS = {
  bad_request: 400,
  validation_failed: 400,
  /** A URL the server would fetch points at loopback, private, link-local or metadata addresses (net/address.ts). */
  address_not_public: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  /** The path exists, not with this method: the answer's Allow header lists those it takes. */
  method_not_allowed: 405,
  conflict: 409,
  /** A write made under the member id a group had before anonymity was turned on, which drew new ones: nothing was saved. */
  members_renamed: 409,
  /** Expert review: fewer independent fact-checks of the passage than the group requires. */
  quorum_not_reached: 409,
  /** The Accept header names only media types the resource is not served in (the W3C container: docs/w3c.md). */
  not_acceptable: 406,
  gone: 410,
  /** A group invitation past its expiry: the group's owner has to invite again. */
  invitation_expired: 410,
  precondition_failed: 412,
  /** An Expect header other than 100-continue, which is all the server understands (http/client-errors.ts). */
  expectation_failed: 417,
  /** A conditional write sent without its condition: a W3C PUT without If-Match (RFC 6585). */
  precondition_required: 428,
  /** Refused by Node before the app saw it (http/client-errors.ts). */
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** An import's source could not be read: the page did not answer, or not with an article (the message says which). */
  source_unreadable: 422,
  /** A PDF without a text layer (a scan): there is no text to annotate. */
  pdf_without_text: 422,
  /** The change breaks a rule of the database and was not saved; the same change will fail again. */
  update_not_stored: 422,
  rate_limited: 429,
  /** Headers past Node's 16 KiB limit, a long query string among them (http/client-errors.ts). */
  headers_too_large: 431,
  internal: 500,
  /**
   * Not saved for now (the server is shutting down, the document is being reloaded, or another change held
   * what this needed past the wait allowed: docs/architecture.md, "Lock waits"): try again.
   */
  unavailable: 503,
  /**
   * A read of an article whose correction is still moving its annotations onto the new text, past the wait
   * allowed (docs/architecture.md, "Anchoring"): try again after Retry-After.
   */
  reanchoring: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Websocket close codes: the protocol's own live with the sync protocol, shared with clients; the standard
 * ones the server sends or meets (RFC 6455 section 7.4.1) are added here. `messageTooBig` is never sent: ws
 * closes an oversize frame with it, and frame-limit.ts answers with the protocol's code instead.
 */
export const CLOSE_CODES = { normal: 1000, goingAway: 1001, messageTooBig: 1009, ...SYNC_CLOSE_CODES } as const;

const CLOSE_NAMES = new Map<number, string>(Object.entries(CLOSE_CODES).map(([name, code]) => [code, name]));

/** A close code's name in CLOSE_CODES (`forbidden` for 4403), for metrics' labels; the number for one not there. */
export function closeCodeName(code: number): string {
  return CLOSE_NAMES.get(code) ?? String(code);
}

export type ErrorBody = {
  error: { code: ErrorCode; message: string; field?: string; requestId?: string };
};

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = ERRORS[code];
  }
}

/**
 * The code for an HTTP status when nothing more specific is known: an HTTPException raised inside Hono (its
 * body limit, its validator). A status without a generic code here answers 400 or 500, so that the code a
 * client switches on and the status always agree.
 */
const GENERIC_CODES = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  408: "request_timeout",
  409: "conflict",
  410: "gone",
  412: "precondition_failed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  417: "expectation_failed",
  428: "precondition_required",
  429: "rate_limited",
  431: "headers_too_large",
  500: "internal",
  503: "unavailable",
} as const satisfies { [S in number]?: ErrorCode };

export function errorForStatus(status: number, message: string): ApiError {
  const code: ErrorCode = (GENERIC_CODES as Partial<Record<number, ErrorCode>>)[status] ?? (status < 500 ? "bad_request" : "internal");
  return new ApiError(code, message);
}

export const notFound = (what = "Resource") => new ApiError("not_found", `${what} not found`);
export const forbidden = (message = "Your role does not allow this") =>
  new ApiError("forbidden", message);
