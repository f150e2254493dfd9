import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const OUT = "reader-latest.md";

/**
 * The reader in Chromium (bench/src/reader.ts), as a scenario of `pnpm bench`: run in its own process
 * (it drives a browser and a server of its own), then appended to the report as its last section.
 * reader.md keeps the standalone run with its hand-written before-and-after.
 */
/** `compiled`: the bench has compiled the server already, and the reader runs that build (else it builds its own). */
export async function readerInChromium(report: URL, databaseUrl: string | undefined, quick: boolean, compiled: boolean, log: (...m: unknown[]) => void) {
  log("reader: Chromium, 50 and 5,000 annotations");
  const env = { ...process.env, READER_OUT: OUT, ...(compiled && { BENCH_COMPILED: "1" }), ...(databaseUrl && { BENCH_DATABASE_URL: databaseUrl }), ...(quick && { RUNS: "2", REMOTE: "4", TRACE: "0" }) };
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/src/reader.ts"], { cwd: REPO, env, stdio: ["ignore", "inherit", "inherit"] });
    child.once("exit", resolve);
  });
  const written = new URL(`../../results/${OUT}`, import.meta.url);
  if (code !== 0) {
    appendFileSync(report, `\n## Reader (Chromium)\n\nThe reader scenario failed (exit ${code}); see the bench's output.\n`);
    return;
  }
  // Its sections go one level down, under this report's own heading.
  const body = readFileSync(written, "utf8").replace(/^# .*\n/, "").replace(/^## /gm, "### ");
  appendFileSync(report, `\n## Reader (Chromium)\n${body}`);
  rmSync(written, { force: true });
}
