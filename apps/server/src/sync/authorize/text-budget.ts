/**
 * Sets `key` to `value` as the most recently used entry of `map` (a Map keeps insertion order), then drops
 * the least recently used entries until the texts they hold come to at most `limit` UTF-16 units.
 * `units` is 0 for an entry that holds none yet (one still loading). Returns the keys dropped. Summed
 * each time rather than kept as a running count: the maps hold a few hundred entries at most.
 */
export function keepWithinUnits<K, V>(map: Map<K, V>, key: K, value: V, units: (value: V) => number, limit: number): K[] {
  map.delete(key);
  map.set(key, value);
  let total = 0;
  for (const entry of map.values()) total += units(entry);
  const dropped: K[] = [];
  for (const [k, entry] of map) {
    if (total <= limit || k === key) break;
    total -= units(entry);
    map.delete(k);
    dropped.push(k);
  }
  return dropped;
}
