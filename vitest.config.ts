import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    // The web app's browser tests load the built app from a real server: build it first when stale.
    globalSetup: ["apps/server/test/support/global-setup.ts", "apps/web/test/support/global-setup.ts"],
    // Two cores: more workers only make the database and the server fight for them.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
