// Commits of the embedded database reach the disk, not only the kernel's
// cache (docs/architecture.md, "The embedded database is Postgres over a
// socket"). Plain JavaScript, like the thread that uses it.
import { fdatasyncSync, fsyncSync } from "node:fs";

/**
 * PGlite's Postgres asks for its write-ahead log to be flushed at every
 * commit (fdatasync) and for data files at checkpoints (fsync), and in PGlite
 * 0.3 on Node neither call arrives: Emscripten's `fdatasync` is a stub that
 * returns 0, and its Node filesystem (NODEFS) has no `fsync`. A commit was
 * acknowledged once written into the kernel's cache: it survived the
 * process dying, but not the machine. This puts both calls through to the
 * files' real descriptors.
 *
 * `fdatasync` is an import of the WebAssembly instance, so it is replaced as
 * PGlite instantiates its module: `WebAssembly.instantiate` is wrapped for
 * the length of `open` (on this thread only, which runs nothing else). `fsync` is an operation of NODEFS's streams,
 * added once the module is up. `counts` says how many of each went to disk,
 * and `note` why they did not when this PGlite is not the one described here.
 */
export async function withDiskFlushes(open) {
  const counts = { fdatasync: 0, fsync: 0 };
  let FS = null;
  const flush = (fd, sync, kind) => {
    const stream = FS?.getStream(fd);
    // Files in memory (a test's cloned template) have no descriptor: nothing to flush.
    if (stream?.nfd === undefined) return;
    sync(stream.nfd);
    counts[kind]++;
  };
  let replaced = false;
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function (source, imports, ...rest) {
    const stub = imports?.env?.__syscall_fdatasync;
    if (typeof stub === "function") {
      imports.env.__syscall_fdatasync = (fd) => {
        flush(fd, fdatasyncSync, "fdatasync");
        return stub(fd);
      };
      replaced = true;
    }
    return instantiate.call(this, source, imports, ...rest);
  };
  let db;
  try {
    db = await open();
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  FS = db.mod?.FS ?? null;
  const nodefs = FS?.filesystems?.NODEFS;
  if (nodefs?.stream_ops && !nodefs.stream_ops.fsync) {
    nodefs.stream_ops.fsync = (stream) => {
      nodefs.tryFSOperation(() => fsyncSync(stream.nfd));
      counts.fsync++;
      return 0;
    };
  }
  const note =
    replaced && FS && nodefs?.stream_ops?.fsync
      ? undefined
      : "PGlite's files could not be set to flush to disk (its module is not the one embedded/flush.mjs knows): commits reach the kernel's cache only";
  return { db, counts, note };
}
