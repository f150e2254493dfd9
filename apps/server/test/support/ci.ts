/** Whether this is a CI run (CI=true), where every suite must run: a missing service is a failure, not a skip. */
export const IN_CI = process.env.CI === "true";

/**
 * For a suite that needs what a machine may lack (a shared Postgres, a redis-server, Postgres binaries):
 * `missing` says what is absent, or null. With CI=true it throws, so that nothing is skipped in CI; otherwise
 * it says what is skipped and why. Returns `missing`, for `describe.runIf(!missing)`.
 */
export function requiredInCi(file: string, missing: string | null, skipped = "SKIPPED"): string | null {
  if (missing && IN_CI) throw new Error(`${file} must run in CI, but found ${missing}`);
  if (missing) console.warn(`[${file}] ${skipped}: ${missing} (with CI=true this fails instead)`);
  return missing;
}

/** What `requiredInCi` is told when the run has no Postgres of its own for tests to share. */
export const NO_SHARED_POSTGRES = "no shared Postgres (TEST_DATABASE_URL is not set)";
