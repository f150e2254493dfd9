import { type CliContext, type Command, CliError, UsageError, parseCommandLine } from "./command.ts";
import { COMMANDS } from "./commands.ts";

const list = (commands: Command[]) => commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join("\n");

const HELP = `Usage: pnpm marginalia <command> [options]

Administers a Marginalia database directly; no server needs to be running.

Commands:
${list(COMMANDS)}

Run "marginalia <command> --help" for a command's options.

The database is the server's: DATABASE_URL (Postgres), or else the embedded
one in DATA_DIR (default ./data). PUBLIC_ORIGIN is where exported links point.
Exit status: 0 done, 1 the command failed, 2 the command line was wrong.`;

/** The command named by the first one or two words, and the words left for its options. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const [first, second] = argv;
  for (const command of COMMANDS) {
    const words = command.name.split(" ");
    if (words[0] === first && (words.length === 1 || words[1] === second)) return { command, rest: argv.slice(words.length) };
  }
  return null;
}

const write = (stream: NodeJS.WriteStream, text: string) =>
  new Promise<void>((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
const stdout = (text: string) => write(process.stdout, text);
const stderr = (text: string) => write(process.stderr, text);
const isHelp = (word: string | undefined) => word === "--help" || word === "-h";

/** Reads the command line; returns the exit status, or a command ready to run. */
async function resolve(argv: string[]): Promise<number | { command: Command; args: ReturnType<typeof parseCommandLine> }> {
  const [first, second] = argv;
  if (first === undefined) return stderr(`${HELP}\n`).then(() => 2);
  if (isHelp(first) || first === "help") return stdout(`${HELP}\n`).then(() => 0);
  const found = findCommand(argv);
  if (!found) {
    const family = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (!family.length) return stderr(`marginalia: unknown command "${first}"\n\n${HELP}\n`).then(() => 2);
    const usage = `Usage: marginalia ${first} <${family.map((c) => c.name.split(" ")[1]).join("|")}> [options]\n\n${list(family)}\n`;
    if (isHelp(second)) return stdout(usage).then(() => 0);
    const problem = second === undefined ? `"${first}" needs a subcommand` : `unknown command "${first} ${second}"`;
    return stderr(`marginalia: ${problem}\n\n${usage}`).then(() => 2);
  }
  const { command, rest } = found;
  try {
    const args = parseCommandLine(command, rest);
    if (args.help) return stdout(`${command.usage}\n`).then(() => 0);
    return { command, args };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return stderr(`marginalia ${command.name}: ${err.message}\n\n${command.usage}\n`).then(() => 2);
  }
}

async function main(argv: string[]): Promise<number> {
  const resolved = await resolve(argv);
  if (typeof resolved === "number") return resolved;
  const { command, args } = resolved;

  const { loadConfig } = await import("../config.ts");
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  // Loaded only now: help and usage errors should not wait for the database drivers.
  const [{ openDatabase }, run] = await Promise.all([import("../db.ts"), command.load()]);
  const database = await openDatabase(config.database).catch((err: unknown) => {
    // A running server's embedded database: a message to act on, not an unexpected error.
    if (!(err instanceof Error && err.name === "DataDirInUse")) throw err;
    // The running server answers the same export over HTTP, with no need to stop it.
    const http = command.name === "export" ? " Or ask the running server: GET /api/articles/:id/export or /api/groups/:id/export (README)." : "";
    throw new CliError(`${err.message}${http}`);
  });
  try {
    await database.migrate();
    const ctx: CliContext = {
      db: database.db,
      config,
      out: stdout,
      note: (text) => void process.stderr.write(`${text}\n`),
      interactive: Boolean(process.stderr.isTTY),
    };
    await run(args, ctx);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await stderr(`marginalia ${command.name}: ${err.message}\n\n${command.usage}\n`);
    return 2;
  } finally {
    await database.close();
  }
}

// `marginalia export … | head` closes the pipe early: that is the reader's choice, not a failure to report.
const closedPipe = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code === "EPIPE";
process.stdout.on("error", (err) => {
  if (!closedPipe(err)) throw err;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (closedPipe(err)) process.exit(0);
  // A message, never a stack trace: whoever runs this needs to know what to fix, not where the code was.
  const { describeError } = await import("./support.ts");
  await stderr(`marginalia: ${describeError(err)}\n`);
  process.exitCode = 1;
}
