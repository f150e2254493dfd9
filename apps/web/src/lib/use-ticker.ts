import { useEffect, useState } from "react";

/** A number that goes up every `ms` while the component is mounted; `null` holds it where it is. */
export function useTicker(ms: number | null): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}
