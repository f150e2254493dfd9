import { useState } from "react";
import type { Async } from "../../lib/use-async.ts";

/**
 * Loading a correction the reader asked for (StatusBanner's "Load the new revision"). The article is read
 * again in place: while that is under way the offer says so, and when it fails the page says why and offers
 * to try again, the revision on screen staying as it was (a failed read keeps the data it had: use-async.ts).
 */
export type CorrectionLoad = { state: "idle" | "loading" | "failed"; failure: string | null; load(): void };

export function useCorrectionLoad({ reload, loading, error }: Pick<Async<unknown>, "reload" | "loading" | "error">): CorrectionLoad {
  const [asked, setAsked] = useState(false);
  const state = !asked ? "idle" : loading ? "loading" : error ? "failed" : "idle";
  return {
    state,
    failure: state === "failed" ? correctionFailure(error!) : null,
    load: () => {
      setAsked(true);
      void reload();
    },
  };
}

/** The words of a failed load, from the client's message (api/client.ts), which already speaks to the reader. */
export const correctionFailure = (reason: string) => `The new revision could not be loaded. ${/[.!?]$/.test(reason) ? reason : `${reason}.`}`;
