import type { Rng } from "./seed.ts";

/**
 * Two requests sent at once, one of them up to `maxDelayMs` later, which one and by how much drawn from
 * `rng` (seed.ts): races between processes land in different orders from round to round, the same for one seed.
 */
export function atOnceWithJitter(rng: Rng, maxDelayMs = 8) {
  return async <A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> => {
    const delay = rng.int(maxDelayMs);
    const late = <T>(send: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => send().then(resolve, reject), delay));
    return rng.chance(0.5) ? Promise.all([first(), late(second)]) : Promise.all([late(first), second()]);
  };
}
