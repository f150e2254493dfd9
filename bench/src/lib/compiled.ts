// The bench's servers as production runs them: compiled JavaScript under plain
// `node`, not TypeScript through tsx, whose loader costs each process tens of
// MiB and its own thread (bench/results/startup-memory.md). Every server is
// compiled the same way, so that none carries the loader the others do not.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_DIST, buildServer, buildWithPackagesExternal } from "../../../apps/server/scripts/build.ts";
import type { ServerKind } from "./protocol.ts";

const BENCH = fileURLToPath(new URL("../..", import.meta.url));
const OUT = path.join(BENCH, "dist");

/** Where each server's compiled entry is, once `compileServers` has run. */
export const compiledEntry: Record<ServerKind, string> = {
  // Beside the server's own bundle, so that its paths to migrations, workers and fixtures hold (apps/server/scripts/build.ts).
  marginalia: path.join(SERVER_DIST, "bench-marginalia.js"),
  relay: path.join(OUT, "relay.mjs"),
  hocuspocus: path.join(OUT, "hocuspocus.mjs"),
};

export async function compileServers(): Promise<void> {
  await buildServer({ "bench-marginalia": path.join(BENCH, "src/servers/marginalia.ts") });
  // The peers' packages stay imports, found from bench/ at run time as under tsx.
  await buildWithPackagesExternal({ relay: path.join(BENCH, "src/servers/relay.ts"), hocuspocus: path.join(BENCH, "src/servers/hocuspocus.ts") }, OUT);
}
