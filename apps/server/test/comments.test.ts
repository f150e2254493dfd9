import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SCANNED = ["apps", "packages", "bench", "examples", "docs", "deploy", "README.md", "docker-compose.yml", "pnpm-workspace.yaml"];
const TEXT = /\.(ts|tsx|js|mjs|css|html|md|ya?ml|conf|sh)$/;

/**
 * An issue number means nothing to someone who clones the repository without its tracker, and a section
 * number goes stale when a section is added: comments say why in their own words, and point to our docs
 * by section name (docs/architecture.md, "Documents").
 */
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: "an issue number", pattern: /\bissues?[\s*/#]*#?\d+|\(#\d+\)/gi },
  { what: "a section of our docs by number", pattern: /(docs\/[\w-]+\.md|architecture(\.md)?)[\s*/#,]*§/gi },
];

function trackedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-z", "--", ...SCANNED], { cwd: ROOT, encoding: "utf8" });
  return listed.split("\0").filter((file) => TEXT.test(file));
}

describe("comments and docs", () => {
  it("cite no issue numbers, and point to docs by section name", () => {
    const found: string[] = [];
    for (const file of trackedFiles()) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const { what, pattern } of FORBIDDEN) {
        for (const match of text.matchAll(pattern)) {
          const line = text.slice(0, match.index).split("\n").length;
          found.push(`${file}:${line}: ${what} (${match[0].replace(/\s+/g, " ")})`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
