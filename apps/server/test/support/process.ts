import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "../../src/heap-growth.ts";
import { TEST_MAIL_URL } from "./mail.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

// A server whose test timed out before it was ready would outlive the run: every one goes when the run does.
const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((child) => child.kill("SIGKILL")));

export type ServerProcess = { url: string; child: ChildProcess; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> };

/**
 * Node itself with tsx's loader, not the tsx CLI: the CLI runs the server in a child of its own, which
 * SIGKILL would orphan, still listening (the crash tests kill servers that way).
 */
export const TSX_SERVER = ["--import", "tsx", "apps/server/src/main.ts"];
/** The compiled server (`pnpm build:server`), as `pnpm start` and the Docker image run it. */
export const COMPILED_SERVER = [...SERVER_NODE_FLAGS, "apps/server/dist/main.js"];

/**
 * Starts `apps/server/src/main.ts` through tsx, as `pnpm dev` does (or `args` for Node), in its own process on
 * port 0, and resolves once its output matches `ready` (by default: it listens).
 */
export function startServerProcess(
  env: Record<string, string>,
  { timeoutMs = 30_000, ready = /"msg":"listening"/, args = TSX_SERVER }: { timeoutMs?: number; ready?: RegExp; args?: string[] } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", MAIL_URL: TEST_MAIL_URL, ...SERVER_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = output.match(/"port":(\d+)/)?.[1];
      if (port && ready.test(output)) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, child, output: () => output, stop });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
