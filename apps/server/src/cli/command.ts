import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Config } from "../config.ts";
import type { Db } from "../db.ts";

/** Wrong invocation: the command line itself is at fault (exit 2, like most Unix tools). */
export class UsageError extends Error {}
/** The command was understood but cannot be done: unknown email, not a member… (exit 1). */
export class CliError extends Error {}

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

export type CliContext = {
  db: Db;
  config: Config;
  /** The command's result, for scripts: ids, tokens, the exported file. */
  out(text: string): Promise<void>;
  /** Notes for the person at the terminal. */
  note(text: string): void;
  /** Whether a progress bar may be drawn on stderr. */
  interactive: boolean;
};

export type Runner = (args: Parsed, ctx: CliContext) => Promise<void>;

/**
 * What the command line needs to know of a command before running it. The
 * code that runs it is loaded only then (`load`), so that help and usage
 * errors answer at once instead of after loading the database drivers.
 */
export type Command = {
  /** One or two words: `import`, `token create`. */
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Names of the required positionals, in order. */
  positionals?: string[];
  /** How many more positionals the command sorts out itself. */
  optionalPositionals?: number;
  /** Options without which the command cannot run. */
  required?: string[];
  load(): Promise<Runner>;
};

export function parseCommandLine(command: Command, argv: string[]): Parsed & { help: boolean } {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }) as Parsed;
  } catch (err) {
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) return { ...parsed, help: true };
  const expected = command.positionals ?? [];
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`missing ${expected.slice(parsed.positionals.length).map((p) => `<${p}>`).join(" ")}`);
  }
  const most = expected.length + (command.optionalPositionals ?? 0);
  if (parsed.positionals.length > most) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[most]}`);
  }
  for (const name of command.required ?? []) {
    if (typeof parsed.values[name] !== "string" || parsed.values[name] === "") throw new UsageError(`missing --${name}`);
  }
  return { ...parsed, help: false };
}

/** A string option, present because the command lists it as required. */
export const str = (args: Parsed, name: string): string => args.values[name] as string;
export const optionalStr = (args: Parsed, name: string): string | undefined => {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
};
