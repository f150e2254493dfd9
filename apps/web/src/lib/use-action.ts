import { useCallback, useState } from "react";

/**
 * A form's submit: busy while it runs (the button is disabled so it is not sent twice), and what it failed
 * with, kept whole so that a screen can tie a field's error to its field or tell an expired link apart.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
