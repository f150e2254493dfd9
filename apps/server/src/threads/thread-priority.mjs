// A worker thread's scheduling priority, on Linux, where niceness belongs to
// each thread rather than to the process: setpriority(2) given a thread's own
// id changes that thread alone. Plain JavaScript, so that the .mjs workers
// import it as they are. See docs/architecture.md, "Background threads yield".

import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * The niceness of threads whose work nobody is waiting on from one moment to
 * the next: compaction's folds, re-anchoring, imports. At 10, Linux's
 * scheduler gives such a thread about a tenth of a core the event loop also
 * wants, and a socket's data that wakes the event loop takes the core from it
 * at once; on an idle core it runs at full speed.
 */
export const BACKGROUND_NICENESS = 10;

/** The calling thread's kernel id, read from /proc; null where there is no /proc (not Linux). */
export function threadId() {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return null;
  }
}

/**
 * Lowers the calling thread's priority to BACKGROUND_NICENESS. Raising it back needs
 * privileges a server should not have, so this is for threads that stay
 * background for their whole life. Returns whether it took: elsewhere than
 * Linux the process id would be needed, and lowering the whole process would
 * slow the event loop as well, so nothing is changed there.
 */
export function lowerThreadPriority() {
  const tid = threadId();
  if (tid === null) return false;
  try {
    if (getPriority(tid) < BACKGROUND_NICENESS) setPriority(tid, BACKGROUND_NICENESS);
    return true;
  } catch {
    return false;
  }
}
