/**
 * Compiles the server to JavaScript: apps/server/dist/main.js, run with plain
 * `node` (`pnpm start:prod`, the Docker image) instead of TypeScript through tsx.
 * Our own code and the workspace's packages are bundled; packages from
 * node_modules stay imports, found at run time from apps/server.
 */
import { rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Plugin, build } from "esbuild";

const SERVER = fileURLToPath(new URL("..", import.meta.url));
/** At the depth of src/, so that the compiled server sits where its sources do, relative to the repository. */
export const SERVER_DIST = path.join(SERVER, "dist");
export const SERVER_BUNDLE = path.join(SERVER_DIST, "main.js");

const packageName = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * Leaves every package import to Node, and fails the build on one that
 * apps/server does not list as a dependency: under pnpm, Node finds from
 * dist/ only what apps/server/node_modules links, and the production image
 * installs dependencies, not devDependencies. Bundled workspace packages
 * bring their imports with them, so their dependencies must be listed too.
 */
async function externalPackages(): Promise<Plugin> {
  const manifest = JSON.parse(await readFile(path.join(SERVER, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const listed = new Set(Object.keys(manifest.dependencies));
  return {
    name: "external-packages",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("@marginalia/")) return undefined;
        if (isBuiltin(args.path) || listed.has(packageName(args.path))) return { path: args.path, external: true };
        return { errors: [{ text: `${packageName(args.path)} is not a dependency of apps/server: the compiled server could not load it` }] };
      });
    },
  };
}

/**
 * Each module keeps its own idea of where it is. The paths that source files
 * compute from import.meta.url (migrations, fixtures, the web build, the
 * embedded database's worker) then resolve from the bundle exactly as under
 * tsx, and the bundle stays valid wherever the repository is.
 */
const sourceLocations: Plugin = {
  name: "source-locations",
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      if (args.path.split(path.sep).includes("node_modules")) return undefined;
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const fromBundle = path.relative(SERVER_DIST, args.path).split(path.sep).join("/");
      return {
        contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`),
        loader: /\.m?ts$/.test(args.path) ? "ts" : "js",
      };
    });
  },
};

/** What every bundle here is: one ESM file per entry for Node 20, quiet unless something is wrong. */
const NODE_BUNDLE = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning" } as const;

/** `entries`: more entry points compiled beside main.js with the same settings (the bench's server wrapper). */
export async function buildServer(entries: Record<string, string> = {}): Promise<void> {
  rmSync(SERVER_DIST, { recursive: true, force: true });
  await build({
    // The re-anchoring, import and export workers' threads start from files of their own (src/anchoring/pool.ts,
    // src/import/off-thread.ts, src/export/render-thread.ts).
    entryPoints: {
      main: path.join(SERVER, "src/main.ts"),
      "anchoring-worker": path.join(SERVER, "src/anchoring/worker.ts"),
      "import-worker": path.join(SERVER, "src/import/text-worker.ts"),
      "export-worker": path.join(SERVER, "src/export/render-worker.ts"),
      ...entries,
    },
    outdir: SERVER_DIST,
    define: { MARGINALIA_COMPILED: "true" },
    ...NODE_BUNDLE,
    // Stack traces in logs name the TypeScript lines under `node --enable-source-maps`.
    sourcemap: "linked",
    plugins: [await externalPackages(), sourceLocations],
  });
}

/** Other programs' entries compiled the same way, with every package left an import (the bench's peer servers). */
export async function buildWithPackagesExternal(entries: Record<string, string>, outdir: string): Promise<void> {
  await build({ entryPoints: entries, outdir, outExtension: { ".js": ".mjs" }, packages: "external", ...NODE_BUNDLE });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  await buildServer();
  const kb = Math.round(statSync(SERVER_BUNDLE).size / 1024);
  console.log(`built ${path.relative(process.cwd(), SERVER_BUNDLE)} (${kb} kB) in ${Date.now() - started} ms`);
}
