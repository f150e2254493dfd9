import { open } from "node:fs/promises";
import { Registry, collectDefaultMetrics } from "prom-client";
import { describe, expect, it } from "vitest";
import { replaceOpenFdsMetric } from "./open-fds-metric.ts";

async function openFds(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === "process_open_fds");
  return Number(metric?.values[0]?.value);
}

describe.runIf(process.platform === "linux")("process_open_fds", () => {
  it("is listed off the event loop, replacing prom-client's blocking one under the same name", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    replaceOpenFdsMetric(registry);
    // prom-client's own collect answers at once; this one answers with a promise, its listing on libuv's pool.
    const collect = (registry.getSingleMetric("process_open_fds") as unknown as { collect: () => unknown }).collect;
    expect(collect.call(registry.getSingleMetric("process_open_fds"))).toBeInstanceOf(Promise);
    expect((await registry.metrics()).match(/^process_open_fds /gm)).toHaveLength(1);
  });

  it("counts the descriptors the process opens and closes", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    replaceOpenFdsMetric(registry);
    const before = await openFds(registry);
    expect(before).toBeGreaterThan(2);
    const files = await Promise.all([0, 1, 2].map(() => open(import.meta.filename.replace(/\.test\.ts$/, ".ts"), "r")));
    try {
      expect(await openFds(registry)).toBe(before + 3);
    } finally {
      await Promise.all(files.map((f) => f.close()));
    }
    expect(await openFds(registry)).toBe(before);
  });
});
