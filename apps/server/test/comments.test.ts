import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SCANNED = ["apps", "packages", "bench", "examples", "docs", "deploy", "README.md", "docker-compose.yml", "pnpm-workspace.yaml"];
const TEXT = /\.(ts|tsx|js|mjs|css|html|md|ya?ml|conf|sh)$/;

/**
 * An issue number means nothing to someone who clones the repository without its tracker, who found a
 * fault says nothing about the code, and a section number goes stale when a section is added: comments say
 * why in their own words, and point to our docs by section name (docs/architecture.md, "Documents follow audiences").
 */
const FORBIDDEN: { what: string; pattern: RegExp; inJournal?: false }[] = [
  { what: "an issue number", pattern: /\bissues?[\s*/#]*#?\d+|\(#\d+\)|\b[\w.-]+\/[\w.-]+#\d+\b|github\.com\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d+/gi },
  { what: "who found something rather than what happens", pattern: /\boutside (?:probe|test)s?\b/gi, inJournal: false },
  { what: "a section of our docs by number", pattern: /(docs\/[\w-]+\.md|architecture(\.md)?)[\s*/#,]*§/gi },
];

/** A doc cited with a section's name: `docs/sync.md, "Large updates"`, across a comment's line breaks too. */
const CITED_SECTION = /docs\/([\w-]+\.md)[\s*/#,]*"([^"\n]+)"/g;

/**
 * The sections of a doc: its headings, with and without their numbers ("1. Find the rooms" and "Find the
 * rooms"), and the bold run-in titles that open a paragraph or a list item ("**Work on the old text.**").
 */
function headingsOf(doc: string): Set<string> {
  const text = readFileSync(path.join(ROOT, "docs", doc), "utf8");
  const headings = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,4} (.+)$/gm)) {
    headings.add(heading!.trim());
    headings.add(heading!.trim().replace(/^\d+[a-z]?\. /, ""));
  }
  for (const [, title] of text.matchAll(/^(?:- )?\*\*([^*]+?)\.\*\*/gm)) headings.add(title!.trim());
  return headings;
}

/** Benchmark results are a journal: what was measured and said then, as it was. */
const JOURNAL = "bench/results/";

function trackedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-z", "--", ...SCANNED], { cwd: ROOT, encoding: "utf8" });
  return listed.split("\0").filter((file) => TEXT.test(file));
}

describe("comments and docs", () => {
  it("cite no issue numbers, and point to docs by section name", () => {
    const found: string[] = [];
    for (const file of trackedFiles()) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const { what, pattern, inJournal } of FORBIDDEN) {
        if (inJournal === false && file.startsWith(JOURNAL)) continue;
        for (const match of text.matchAll(pattern)) {
          const line = text.slice(0, match.index).split("\n").length;
          found.push(`${file}:${line}: ${what} (${match[0].replace(/\s+/g, " ")})`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("cite only sections our docs have", () => {
    const headings = new Map<string, Set<string>>();
    const found: string[] = [];
    for (const file of trackedFiles()) {
      if (file.startsWith(JOURNAL)) continue;
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const match of text.matchAll(CITED_SECTION)) {
        const [, doc, section] = match as unknown as [string, string, string];
        if (!headings.has(doc)) headings.set(doc, headingsOf(doc));
        if (headings.get(doc)!.has(section)) continue;
        const line = text.slice(0, match.index).split("\n").length;
        found.push(`${file}:${line}: docs/${doc} has no section "${section}"`);
      }
    }
    expect(found).toEqual([]);
  });
});
