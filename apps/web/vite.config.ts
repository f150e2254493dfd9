import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { type Plugin, defineConfig } from "vite";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const DEV_PORT = 5173;
// The API server Vite proxies to in development; `MARGINALIA_SERVER` points at one you run yourself.
const API = process.env.MARGINALIA_SERVER ?? "http://localhost:8788";

/**
 * `pnpm dev:web` in one command: unless MARGINALIA_SERVER is set, start the
 * API server next to Vite with PUBLIC_ORIGIN set to Vite's address, since
 * the server refuses writes and websocket upgrades from any other origin.
 */
function apiServer(): Plugin {
  let child: ChildProcess | null = null;
  return {
    name: "marginalia-api-server",
    apply: "serve",
    configureServer(server) {
      if (process.env.MARGINALIA_SERVER) return;
      child = spawn(`${REPO}node_modules/.bin/tsx`, ["watch", "apps/server/src/main.ts"], {
        cwd: REPO,
        stdio: "inherit",
        env: { ...process.env, PORT: new URL(API).port, PUBLIC_ORIGIN: `http://localhost:${DEV_PORT}` },
      });
      server.httpServer?.once("close", () => child?.kill("SIGTERM"));
      process.once("exit", () => child?.kill("SIGTERM"));
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // public/ holds the page the server shows when no build exists; Vite's static files live in static/.
  publicDir: "static",
  plugins: [react(), apiServer()],
  server: {
    port: DEV_PORT,
    strictPort: true,
    proxy: {
      "/api": API,
      "/w3c": API,
      "/healthz": API,
      "/readyz": API,
      "/sync": { target: API.replace(/^http/, "ws"), ws: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    // One chunk of ~160 kB gzipped: React, Yjs, and zod, which @marginalia/schema's Y.Doc helpers
    // import at their top level (splitting the reader off made the total larger, not smaller).
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      treeshake: {
        // @marginalia/schema re-exports its Drizzle tables next to the Y.Doc helpers the app uses;
        // its modules only declare things, so unused tables (and drizzle-orm with them) can go.
        moduleSideEffects: (id: string) => !/[\\/]packages[\\/]schema[\\/]src[\\/]/.test(id),
        // Those modules also build Drizzle tables at their top level, which the app never uses.
        // Purity is matched by name, so only names no browser library uses are listed.
        manualPureFunctions: ["pgTable", "pgEnum", "customType", "createSelectSchema", "createInsertSchema"],
      },
    },
  },
});
