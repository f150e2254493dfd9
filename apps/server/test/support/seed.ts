import { inject } from "vitest";

/**
 * Every random input in the test suite comes from one run seed. The global
 * setup draws it (or reads `MARGINALIA_SEED`) and prints it before any test
 * runs; each suite derives its own generator from it by name, so that
 * `MARGINALIA_SEED=<n> pnpm test <file>` replays that file's draws.
 *
 * Unique names (emails, ids, a text that must differ from the last revision)
 * are not inputs and stay random: runs share one Postgres database, and a
 * replayed seed must not collide with the accounts of the run it replays.
 */
export function runSeed(): number {
  return inject("seed");
}

/** The seed of one suite or test: the run seed mixed with a name, so suites do not share draws. */
export function seedFor(name: string): number {
  let h = runSeed() >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A generator for one suite or test, with its seed in every failure message that mentions it. */
export function seeded(name: string): Rng {
  return new Rng(seedFor(name));
}

/** A small seeded PRNG (mulberry32), so that a run can be replayed from its seed. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A version-4-shaped UUID drawn from this generator. */
  uuid(): string {
    const hex = Buffer.from(this.bytes(16)).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  /** A Yjs client id, as Y.Doc would draw one, but from this generator. */
  clientId(): number {
    return 1 + this.int(2 ** 31);
  }
  /** Lowercase letters, for names. */
  letters(n: number): string {
    return Array.from({ length: n }, () => String.fromCharCode(97 + this.int(26))).join("");
  }
}
