import { readdir } from "node:fs/promises";
import { Gauge, type Registry } from "prom-client";

const NAME = "process_open_fds";

/**
 * prom-client's `process_open_fds`, read without blocking: its own lists `/proc/self/fd` with readdirSync on
 * every scrape, on the event loop, which took about 6 ms with 500 sockets open and grows with every socket.
 * Here the listing runs on libuv's pool while the loop goes on. Same name and meaning, so dashboards built on
 * the default metric keep working; off Linux there is no such directory and no such metric, as with prom-client.
 */
export function replaceOpenFdsMetric(registry: Registry): void {
  if (!registry.getSingleMetric(NAME)) return;
  registry.removeSingleMetric(NAME);
  new Gauge({
    name: NAME,
    help: "Number of open file descriptors.",
    registers: [registry],
    async collect() {
      try {
        // The listing holds one descriptor of its own while it reads, which is not the process's.
        this.set((await readdir("/proc/self/fd")).length - 1);
      } catch {
        // A process that cannot read /proc keeps the last figure rather than failing the whole scrape.
      }
    },
  });
}
