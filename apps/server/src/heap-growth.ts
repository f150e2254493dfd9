import v8 from "node:v8";

/** How far past what the last full collection kept V8 lets the heap grow before the next one (see below). */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Flags the server's Node must be started with (`pnpm start`, the Dockerfile,
 * the bench; SERVER_ENV below too): V8 sizes the young generation when it
 * makes the heap, so these cannot be set from here the way the growth cap is. A test checks that the
 * start scripts and the image carry them.
 *
 * `--max-semi-space-size=2` (MB): under fan-out V8 grew each semi-space to
 * its default 16 MB, since much of what the sync core allocates lives a
 * little while (frames queued on sockets, commits in flight). Collections of
 * the young generation then came about once a second and paused the event
 * loop 3–10 ms each, and the 32 MB stayed resident. At 2 MB they pause
 * 1–3 ms, several times a second. With 500 rooms loaded the server's RSS was
 * 35–40 MB lower on Postgres and 20–30 MB lower embedded, at the same p99
 * (docs/architecture.md, "Starting and serving").
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=2"] as const;

/**
 * The environment the server's Node must be started with, for the same
 * reason: glibc reads it once, as the process starts. `MALLOC_ARENA_MAX=2`:
 * glibc gives each thread that allocates at once a native heap (an arena) of
 * its own, up to eight per core, and an arena keeps the pages of what was
 * freed in it. The server runs the event loop, the embedded database's
 * thread, the Yjs threads and libuv's pool; after the bench's fan-out and
 * ramp, the embedded server's native memory outside V8 and WebAssembly was
 * 20–30 MB larger than with two arenas, and p99 moved less than the host's
 * noise (docs/architecture.md, "Starting and serving"). Other C libraries
 * ignore it.
 */
export const SERVER_ENV = { MALLOC_ARENA_MAX: "2" } as const;

/**
 * After a full collection V8 lets the old generation grow to between 1.1 and
 * 4 times what survived before it collects again, more when it judges the
 * heap fast to grow. A server with many documents loaded keeps most of its
 * heap alive, so the high end was mostly garbage held as resident memory:
 * with 500 rooms open, about 110 MB live in a heap of 200–240 MB. Twice is
 * the cap. It was 1.3 times for a while, which kept the many-rooms server
 * some 20 MB smaller again but ran a full collection every few seconds with
 * 500 rooms loaded, each marking 100–120 MB on the event loop between turns:
 * many-rooms p99 was 17–21 ms at 1.3 against 9.5–14.5 at 2 on one host. The
 * flag is the process's, so the embedded database's and the Yjs threads'
 * heaps follow it too. docs/architecture.md, "Starting and serving", gives
 * the measurements.
 */
export function limitHeapGrowth() {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
