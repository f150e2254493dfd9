/**
 * Builds the web app when apps/web/dist is missing or older than anything it
 * is built from. `pnpm start` runs it before the server (which serves dist/),
 * and the test setup runs it before the browser tests.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const WEB = path.join(REPO, "apps/web");
const DIST = path.join(WEB, "dist");
const BUILT = path.join(DIST, "index.html");
const INPUTS = [
  "apps/web/src",
  "apps/web/static",
  "apps/web/index.html",
  "apps/web/vite.config.ts",
  "apps/web/package.json",
  "packages/schema/src",
  "pnpm-lock.yaml",
].map((p) => path.join(REPO, p));

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(p)) {
    // Unit tests sit next to the sources but are not part of the bundle.
    if (!entry.endsWith(".test.ts")) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

export function webBuildIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return INPUTS.some((input) => newestMtime(input) > built);
}

export function ensureWebBuild({ quiet = false } = {}): void {
  if (!webBuildIsStale()) return;
  if (!quiet) console.log("[marginalia] building the web app (apps/web/dist is missing or out of date)…");
  // Vite's own entry, run by this Node: no package manager or shell shim needed.
  const vite = path.join(path.dirname(createRequire(path.join(WEB, "package.json")).resolve("vite/package.json")), "bin/vite.js");
  // Built next to dist/ and swapped in whole, so that a server serving dist/ (or a second build
  // running at the same time, e.g. two test runs) never sees a half-written directory.
  const staging = path.join(WEB, `.dist-${process.pid}-${Date.now()}`);
  // NODE_ENV is forced: under vitest it is "test", which would make Vite bundle React's development build.
  const result = spawnSync(process.execPath, [vite, "build", WEB, "--outDir", staging, "--emptyOutDir", "--logLevel", quiet ? "warn" : "info"], {
    cwd: REPO,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`the web app build failed (exit ${result.status ?? result.signal})`);
  }
  keepPreviousAssets(staging);
  try {
    rmSync(DIST, { recursive: true, force: true });
    renameSync(staging, DIST);
  } catch (err) {
    // Another build swapped its output in between: it is as fresh as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(BUILT)) throw err;
  }
}

/**
 * A page loaded just before the swap still asks for the previous build's
 * hashed files; they stay one build longer (only those: dist/ does not grow).
 */
function keepPreviousAssets(staging: string) {
  if (!existsSync(BUILT)) return;
  for (const [, file] of readFileSync(BUILT, "utf8").matchAll(/["']\/assets\/([^"'?#]+)["']/g)) {
    const from = path.join(DIST, "assets", file!);
    const to = path.join(staging, "assets", file!);
    if (existsSync(from) && !existsSync(to)) copyFileSync(from, to);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureWebBuild();
  } catch (err) {
    console.error(`[marginalia] ${(err as Error).message}`);
    process.exit(1);
  }
}
