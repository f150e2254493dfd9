import type { Logger } from "./logger.ts";

export type StopSignals = {
  /** The shutdown a first signal starts (main.ts): it writes out what it can within the grace period. */
  shutdown(signal: string): void;
  /** Accepted updates not yet written: what an exit now loses, for the log line that says so. */
  unwritten(): number;
  logger: Logger;
  exit(code: number): void;
};

/**
 * SIGTERM and SIGINT start a shutdown; a second one, while it still runs (a
 * database that hangs keeps it going for the whole grace period), exits at
 * once, as an operator pressing Ctrl-C twice expects, saying what is lost.
 */
export function stopOnSignals(target: NodeJS.EventEmitter, stop: StopSignals) {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (!stopping) {
      stopping = true;
      stop.shutdown(signal);
      return;
    }
    const updates = stop.unwritten();
    stop.logger.error(
      { signal, unwrittenUpdates: updates },
      updates > 0 ? `${signal} again: exiting now, with ${updates} accepted updates not written` : `${signal} again: exiting now`,
    );
    stop.exit(1);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) target.on(signal, () => onSignal(signal));
}
