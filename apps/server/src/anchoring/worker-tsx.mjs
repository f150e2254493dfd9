// Starts the re-anchoring worker (worker.ts) from source, under tsx: Node 20 does not pass a
// loader given in a worker's execArgv on to its entry module, so the worker registers tsx itself.
// The compiled server starts its bundled copy instead (pool.ts).
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
