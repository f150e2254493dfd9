import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client.ts";

export type Async<T> = { data: T | undefined; error: string | null; loading: boolean; reload: () => Promise<void> };

/** Loads something for a screen, and drops answers that arrive after the inputs changed. */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  // `load` is a fresh closure each render; the caller lists what it depends on in `deps`.
  const run = useCallback(load, deps);

  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const value = await run();
      if (ticket === latest.current) {
        setData(value);
        setError(null);
      }
    } catch (err) {
      if (ticket === latest.current) setError(errorMessage(err));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [run]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, error, loading, reload };
}
