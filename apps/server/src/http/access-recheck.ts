import type { Context } from "hono";

/**
 * Access decided from a request's headers is decided again once its body is
 * in (docs/architecture.md, "Access over a request's life"). Sign-in and the
 * route's guards run before the body is read, so that nobody makes the server
 * read and parse a body they may not send. But a client may send its headers,
 * hold the body back until it was removed from the group, demoted, or signed
 * out everywhere, and then send it: without a second look the request would
 * act with the access it had minutes earlier.
 *
 * Each check that decided access leaves a way to decide it again here, in the
 * order it ran (sign-in before role). A check run again refreshes what it left
 * on the context in place, so that a handler holding it (`c.get("article")`)
 * sees the current role and revision, or throws what it would have thrown.
 */
type Recheck = () => Promise<void>;

const pending = new WeakMap<Context, Recheck[]>();

/** Registers how to decide again what a check just decided. */
export function recheckLater(c: Context, recheck: Recheck): void {
  const list = pending.get(c);
  if (list) list.push(recheck);
  else pending.set(c, [recheck]);
}

/**
 * Decides every registered check again, in order. Called once a body has been
 * read whole, and again after anything slow the request waits for before it
 * writes (an import fetching its page).
 */
export async function recheckAccess(c: Context): Promise<void> {
  for (const recheck of pending.get(c) ?? []) await recheck();
}
