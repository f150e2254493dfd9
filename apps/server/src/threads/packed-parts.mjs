// Byte arrays sent between threads as one buffer: a single transfer however
// many parts there are, where posting a long log's arrays one by one held the
// event loop for seconds. Plain JavaScript, for the worker threads; types:
// packed-parts.d.mts.

/** Parts end to end in one buffer, with where each ends. */
export function pack(parts) {
  const { bytes, ends } = room(parts);
  parts.forEach((p, i) => bytes.set(p, ends[i] - p.byteLength));
  return { bytes, ends };
}

/** A buffer for `parts` end to end, and where each ends. */
function room(parts) {
  const ends = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((p, i) => (ends[i] = total += p.byteLength));
  return { bytes: new Uint8Array(total), ends };
}

/**
 * `pack`, a slice at a time: the turn is given back (`nextTurn`) after every `bytesPerTurn` copied or
 * `partsPerTurn` parts, so that packing a long log to send it to a worker does not hold the event loop.
 */
export async function packInTurns(parts, nextTurn, bytesPerTurn = 2 * 1024 * 1024, partsPerTurn = 4096) {
  const { bytes, ends } = room(parts);
  let copied = 0;
  let counted = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const start = ends[i] - part.byteLength;
    for (let at = 0; at < part.byteLength; ) {
      const end = Math.min(part.byteLength, at + bytesPerTurn - copied);
      bytes.set(part.subarray(at, end), start + at);
      copied += end - at;
      at = end;
      if (copied >= bytesPerTurn) {
        copied = 0;
        counted = 0;
        await nextTurn();
      }
    }
    if (++counted >= partsPerTurn) {
      copied = 0;
      counted = 0;
      await nextTurn();
    }
  }
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
