/**
 * A pause of `ms`, for what a test paces on purpose (a seeded delay between writes, a process left running a
 * while). Not for waiting on an outcome: that is `eventually` (sync-client.ts), which does not pass early.
 */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
