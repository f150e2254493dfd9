import { describe, expect, it } from "vitest";
import { type Command, UsageError, parseCommandLine } from "./command.ts";
import { COMMANDS } from "./commands.ts";

const command = (name: string): Command => COMMANDS.find((c) => c.name === name)!;

describe("parseCommandLine", () => {
  it("reads options and positionals", () => {
    const args = parseCommandLine(command("import"), ["a.md", "--group", "g", "--as", "a@b.c", "--source-url=https://x.example"]);
    expect(args).toMatchObject({ help: false, positionals: ["a.md"], values: { group: "g", as: "a@b.c", "source-url": "https://x.example" } });
  });

  it("answers --help before checking anything else", () => {
    expect(parseCommandLine(command("import"), ["--help"]).help).toBe(true);
    expect(parseCommandLine(command("token revoke"), ["-h"]).help).toBe(true);
  });

  it("turns every kind of wrong command line into a UsageError", () => {
    const wrong: [string, string[], RegExp][] = [
      ["import", ["--group", "g", "--as", "a"], /missing <file>/],
      ["import", ["a.md", "b.md", "--group", "g", "--as", "a"], /unexpected argument: b\.md/],
      ["import", ["a.md", "--as", "a"], /missing --group/],
      ["import", ["a.md", "--group", "", "--as", "a"], /missing --group/],
      ["import", ["a.md", "--group"], /--group/],
      ["create-user", ["--email", "a", "--name", "b", "--colour", "red"], /--colour/],
      ["export", ["x", "y", "--as", "a", "--format", "csv"], /unexpected argument: y/],
    ];
    for (const [name, argv, message] of wrong) {
      expect(() => parseCommandLine(command(name), argv), argv.join(" ")).toThrow(UsageError);
      expect(() => parseCommandLine(command(name), argv)).toThrow(message);
    }
  });

  it("lets export take an article id or none (for --group)", () => {
    expect(parseCommandLine(command("export"), ["--group", "g", "--as", "a", "--format", "csv"]).positionals).toEqual([]);
    expect(parseCommandLine(command("export"), ["id", "--as", "a", "--format", "csv"]).positionals).toEqual(["id"]);
  });

  it("has help for every command and one name each", () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const c of COMMANDS) expect(c.usage).toMatch(new RegExp(`^Usage: marginalia ${c.name} `));
  });
});
