import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** `pnpm marginalia …` as a person runs it, in its own process, with PATH and `env` for its whole environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(TSX, ["apps/server/src/cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
