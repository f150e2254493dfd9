import * as Y from "yjs";

// How a large cold document is built a slice per event-loop turn (cold-build.ts, state-slices.mjs).

/** A cold state this large or larger is built in slices (cold-build.ts); a smaller one on first use. */
export const SLICED_BUILD_BYTES = 256 * 1024;
/**
 * How long a large cold document stays unbuilt after it loads before its
 * build in slices starts, unless something that needs the document (a write,
 * a REST change) starts it sooner and waits for it. Cutting a 10 MB state
 * keeps a thread busy for 0.6–2 s, and on 2 cores that slowed the loads'
 * own answers: cold opens of one 10 MB document in a row (`pnpm bench`,
 * "Cold load") took a median of 190–385 ms with the cut started at once
 * against 105–115 ms without it. A document closed again within the wait is
 * never cut at all.
 */
export const BUILD_AFTER_MS = 1_000;
/**
 * Per slice: for a 10 MB state (10,000 annotations), 317 slices of about 5 ms
 * (at most 23 ms) on the 2-core machine `pnpm bench` runs on, against 1.1 s
 * for the state applied whole (docs/architecture.md, "Persistence and the commit").
 */
export const SLICE_SIZES = { structs: 1_000, ranges: 5_000 };

/**
 * One slice of a document being built. Garbage is not collected meanwhile:
 * a slice may delete a type whose older map values are deleted by a later
 * one, and collecting the type would find them still live. A state the
 * server stored was collected when it was folded, so little is left
 * uncollected: only what the slices themselves delete.
 */
export function applySlice(doc: Y.Doc, slice: Uint8Array, origin: unknown) {
  const gc = doc.gc;
  doc.gc = false;
  try {
    applyUnheard(doc, slice, origin);
  } finally {
    doc.gc = gc;
  }
}

type Observed = { _observers: Map<string, unknown> };

/**
 * Applies loaded bytes without the document's "update" event. Yjs writes out each transaction's update for
 * that event's listeners (Transaction cleanup) before any of them can ignore it, as the server's do for a load:
 * building a 10 MB document wrote every slice out again, and a slice meant to take 5 ms took 130–280. The
 * listeners stay registered, in their order, for everything after.
 */
export function applyUnheard(doc: Y.Doc, update: Uint8Array, origin: unknown) {
  const observers = (doc as unknown as Observed)._observers;
  const listening = observers.get("update");
  observers.delete("update");
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    if (listening) observers.set("update", listening);
  }
}
