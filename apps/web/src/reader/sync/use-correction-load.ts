import { useState } from "react";
import type { Async } from "../../lib/use-async.ts";

/**
 * Loading a correction the reader asked for (StatusBanner's "Load the new revision"). The article is read
 * again in place: while that is under way the offer says so, and when it fails the page says why and offers
 * to try again, the revision on screen staying as it was (a failed read keeps the data it had: use-async.ts).
 */
export type CorrectionLoad = { state: "idle" | "loading" | "failed"; failure: string | null; load(): void };

/**
 * Whether the reader's own load is under way or failed: "asked" from the click until the load is seen
 * running, then "running" until it ends. A load that succeeds ends the ask, so that a later reload the page
 * makes for itself (a refusal's, use-sync-notice.ts) is not shown as the reader's.
 */
export type Ask = "none" | "asked" | "running";

export function nextAsk(ask: Ask, loading: boolean, error: string | null): Ask {
  if (ask === "asked") return loading ? "running" : ask;
  if (ask === "running" && !loading && !error) return "none";
  return ask;
}

export function useCorrectionLoad({ reload, loading, error }: Pick<Async<unknown>, "reload" | "loading" | "error">): CorrectionLoad {
  const [ask, setAsk] = useState<Ask>("none");
  const next = nextAsk(ask, loading, error);
  if (next !== ask) setAsk(next);
  const state = next === "none" ? "idle" : loading ? "loading" : error ? "failed" : "idle";
  return {
    state,
    failure: state === "failed" ? correctionFailure(error!) : null,
    load: () => {
      setAsk("asked");
      void reload();
    },
  };
}

/** The words of a failed load, from the client's message (api/client.ts), which already speaks to the reader. */
export const correctionFailure = (reason: string) => `The new revision could not be loaded. ${/[.!?]$/.test(reason) ? reason : `${reason}.`}`;
