/** mulberry32: the same numbers for the same seed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Two requests sent at once, one of them up to `maxDelayMs` later, which one and by how much drawn from
 * `next`: races between processes land in different orders from round to round, the same for one seed.
 */
export function atOnceWithJitter(next: () => number, maxDelayMs = 8) {
  return async <A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> => {
    const delay = Math.floor(next() * maxDelayMs);
    const late = <T>(send: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => send().then(resolve, reject), delay));
    return next() < 0.5 ? Promise.all([first(), late(second)]) : Promise.all([late(first), second()]);
  };
}
