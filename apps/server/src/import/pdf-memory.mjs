// The memory one PDF's thread may take outside its JS heap. pdf.js inflates a
// content stream or a font into one Uint8Array that doubles as it fills, and a
// worker's resourceLimits cap the JS heap alone: a 2 MB file whose stream
// inflated to 2 GiB took the process to 5.5 GB. Node 20 cannot read a busy
// worker's memory from another thread, and pdf.js inflates a stream in one
// synchronous run, so the thread checks itself: before each large typed array
// it is about to make, and on a timer for what is made asynchronously (its
// DecompressionStream path). Plain JavaScript, for pdf-worker.mjs.

/** Allocations smaller than this are not checked: pdf.js makes many small ones, and reading the thread's usage costs a system call. */
const LARGE = 1 << 20;
const CHECK_EVERY_MS = 50;

/** What refusing an allocation throws; pdf.js may catch it, so `exceeded()` is the word that counts. */
export class MemoryBudgetExceeded extends RangeError {}

/**
 * From here on, this thread's ArrayBuffer memory may grow by `budgetBytes`
 * at most. A typed array that would take it past is refused (pdf.js's
 * streams stop growing there); `onExceeded` is called once, at that or when
 * the timer finds the budget passed, so the thread can answer and be ended.
 */
export function capArrayBuffers(budgetBytes, onExceeded) {
  const limit = process.memoryUsage().arrayBuffers + budgetBytes;
  let over = false;
  const exceed = () => {
    if (over) return;
    over = true;
    clearInterval(timer);
    onExceeded();
  };
  const guard = (Native) =>
    new Proxy(Native, {
      construct(target, args, newTarget) {
        const [length] = args;
        const bytes = typeof length === "number" ? length * (target.BYTES_PER_ELEMENT ?? 1) : 0;
        if (bytes >= LARGE && (over || process.memoryUsage().arrayBuffers + bytes > limit)) {
          exceed();
          throw new MemoryBudgetExceeded(`more than ${Math.round(budgetBytes / 2 ** 20)} MiB needed to read it`);
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  // Looked up as globals by pdf.js each time it makes one, so replacing them here reaches its decoders.
  for (const name of ["ArrayBuffer", "Uint8Array", "Uint8ClampedArray", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array"]) {
    globalThis[name] = guard(globalThis[name]);
  }
  const timer = setInterval(() => {
    if (process.memoryUsage().arrayBuffers > limit) exceed();
  }, CHECK_EVERY_MS);
  timer.unref();
  return { exceeded: () => over };
}
