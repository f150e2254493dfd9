import v8 from "node:v8";

/** How far past what the last full collection kept V8 lets the heap grow before the next one (see below). */
export const HEAP_GROWING_PERCENT = 30;

/**
 * After a full collection V8 lets the old generation grow to about twice what
 * survived before it collects again (more when it judges the heap fast to
 * grow). A server with many documents loaded keeps most of its heap alive,
 * so that headroom was mostly garbage held as resident memory: with 500
 * rooms open, about 110 MB live in a heap of 200–240 MB. At 1.3 times, the
 * server's resident memory in the many-rooms bench fell by 20–70 MB on both
 * databases, with CPU and latency within the bench host's noise. The flag is
 * the process's, so the embedded database's and the Yjs threads' heaps follow
 * it too. docs/architecture.md, "Starting and serving", gives the measurements.
 */
export function limitHeapGrowth() {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
