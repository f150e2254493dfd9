import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";

// There is no Docker engine where the tests run, so the deployment is checked as data: the compose file
// parsed (anchors and merge keys resolved, as Compose does) and the proxy's configuration read.
const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, root)), "utf8");

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  ports?: string[];
  volumes?: string[];
};
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const servers = Object.entries(services).filter(([, s]) => s.build !== undefined);
const proxyConf = read("deploy/nginx.conf");
/** The directives, without comments. */
const directives = proxyConf.replace(/#.*$/gm, "");

describe("docker-compose.yml", () => {
  it("runs Postgres and Redis with healthchecks that the servers wait for", () => {
    expect(services.postgres?.healthcheck?.test.join(" ")).toMatch(/pg_isready/);
    expect(services.redis?.healthcheck?.test.join(" ")).toMatch(/redis-cli ping/);
    for (const [name, server] of servers) {
      const waitsFor = Object.keys(server.depends_on ?? {});
      expect(waitsFor.includes("postgres") || waitsFor.some((s) => servers.some(([n]) => n === s)), name).toBe(true);
      expect(server.depends_on?.redis?.condition, name).toBe("service_healthy");
    }
  });

  it("runs two server replicas on one database and one Redis, behind a proxy that they trust", () => {
    const replicas = servers.reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);
    expect(replicas).toBe(2);
    const envs = servers.map(([, s]) => s.environment ?? {});
    expect(new Set(envs.map((e) => e.DATABASE_URL)).size).toBe(1);
    expect(new Set(envs.map((e) => e.REDIS_URL)).size).toBe(1);
    for (const env of envs) {
      // Each server's environment must pass the real config schema, with Redis and Postgres set.
      const config = loadConfig(env);
      expect(config.redisUrl).toMatch(/^redis:\/\/redis:/);
      expect(config.database.kind).toBe("postgres");
      expect(config.trustProxy).toBe(true);
      expect(config.publicOrigin).toBe("http://localhost:8787");
      // Left to follow PUBLIC_ORIGIN, so that an https origin gets a Secure cookie without a second setting.
      expect(env.SESSION_COOKIE_SECURE).toBeUndefined();
    }
    for (const [name, server] of servers) {
      expect(server.healthcheck?.test.join(" "), name).toMatch(/\/readyz/);
      // Only the proxy is published: a server reached directly would bypass it.
      expect(server.ports, name).toBeUndefined();
    }
  });

  it("publishes the proxy on the public origin's port, with its configuration from deploy/", () => {
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^nginx:/);
    expect(proxy.ports).toEqual(["8787:80"]);
    expect(proxy.volumes).toContain("./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro");
    expect(proxy.healthcheck?.test.join(" ")).toMatch(/\/readyz/);
  });
});

describe("deploy/nginx.conf", () => {
  it("balances over every server, with no sticky sessions", () => {
    const upstream = directives.match(/upstream marginalia \{([^}]*)\}/)?.[1] ?? "";
    const targets = [...upstream.matchAll(/^\s*server\s+([\w.-]+):8787\b/gm)].map((m) => m[1]);
    expect(targets.sort()).toEqual(servers.map(([name]) => name).sort());
    expect(directives).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
    expect(directives).toMatch(/proxy_pass\s+http:\/\/marginalia;/);
  });

  it("passes websocket upgrades through and keeps quiet sockets open", () => {
    expect(directives).toMatch(/proxy_http_version\s+1\.1;/);
    expect(directives).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
    expect(directives).toMatch(/proxy_set_header\s+Connection\s+\$connection_upgrade;/);
    expect(directives).toMatch(/map\s+\$http_upgrade\s+\$connection_upgrade\s*\{[^}]*default\s+upgrade;/);
    const readTimeout = directives.match(/proxy_read_timeout\s+(\d+)([smh]?);/);
    const seconds = Number(readTimeout?.[1]) * ({ s: 1, m: 60, h: 3600 }[readTimeout?.[2] || "s"] ?? 1);
    expect(seconds).toBeGreaterThanOrEqual(600);
  });

  it("logs requests without their query string, so that no ?token= reaches a log file", () => {
    const format = directives.match(/log_format\s+(\w+)\s+((?:'[^']*'\s*)+);/);
    expect(format, "a log_format of its own").not.toBeNull();
    expect(format![2]).not.toMatch(/\$(request|request_uri|args|query_string|arg_\w+)\b/);
    const server = directives.match(/server\s*\{([\s\S]*)\}/)?.[1] ?? "";
    expect(server).toMatch(new RegExp(`access_log\\s+\\S+\\s+${format![1]};`));
  });

  it("does not serve the servers' metrics on the public port", () => {
    const blocked = directives.match(/location\s*=\s*\/metrics\s*\{([^}]*)\}/)?.[1] ?? "";
    expect(blocked).toMatch(/^\s*return\s+40[34];\s*$/);
    expect(blocked).not.toMatch(/proxy_pass/);
  });

  it("tells the servers who the client is, as TRUST_PROXY expects", () => {
    expect(directives).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;/);
    expect(directives).toMatch(/proxy_set_header\s+Host\s+\$http_host;/);
  });
});

describe("Dockerfile", () => {
  const stages = read("Dockerfile").replace(/#.*$/gm, "").split(/^FROM /m).slice(1);

  it("compiles the server in a build stage and runs it with plain Node, without tsx", () => {
    expect(stages.length).toBe(2);
    expect(stages[0]).toMatch(/pnpm build:server/);
    const runtime = stages[1]!;
    expect(runtime).toMatch(/COPY --from=build \/app\/apps\/server\/dist apps\/server\/dist/);
    expect(runtime).toMatch(/--prod\b/);
    // Node's flags between (heap-growth.test.ts checks them).
    expect(runtime).toMatch(/CMD \["node", ("--[^"]+", )*"apps\/server\/dist\/main\.js"\]/);
    expect(runtime).not.toMatch(/tsx/);
  });

  it("runs as node, with the embedded database's directory its own and on a volume", () => {
    const runtime = stages[1]!;
    const dataDir = runtime.match(/^ENV .*\bDATA_DIR=(\S+)/m)?.[1];
    expect(dataDir).toBe("/app/data");
    const user = runtime.indexOf("USER node");
    expect(user).toBeGreaterThan(0);
    const chown = runtime.match(/^RUN mkdir -p (\S+) && chown node:node (\S+)$/m);
    expect([chown?.[1], chown?.[2]]).toEqual([dataDir, dataDir]);
    expect(runtime.indexOf(chown![0])).toBeLessThan(user);
    expect(runtime).toMatch(new RegExp(`^VOLUME ${dataDir}$`, "m"));
  });

  it("gives pnpm the patches it applies before each stage installs", () => {
    const patches = Object.values((parse(read("pnpm-workspace.yaml")) as { patchedDependencies?: Record<string, string> }).patchedDependencies ?? {});
    expect(patches.length).toBeGreaterThan(0);
    for (const stage of stages) {
      const beforeInstall = stage.slice(0, stage.indexOf("pnpm install"));
      for (const file of patches) expect(beforeInstall).toContain(`COPY ${file.slice(0, file.lastIndexOf("/") + 1)}`);
    }
  });
});
