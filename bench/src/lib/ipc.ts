// Request/response over a forked child's IPC channel, for the server processes.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Window, watchLoopDelay } from "./loop-delay.ts";

type Request = { id: number; cmd: string; args?: unknown };
type Reply = { id: number; ok: boolean; value?: unknown; error?: string };

export type Handlers = Record<string, (args: any) => unknown | Promise<unknown>>;

/** In a child: answers the parent's commands. `stats`, the event-loop windows and `stop` come built in. */
export function serveCommands(handlers: Handlers, onStop: () => Promise<void>, onWindows?: (windows: Window[]) => void) {
  const loop = watchLoopDelay();
  const all: Handlers = {
    loopWindows: ({ windows }: { windows: Window[] }) => {
      onWindows?.(windows);
      return loop.schedule(windows);
    },
    loopResults: () => loop.take(),
    stats: ({ gc }: { gc?: boolean } = {}) => {
      if (gc && globalThis.gc) {
        globalThis.gc();
        globalThis.gc();
      }
      return { memory: process.memoryUsage(), cpu: process.cpuUsage() };
    },
    stop: async () => {
      await onStop();
      setTimeout(() => process.exit(0), 50);
      return true;
    },
    ...handlers,
  };
  process.on("message", async (m: Request) => {
    const handler = all[m.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      const value = await handler(m.args);
      process.send!({ id: m.id, ok: true, value } satisfies Reply);
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) } satisfies Reply);
    }
  });
  // The parent going away takes the server with it.
  process.on("disconnect", () => process.exit(0));
}

export type ServerStats = { memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage };

export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<any>;
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess, readonly name: string) {
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { type?: string }) => {
        if (m?.type === "ready") {
          proc.off("message", onMessage);
          resolve(m);
        }
      };
      proc.on("message", onMessage);
      proc.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    });
    this.exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.on("message", (m: Reply) => {
      if (typeof m?.id !== "number") return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(`${name}: ${m.error}`));
    });
    proc.once("exit", () => {
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited`));
      this.waiting.clear();
    });
  }

  request<T = any>(cmd: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.send({ id, cmd, args } satisfies Request);
    });
  }

  stats(gc = false): Promise<ServerStats> {
    return this.request("stats", { gc });
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await Promise.race([this.request("stop").catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

type ForkOptions = { env?: Record<string, string>; nodeFlags?: string[]; name: string };

/** Forks a TypeScript entry point of this package, with tsx's loader and any extra node flags. */
export function forkTs(file: string, opts: ForkOptions): ChildProcess {
  return forkNode(fileURLToPath(new URL(`../../${file}`, import.meta.url)), { ...opts, nodeFlags: ["--import", "tsx", ...(opts.nodeFlags ?? [])] });
}

/** Forks a JavaScript file (an absolute path) under plain node, with the same channel and environment. */
export function forkNode(path: string, opts: ForkOptions): ChildProcess {
  return fork(path, [], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    execArgv: opts.nodeFlags ?? [],
    env: { ...process.env, ...opts.env },
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}
