// The compaction thread (yjs-worker.ts, `compactionWorker`): the same jobs as
// the loads' thread, at a background thread's priority, so that a fold
// competes with the event loop for a core only when the core is idle.
import "../../threads/background-thread.mjs";
import "./yjs-worker.mjs";
