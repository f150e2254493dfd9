import { mkdirSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Where a bench writes its report: `--out=FILE` for development runs, so that the committed report keeps a
 * real run's figures. A bare name goes beside the reports in bench/results, a path is from where the command runs.
 */
export function outPath(args: string[], fallback: string): URL {
  const name = args.find((a) => a.startsWith("--out="))?.slice(6) ?? fallback;
  const path = name.includes("/") ? pathToFileURL(resolvePath(name)) : new URL(`../../results/${name}`, import.meta.url);
  mkdirSync(new URL(".", path), { recursive: true });
  return path;
}
