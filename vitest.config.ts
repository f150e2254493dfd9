import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    // The web app's browser tests load the built app from a real server: build it first when stale.
    globalSetup: ["apps/server/test/support/global-setup.ts", "apps/web/test/support/global-setup.ts"],
    // Two cores: more workers only make the database and the server fight for them.
    maxWorkers: 2,
    // Files share a worker's module cache instead of importing the server afresh each (about 1.5 s of CPU per
    // file, a quarter of the suite). Tests keep no state in modules: each file builds its own app, database
    // and metrics registry, and restores what it spies on.
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
