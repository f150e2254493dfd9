// Imported first by the entry of each worker thread that does background work
// (thread-priority.mjs): a module's imports are evaluated in order, so the
// thread runs at its lower priority from here on, through the loading of
// everything after (a fresh thread spends 100–200 ms of CPU on that alone).
import { lowerThreadPriority } from "./thread-priority.mjs";

lowerThreadPriority();
