/**
 * How big the reliability runs are. `pnpm test` (and CI) runs the defaults,
 * which reach every path these tests exercise (restarts, kills at random
 * moments, every frame kind) in well under a minute each on two cores;
 * `MARGINALIA_SOAK=1` runs the long soak, which is where numbers are earned. Each figure
 * can also be set on its own, and `MARGINALIA_FC_SEED` replays one
 * fast-check run (with `MARGINALIA_FC_PATH` for the shrunk case it printed).
 */
export const SOAK = process.env.MARGINALIA_SOAK === "1";

function count(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export const SIZES = {
  /** Convergence: fast-check runs (seeds). */
  seeds: count("MARGINALIA_SEEDS", SOAK ? 1_000 : 100),
  /** Durability: SIGKILL cycles. */
  killCycles: count("MARGINALIA_KILL_CYCLES", SOAK ? 100 : 4),
  /** Fuzzing: frames through the transport-independent core. */
  coreFrames: count("MARGINALIA_FUZZ_FRAMES", SOAK ? 1_000_000 : 40_000),
  /** Fuzzing: frames over real websockets. */
  socketFrames: count("MARGINALIA_FUZZ_SOCKET_FRAMES", SOAK ? 30_000 : 1_500),
};

export const FC_SEED = process.env.MARGINALIA_FC_SEED ? Number(process.env.MARGINALIA_FC_SEED) : undefined;
export const FC_PATH = process.env.MARGINALIA_FC_PATH || undefined;

/** Prints a test's figures on one line, so that a CI log carries them. */
export function report(name: string, figures: Record<string, unknown>) {
  console.log(`[reliability] ${name} ${JSON.stringify(figures)}`);
}

/** Test timeouts grow with the run, from a measured per-unit cost plus a margin. */
export const budget = (units: number, msPerUnit: number, fixedMs = 60_000) => fixedMs + Math.ceil(units * msPerUnit);
