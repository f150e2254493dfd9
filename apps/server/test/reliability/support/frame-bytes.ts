import * as encoding from "lib0/encoding";

/*
 * Byte-level pieces of hostile frames, shared by the corpus's generators (frames.ts) and the
 * updates it starts from (seed-updates.ts).
 */

export const MARK = "QQQQ"; // four ASCII bytes, patched into invalid UTF-8 after encoding
export const BAD_UTF8: Uint8Array[] = [
  new Uint8Array([0xff, 0xfe, 0xfd, 0xfc]), // never valid in UTF-8
  new Uint8Array([0xc0, 0xaf, 0xe0, 0x80]), // overlong encodings
  new Uint8Array([0xed, 0xa0, 0x80, 0x41]), // an encoded lone surrogate
  new Uint8Array([0x80, 0x80, 0x80, 0x80]), // continuation bytes with no lead
  new Uint8Array([0xf4, 0x90, 0x80, 0x80]), // beyond U+10FFFF
];

export const DEEP_JSON = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;

export const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export const frame = (write: (e: encoding.Encoder) => void) => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

/** Replaces every occurrence of MARK's bytes with `bad`. */
export function patchMark(bytes: Uint8Array, bad: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const mark = new TextEncoder().encode(MARK);
  for (let i = 0; i + mark.length <= out.length; i++) {
    if (mark.every((b, j) => out[i + j] === b)) out.set(bad, i);
  }
  return out;
}
