// One process contending for a data directory's claim, for data-dir-lock.test.ts:
// told a directory and a moment, it claims the directory then, reports whether
// it won, and holds a won claim until told to let it go.
import { claimDataDir } from "./data-dir-lock.ts";

type Order = { dir: string; at: number; spin: number } | { release: true };

let release: (() => void) | null = null;
process.on("message", (order: Order) => {
  if ("release" in order) {
    release?.();
    release = null;
    process.send?.("released");
    return;
  }
  // Everyone starts on the same millisecond; the seeded spin staggers them by a little more or less than a system call.
  while (Date.now() < order.at) {}
  for (let i = 0; i < order.spin; i++) {}
  try {
    release = claimDataDir(order.dir);
    process.send?.("won");
  } catch {
    process.send?.("lost");
  }
});
process.send?.("ready");
