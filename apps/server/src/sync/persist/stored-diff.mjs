// What a loaded copy of a document lacks from its stored state, for the relay's resync (sync/broadcast/relay.ts).
// Plain JavaScript: it runs on the loads' worker thread (yjs-jobs.mjs). Types: stored-diff.d.mts.
import * as Y from "yjs";

/**
 * The update that brings a copy with state vector `sv` up to the stored
 * `parts` (a state and the tail after it), or null when it lacks nothing.
 * Its structs are those past `sv`, usually none; its deletions are the
 * stored ones, all of them, since a built copy does not say which it holds.
 *
 * `loaded`: the parts a cold copy was loaded from, which are then exactly
 * what it holds (cold-bytes.ts); null for a built copy. A stored part equal
 * to a loaded one adds nothing, and the stored deletions a cold copy's bytes
 * already carry are no reason to apply anything: applied, they would build
 * the copy for nothing (docs/architecture.md, "More than one process").
 */
export function storedDiff(sv, parts, loaded) {
  const unseen = loaded ? parts.filter((part) => !loaded.some((held) => sameBytes(held, part))) : parts;
  if (unseen.length === 0) return null;
  const diffs = unseen.map((part) => Y.diffUpdate(part, sv));
  const update = diffs.length === 1 ? diffs[0] : Y.mergeUpdates(diffs);
  const { structs, ds } = Y.decodeUpdate(update);
  // A skip stands for a gap: content the update does not carry.
  if (structs.some((struct) => !(struct instanceof Y.Skip))) return update;
  if (ds.clients.size === 0) return null;
  if (!loaded) return update;
  // The loaded parts' structs are all within `sv`: what is left of them is their deletions.
  const held = Y.mergeDeleteSets(loaded.map((part) => Y.decodeUpdate(Y.diffUpdate(part, sv)).ds));
  return covers(held, ds) ? null : update;
}

const sameBytes = (a, b) => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

/** Whether every range `ds` deletes lies within a range of `held` (sorted and merged, as Y.mergeDeleteSets leaves it). */
function covers(held, ds) {
  for (const [client, ranges] of ds.clients) {
    const within = held.clients.get(client) ?? [];
    for (const { clock, len } of ranges) {
      if (len === 0) continue;
      const range = within.find((r) => r.clock <= clock && clock < r.clock + r.len);
      if (!range || clock + len > range.clock + range.len) return false;
    }
  }
  return true;
}
