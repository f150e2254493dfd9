import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, notesOf } from "@marginalia/schema";
import type { Rng } from "../../support/seed.ts";
import { awarenessFrame, rawAwarenessFrame, syncStep1, syncStep2, updateMessage } from "./core.ts";
import { BAD_UTF8, DEEP_JSON, MARK, concat, frame, patchMark } from "./frame-bytes.ts";
import { seedUpdates } from "./seed-updates.ts";

export const FRAME_KINDS = ["random", "mutated", "varint", "yjs", "utf8", "protocol"] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

/**
 * Valid frames and valid updates of every sort a client sends, written
 * against a copy of the live document (the updates in seed-updates.ts),
 * and the hostile frames made from them. Mutations start from these.
 */
export class Corpus {
  frames: Uint8Array[] = [];
  updates: Uint8Array[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly userId: string,
  ) {}

  refresh(live: Y.Doc) {
    const base = new Y.Doc();
    Y.applyUpdate(base, Y.encodeStateAsUpdate(live));
    const updates = seedUpdates(base, this.rng, this.userId);
    this.updates = updates;
    const awarenessDoc = new Y.Doc();
    awarenessDoc.clientID = this.rng.clientId();
    const awareness = new awarenessProtocol.Awareness(awarenessDoc);
    awareness.setLocalState({ user: { id: this.userId, name: MARK }, selection: { start: 1, end: 4 }, note: MARK });
    this.frames = [
      syncStep1(base),
      syncStep1(new Y.Doc()),
      ...updates.map((u) => (this.rng.chance(0.5) ? syncStep2(u) : updateMessage(u))),
      awarenessFrame(awareness, [awareness.clientID]),
      new Uint8Array([MESSAGE_QUERY_AWARENESS]),
    ];
    awareness.destroy();
    base.destroy();
  }

  frame(kind: FrameKind): Uint8Array {
    switch (kind) {
      case "random":
        return this.rng.bytes(this.rng.chance(0.05) ? this.rng.int(4_096) : this.rng.int(48));
      case "mutated":
        return this.mutate(this.rng.pick(this.frames));
      case "varint":
        return this.varint();
      case "yjs":
        return this.yjs();
      case "utf8":
        return this.utf8();
      case "protocol":
        return this.protocol();
    }
  }

  /** Bit flips, overwrites, truncation, insertion, deletion, splicing and repetition. */
  mutate(input: Uint8Array): Uint8Array {
    let bytes = input.slice();
    const rounds = 1 + this.rng.int(4);
    for (let r = 0; r < rounds; r++) {
      const at = this.rng.int(Math.max(1, bytes.length));
      switch (this.rng.int(7)) {
        case 0:
          if (bytes.length) bytes[at] = bytes[at]! ^ (1 << this.rng.int(8));
          break;
        case 1:
          if (bytes.length) bytes[at] = this.rng.int(256);
          break;
        case 2:
          bytes = bytes.slice(0, at);
          break;
        case 3:
          bytes = concat(bytes.slice(0, at), this.rng.bytes(1 + this.rng.int(8)), bytes.slice(at));
          break;
        case 4:
          bytes = concat(bytes.slice(0, at), bytes.slice(at + 1 + this.rng.int(8)));
          break;
        case 5: {
          const other = this.rng.pick(this.frames);
          bytes = concat(bytes.slice(0, at), other.slice(this.rng.int(Math.max(1, other.length))));
          break;
        }
        case 6:
          bytes = concat(bytes.slice(0, at), bytes.slice(at, at + 16), bytes.slice(at));
          break;
      }
    }
    return bytes;
  }

  /** Truncated varints, varints past 2^53, and length prefixes far beyond the frame. */
  varint(): Uint8Array {
    const huge = [0xff, 0xff, 0xff, 0xff, 0x0f]; // 2^32 - 1
    const endless = Array.from({ length: 9 + this.rng.int(8) }, () => 0xff); // never ends, or exceeds 2^53
    const type = this.rng.pick([MESSAGE_SYNC, MESSAGE_AWARENESS]);
    const options = [
      [0x80],
      [type, 0x80],
      [MESSAGE_SYNC, 0x80, 0x80],
      [MESSAGE_SYNC, 1, 0x80, 0x80, 0x80],
      [MESSAGE_SYNC, 0, ...huge, 1, 2, 3],
      [MESSAGE_SYNC, 1, ...huge, 0, 0],
      [MESSAGE_SYNC, 2, ...huge],
      [MESSAGE_AWARENESS, ...huge, 1],
      [MESSAGE_AWARENESS, 5, ...huge, 1, 2, 3, 4],
      [...endless, 1],
      [type, ...endless, 0],
      [MESSAGE_SYNC, 2, ...endless, 0],
      [MESSAGE_SYNC, 2, 3, ...huge, 0, 0], // an update claiming 2^32 structs
      [MESSAGE_SYNC, 0, 2, ...huge, 0xff], // a state vector with a huge client
    ];
    return new Uint8Array(this.rng.pick(options));
  }

  /** Malformed Yjs updates inside well-formed sync frames. */
  yjs(): Uint8Array {
    const wrap = (u: Uint8Array) => (this.rng.chance(0.5) ? syncStep2(u) : updateMessage(u));
    const valid = this.rng.pick(this.updates);
    switch (this.rng.int(9)) {
      case 0:
        return wrap(this.rng.bytes(this.rng.int(64)));
      case 1:
        return wrap(this.mutate(valid));
      case 2:
        return wrap(valid.slice(0, this.rng.int(valid.length)));
      case 3:
        return wrap(Y.convertUpdateFormatV1ToV2(valid)); // the other encoding
      case 4: {
        // An edit that builds on content never sent (a client's earlier, unsent typing): the server holds it.
        const doc = new Y.Doc();
        doc.clientID = 1 + this.rng.int(2 ** 31);
        notesOf(doc).insert(0, "never sent ".repeat(1 + this.rng.int(20)));
        let update: Uint8Array = new Uint8Array();
        doc.on("update", (u: Uint8Array) => (update = u));
        notesOf(doc).insert(notesOf(doc).length, " and then this");
        doc.destroy();
        return wrap(update);
      }
      case 5:
        // A delete set over a huge range of some client, known or not.
        return wrap(
          frame((e) => {
            encoding.writeVarUint(e, 0);
            encoding.writeVarUint(e, 1);
            encoding.writeVarUint(e, this.rng.chance(0.5) ? this.rng.int(2 ** 32) : 0);
            encoding.writeVarUint(e, 1);
            encoding.writeVarUint(e, this.rng.int(1_000));
            encoding.writeVarUint(e, this.rng.chance(0.5) ? 2 ** 31 : 1 + this.rng.int(1_000));
          }),
        );
      case 6:
        return wrap(Y.mergeUpdates([valid, this.rng.pick(this.updates)]));
      case 7:
        return wrap(concat(valid, this.rng.bytes(1 + this.rng.int(16)))); // trailing garbage
      default:
        return wrap(patchMark(valid, this.rng.pick(BAD_UTF8)));
    }
  }

  /** Invalid UTF-8 in awareness JSON and in Yjs strings; JSON that is not an object, or too deep. */
  utf8(): Uint8Array {
    const awarenessPayload = (json: Uint8Array | string, clientId = 1 + this.rng.int(2 ** 30)) =>
      rawAwarenessFrame(
        frame((e) => {
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint(e, clientId);
          encoding.writeVarUint(e, this.rng.int(100));
          if (typeof json === "string") encoding.writeVarString(e, json);
          else encoding.writeVarUint8Array(e, json);
        }),
      );
    const bad = this.rng.pick(BAD_UTF8);
    switch (this.rng.int(7)) {
      case 0:
        return awarenessPayload(concat(new TextEncoder().encode('{"name":"'), bad, new TextEncoder().encode('"}')));
      case 1:
        return awarenessPayload(bad);
      case 2:
        return patchMark(this.rng.pick(this.frames.filter((f) => f[0] === MESSAGE_AWARENESS)), bad);
      case 3:
        return syncStep2(patchMark(this.updates[0]!, bad));
      case 4:
        return awarenessPayload(this.rng.pick(["null", "[]", "42", '"str"', "{", '{"a":', "true", "{}", '{"__proto__":{"x":1}}']));
      case 5: {
        // Nesting deep enough to overflow a recursive serializer, now and then; shallower otherwise.
        const depth = this.rng.chance(0.05) ? 20_000 : 1 + this.rng.int(200);
        return awarenessPayload(depth === 20_000 ? DEEP_JSON : `${"[".repeat(depth)}${"]".repeat(depth)}`);
      }
      default:
        return updateMessage(patchMark(this.rng.pick(this.updates), bad));
    }
  }

  /** Well-formed frames the protocol does not allow, or allows in odd ways. */
  protocol(): Uint8Array {
    switch (this.rng.int(10)) {
      case 8:
      case 9:
        return this.rng.pick(this.frames); // a valid frame, as is: honest writes land between the hostile ones
      case 0:
        return new Uint8Array([]);
      case 1:
        return new Uint8Array([this.rng.pick([2, 4, 5, 99, 100, 127, 200])]);
      case 2:
        return new Uint8Array([MESSAGE_SYNC, 3 + this.rng.int(100), 0]);
      case 3:
        return new Uint8Array([MESSAGE_QUERY_AWARENESS]);
      case 4: {
        // Many awareness states at once, some with null (removal) and some claiming others' ids.
        const n = 1 + this.rng.int(300);
        return rawAwarenessFrame(
          frame((e) => {
            encoding.writeVarUint(e, n);
            for (let i = 0; i < n; i++) {
              encoding.writeVarUint(e, this.rng.int(2 ** 31));
              encoding.writeVarUint(e, this.rng.int(10));
              encoding.writeVarString(e, this.rng.chance(0.3) ? "null" : JSON.stringify({ i, cursor: { start: i, end: i + 1 } }));
            }
          }),
        );
      }
      case 5:
        return new Uint8Array([MESSAGE_SYNC]);
      case 6:
        return new Uint8Array([MESSAGE_AWARENESS]);
      default:
        return new Uint8Array([MESSAGE_SYNC, 0, 0]);
    }
  }
}
