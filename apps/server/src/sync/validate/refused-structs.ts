import * as Y from "yjs";
import { UpdateNotStoredError } from "../persist/commit-errors.ts";
import { clientSpans, decodeUpdate } from "./decoded-update.ts";

/** Why an update is refused that carries content the database refused before: closed with 4422 (closeCodeOf). */
export const REFUSED_BEFORE = "the update carries content the database refused before";

/** How long a refusal is remembered, and how many a process keeps (each a few numbers per client id). */
const KEEP_MS = 10 * 60_000;
const MAX_REFUSALS = 4_096;

type Refusal = { docName: string; client: number; start: number; end: number; at: number };

/**
 * What the database refused, remembered by where it sits in each document:
 * the Yjs client id and clock range of every struct of a refused update
 * (docs/sync.md, "Acknowledgements"). A struct id names one piece of content
 * for good, so content that comes back under a refused id is the same
 * content, and would be refused again. A client that keeps its refused
 * change (a stock provider keeps its Y.Doc) sends it again in the sync step 2
 * of every reconnect; before this, each time it was applied, sent to every
 * peer, refused at the commit, and the document reloaded, closing all its
 * sockets: a reload loop that one socket kept going. Now it is refused
 * before it is applied or sent, and only its socket closes.
 *
 * Deletions are not remembered: a deletion carries no id of its own. Nor is
 * content since deleted (GC structs, deleted items), which holds nothing the
 * database could refuse. Remembered per process: another process meets it
 * once (reload-pace.ts bounds what that costs).
 */
export class RefusedStructs {
  /** Oldest first, across documents: the order they expire and are evicted in. */
  private refusals: Refusal[] = [];
  /**
   * Each document's refusals, oldest first, and no entry for a document with none, so that it is passed
   * over at once. What expires is the oldest of `refusals`, so always the oldest of its document's too.
   */
  private readonly byDoc = new Map<string, Refusal[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers `update`'s structs if the commit refuses it for what it is, or for its writer's role (persist.ts `refuse`). */
  watch(docName: string, update: Uint8Array, durable: Promise<void>) {
    durable.catch((err: unknown) => {
      if (err instanceof UpdateNotStoredError && (err.reason === "refused" || err.reason === "forbidden")) this.remember(docName, update);
    });
  }

  /**
   * Remembers the clock range of each client's content in `update`: Yjs writes a client's structs in one
   * block, and a range over its first and last struct is what a transaction added under that client. Read
   * without keeping the decoded structs (decoded-update.ts): the update is dropped once remembered.
   */
  remember(docName: string, update: Uint8Array) {
    const at = this.now();
    for (const [client, [start, end]] of clientSpans(Y.decodeUpdate(update).structs, holdsContent)) {
      const refusal = { docName, client, start, end, at };
      this.refusals.push(refusal);
      const mine = this.byDoc.get(docName);
      if (mine) mine.push(refusal);
      else this.byDoc.set(docName, [refusal]);
    }
    this.expire(at);
  }

  /** Whether `update` carries content under a struct id the database refused in this document. */
  carries(docName: string, update: Uint8Array): boolean {
    if (!this.byDoc.has(docName)) return false;
    this.expire(this.now());
    const mine = this.byDoc.get(docName);
    if (!mine) return false;
    return decodeUpdate(update).structs.some((s) => {
      const [start, end] = [s.id.clock, s.id.clock + s.length];
      return holdsContent(s) && mine.some((r) => r.client === s.id.client && r.start < end && start < r.end);
    });
  }

  private expire(now: number) {
    let drop = Math.max(0, this.refusals.length - MAX_REFUSALS);
    while (drop < this.refusals.length && this.refusals[drop]!.at <= now - KEEP_MS) drop++;
    for (const gone of this.refusals.splice(0, drop)) {
      const mine = this.byDoc.get(gone.docName)!;
      mine.shift();
      if (mine.length === 0) this.byDoc.delete(gone.docName);
    }
  }
}

/** Neither a gap (Skip) nor content since deleted, which holds nothing the database could refuse. */
const holdsContent = (s: Y.Item | Y.GC | Y.Skip) => !(s instanceof Y.Skip || s instanceof Y.GC || (s instanceof Y.Item && s.content instanceof Y.ContentDeleted));
