// Annotations for the reader benchmark, written the way a client writes them: a Node Y.Doc on a sync
// socket, each batch one transaction (so one update through the server's authorizer and group commit),
// and the seed done only once the server has acknowledged every update as durable.
import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import * as Y from "yjs";
import { CodePointIndex, MESSAGE_ACK, type NewAnnotation, annotationsOf, createAnnotation } from "@marginalia/schema";
import { rng } from "../lib/cold-data.ts";
import { SYNC_STEP2, step1Message, updateMessage } from "../lib/protocol.ts";

/** Well under the socket's 1 MiB message limit for annotations of this size. */
const BATCH = 250;

export type Writer = {
  doc: Y.Doc;
  /** Writes `inputs` in transactions of BATCH, resolving with their ids once all are acknowledged. */
  write(inputs: NewAnnotation[]): Promise<string[]>;
  /** Deletes annotations in one transaction, resolving once it is acknowledged. */
  remove(ids: string[]): Promise<void>;
  close(): void;
};

/** A synced client of one room, writing with `token` (an API token; the socket takes no cookies). */
export async function openWriter(url: string, room: string, token: string): Promise<Writer> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/sync/${room}?token=${token}&acks=1`);
  const doc = new Y.Doc();
  let sent = 0;
  let acked = 0;
  let waiting: Array<{ upTo: number; done(): void }> = [];
  let synced!: () => void;
  const isSynced = new Promise<void>((r) => (synced = r));
  ws.on("message", (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_ACK) {
      acked = decoding.readVarUint(decoder);
      waiting = waiting.filter((w) => (w.upTo <= acked ? (w.done(), false) : true));
    } else if (type === 0 && decoding.readVarUint(decoder) === SYNC_STEP2) {
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), "server");
      synced();
    }
  });
  ws.on("close", (code, reason) => {
    if (waiting.length) console.error(`writer socket closed with ${code} ${reason.toString()}`);
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(step1Message("marginalia", ""));
  await isSynced;
  const allAcked = async () => {
    const upTo = sent;
    if (acked < upTo) await new Promise<void>((done) => waiting.push({ upTo, done }));
  };
  doc.on("update", (update: Uint8Array, origin: unknown) => {
    if (origin === "server") return;
    sent++;
    ws.send(updateMessage("marginalia", "", update));
  });
  return {
    doc,
    async write(inputs) {
      const ids: string[] = [];
      for (let i = 0; i < inputs.length; i += BATCH) doc.transact(() => inputs.slice(i, i + BATCH).forEach((input) => ids.push(createAnnotation(doc, input))));
      await allAcked();
      return ids;
    },
    async remove(ids) {
      const map = annotationsOf(doc);
      doc.transact(() => ids.forEach((id) => map.delete(id)));
      await allAcked();
    },
    close: () => ws.close(),
  };
}

const WORDS = "claim source evidence context sanctions treaty drone oil export minister pipeline deal report analysts statement".split(" ");

/**
 * `count` published annotations on the article's current revision, spread over its text: seven in ten
 * comments, two highlights, one fact-check (with a verdict, so that several layers are painted).
 * Targets count code points, as the app's do.
 */
export function annotationsFor(text: string, revision: number, authorId: string, count: number, seed = 11): NewAnnotation[] {
  const index = new CodePointIndex(text);
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  return Array.from({ length: count }, (): NewAnnotation => {
    const start = Math.floor(random() * Math.max(1, index.length - 120));
    const end = start + 15 + Math.floor(random() * 60);
    const roll = random();
    const kind = roll < 0.7 ? "comment" : roll < 0.9 ? "highlight" : "factcheck";
    return {
      kind,
      authorId,
      target: {
        revision,
        exact: index.slice(start, end),
        prefix: index.slice(Math.max(0, start - 32), start),
        suffix: index.slice(end, Math.min(index.length, end + 32)),
        start,
        end,
      },
      body: kind === "highlight" ? "" : `${words(5 + Math.floor(random() * 15))}.`,
      factcheck: kind === "factcheck" ? { claim: words(8), verdict: pick(["true", "mixed", "misleading", "false"] as const), sources: [] } : null,
      status: "published",
    };
  });
}
