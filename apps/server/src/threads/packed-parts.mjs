// Byte arrays sent between threads as one buffer: a single transfer however
// many parts there are, where posting a long log's arrays one by one held the
// event loop for seconds. Plain JavaScript, for the worker threads; types:
// packed-parts.d.mts.

/** Parts end to end in one buffer, with where each ends. */
export function pack(parts) {
  const ends = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((p, i) => (ends[i] = total += p.byteLength));
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, ends[i] - p.byteLength));
  return { bytes, ends };
}

/** `parts`, then the parts `packed` holds (views, no copy); either may be absent. */
export function partsAndPacked(parts = [], packed = undefined) {
  return packed ? [...parts, ...unpack(packed)] : parts;
}

/** The parts `pack` put end to end, as views of its buffer (no copy). */
export function unpack({ bytes, ends }) {
  return Array.from(ends, (end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
}
