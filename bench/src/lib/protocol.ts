// Wire framing for the three servers, and the send-time marker that the
// lightweight receivers find in update bytes without integrating them.
//
// Marginalia and the bare relay speak y-websocket's protocol: a varUint
// message type, then the y-protocols payload. Hocuspocus prefixes every
// message with the document name (a varString) and authenticates first
// (see @hocuspocus/provider's OutgoingMessages and @hocuspocus/server's
// ClientConnection): `[name][2 auth][0 token][token]`, answered by
// `[name][2 auth][2 authenticated][scope]`.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export type ServerKind = "marginalia" | "relay" | "hocuspocus";

export const MESSAGE_SYNC = 0;
export const MESSAGE_AUTH = 2;
export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;
export const MESSAGE_ACK = 100; // Marginalia only (docs/sync.md, "Acknowledgements")
const AUTH_TOKEN = 0;
const AUTH_DENIED = 1;
const AUTH_OK = 2;

/**
 * The marker, fixed width (35 ASCII characters), put in an annotation's body:
 *   `~MRK` step(2) phase(1: w = warm-up, m = measured) writer(4) seq(8) sent(16: epoch µs)
 * Epoch microseconds (timeOrigin + now), so that a marker can be timed in
 * another process too (Hocuspocus's store hook).
 */
export const MARKER_PREFIX = Buffer.from("~MRK");
export const MARKER_LENGTH = 4 + 2 + 1 + 4 + 8 + 16;

export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function marker(step: number, measured: boolean, writer: number, seq: number, sentMicros: number): string {
  return `~MRK${pad(step, 2)}${measured ? "m" : "w"}${pad(writer, 4)}${pad(seq, 8)}${pad(sentMicros, 16)}`;
}

// Bodies padded to a realistic length: the server stores and sends every character.
const FILLER = " The minister's remarks on the pipeline deal contradict the figures published by the ministry in March.";

/** An annotation body holding `mark`, padded with ordinary text to `chars` characters (0: not padded). */
export function markedBody(mark: string, chars: number): string {
  const text = `fan-out bench ${mark}`;
  if (text.length >= chars) return text;
  return (text + FILLER.repeat(Math.ceil((chars - text.length) / FILLER.length))).slice(0, chars);
}

function pad(n: number, width: number) {
  return String(n).padStart(width, "0");
}

function digits(buf: Uint8Array, at: number, width: number): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 10 + (buf[at + i]! - 48);
  return n;
}

export type Found = { step: number; measured: boolean; writer: number; seq: number; sent: number };

/** Calls `fn` for each marker in `buf` from `from` on. Allocation-free apart from the callback's own work. */
export function scanMarkers(
  buf: Buffer,
  from: number,
  fn: (step: number, measured: boolean, writer: number, seq: number, sent: number) => void,
) {
  let at = buf.indexOf(MARKER_PREFIX, from);
  while (at >= 0 && at + MARKER_LENGTH <= buf.length) {
    const p = at + 4;
    fn(digits(buf, p, 2), buf[p + 2] === 109 /* m */, digits(buf, p + 3, 4), digits(buf, p + 7, 8), digits(buf, p + 15, 16));
    at = buf.indexOf(MARKER_PREFIX, at + MARKER_LENGTH);
  }
}

/** What a lightweight socket needs to recognise in what the server sends. */
export type Classified =
  | { kind: "update"; offset: number }
  | { kind: "step1" }
  | { kind: "step2" }
  | { kind: "joined" }
  | { kind: "ack"; n: number }
  | { kind: "denied"; reason: string }
  | { kind: "other" };

const OTHER: Classified = { kind: "other" };
const STEP1: Classified = { kind: "step1" };
const STEP2: Classified = { kind: "step2" };
const JOINED: Classified = { kind: "joined" };

/** Reads just enough of a server message to route it; the update itself is never decoded. */
export function classify(kind: ServerKind, msg: Buffer): Classified {
  let at = 0;
  if (kind === "hocuspocus") {
    // varString document name: varUint length, then UTF-8 bytes
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = msg[at++]!;
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    at += len;
  }
  const type = msg[at]!;
  if (type === MESSAGE_SYNC) {
    const step = msg[at + 1];
    if (step === SYNC_UPDATE) return { kind: "update", offset: at + 2 };
    if (step === SYNC_STEP2) return STEP2;
    if (step === SYNC_STEP1) return STEP1;
    return OTHER;
  }
  if (kind === "hocuspocus" && type === MESSAGE_AUTH) {
    const sub = msg[at + 1];
    if (sub === AUTH_OK) return JOINED;
    if (sub === AUTH_DENIED) {
      const d = decoding.createDecoder(msg.subarray(at + 2));
      return { kind: "denied", reason: decoding.readVarString(d) };
    }
    return OTHER;
  }
  if (kind === "marginalia" && type === MESSAGE_ACK) {
    const d = decoding.createDecoder(msg.subarray(at + 1));
    return { kind: "ack", n: decoding.readVarUint(d) };
  }
  return OTHER;
}

function header(kind: ServerKind, docName: string): encoding.Encoder {
  const e = encoding.createEncoder();
  if (kind === "hocuspocus") encoding.writeVarString(e, docName);
  return e;
}

/** A sync update message carrying `update`. */
export function updateMessage(kind: ServerKind, docName: string, update: Uint8Array): Uint8Array {
  const e = header(kind, docName);
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, SYNC_UPDATE);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** Sync step 1 with `stateVector` (an empty document's is [0]). */
export function step1Message(kind: ServerKind, docName: string, stateVector: Uint8Array = new Uint8Array([0])): Uint8Array {
  const e = header(kind, docName);
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, SYNC_STEP1);
  encoding.writeVarUint8Array(e, stateVector);
  return encoding.toUint8Array(e);
}

/** Hocuspocus's first message on a document: the token. */
export function authMessage(docName: string, token: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, docName);
  encoding.writeVarUint(e, MESSAGE_AUTH);
  encoding.writeVarUint(e, AUTH_TOKEN);
  encoding.writeVarString(e, token);
  return encoding.toUint8Array(e);
}

/** Where a lightweight socket connects, and what it sends first. */
export type Endpoint = {
  kind: ServerKind;
  /** Server origin, `ws://127.0.0.1:port`. */
  origin: string;
  /** Marginalia's room, the relay's room, or Hocuspocus's document name. */
  docName: string;
  /** Marginalia's session token; anything for Hocuspocus (no auth hook); unused by the relay. */
  token: string;
};

export function socketUrl(ep: Endpoint, acks = false): string {
  if (ep.kind === "marginalia") return `${ep.origin}/sync/${ep.docName}?token=${ep.token}${acks ? "&acks=1" : ""}`;
  if (ep.kind === "relay") return `${ep.origin}/${ep.docName}`;
  return `${ep.origin}/`;
}

/** Messages to send once the socket is open (Hocuspocus wants the token before anything else). */
export function openingMessages(ep: Endpoint): Uint8Array[] {
  return ep.kind === "hocuspocus" ? [authMessage(ep.docName, ep.token)] : [];
}

/**
 * What tells a socket it has joined: Marginalia sends sync step 1 once the
 * socket is admitted and the document loaded; the relay sends it at once;
 * Hocuspocus answers the token with "authenticated".
 */
export function isJoinSignal(ep: Endpoint, c: Classified): boolean {
  return ep.kind === "hocuspocus" ? c.kind === "joined" : c.kind === "step1";
}
