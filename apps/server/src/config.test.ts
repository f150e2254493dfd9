import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("defaults to PGlite in ./data with the demo, on port 8787", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.database).toEqual({ kind: "pglite", dataDir: path.resolve("./data") });
    expect(config.seedDemo).toBe(true);
    expect(config.sessionCookieSecure).toBe(false);
    expect(config.redisUrl).toBeUndefined();
  });

  it("uses Postgres when DATABASE_URL is set, without the demo unless asked", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@db:5432/m" });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://u@db:5432/m" });
    expect(config.seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgres://u@db/m", SEED_DEMO: "true" }).seedDemo).toBe(true);
  });

  it("takes the public origin's port from PORT when PUBLIC_ORIGIN is unset", () => {
    expect(loadConfig({}).publicOrigin).toBe("http://localhost:8787");
    expect(loadConfig({ PORT: "3000" }).publicOrigin).toBe("http://localhost:3000");
    expect(loadConfig({ PORT: "0" }).publicOrigin).toBe("http://localhost:8787");
    expect(loadConfig({ PORT: "3000", PUBLIC_ORIGIN: "https://notes.example.org" }).publicOrigin).toBe("https://notes.example.org");
  });

  it("makes the cookie Secure on an https origin and keeps only the origin", () => {
    const config = loadConfig({ PUBLIC_ORIGIN: "https://notes.example.org/some/path" });
    expect(config.publicOrigin).toBe("https://notes.example.org");
    expect(config.sessionCookieSecure).toBe(true);
  });

  it("names every bad variable", () => {
    expect(() => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL/,
    );
  });
});
