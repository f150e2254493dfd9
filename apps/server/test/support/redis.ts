import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

export const hasRedisServer = () => spawnSync("redis-server", ["--version"]).status === 0;

/** A port that was free a moment ago: redis-server cannot be told to pick one itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type RedisServer = {
  url: string;
  port: number;
  /** Kills it as a crash would (SIGKILL); nothing is saved, so it comes back empty. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): its connections stay open and nothing answers, as with a Redis that hangs. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
};

/**
 * A redis-server owned by one test file, so that the file can crash and
 * restart it without disturbing anything else that uses Redis.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  // A test run that dies must not leave a server behind.
  process.once("exit", () => child?.kill("SIGKILL"));
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
      const started = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
      child = started;
      let output = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout!.on("data", onData);
      started.stderr!.on("data", onData);
      started.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  await start();
  const signal = (name: NodeJS.Signals) => () => void child?.kill(name);
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, pause: signal("SIGSTOP"), resume: signal("SIGCONT") };
}
