import { EXPORT_FORMATS } from "../export/formats.ts";
import type { Command } from "./command.ts";

/**
 * Every command, its options and its help. Each one's code is imported only
 * when it runs (see `Command.load`).
 */
export const COMMANDS: Command[] = [
  {
    name: "create-user",
    summary: "create an account",
    usage: `Usage: marginalia create-user --email <email> --name <name> [--password <password>]

Creates an account and prints its id. Without --password a strong password is
generated and printed once, on the line after the id; only its hash is kept.`,
    options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
    required: ["email", "name"],
    load: () => import("./accounts.ts").then((m) => m.createUser),
  },
  {
    name: "set-password",
    summary: "set an account's password",
    usage: `Usage: marginalia set-password --email <email> [--password <password>] [--keep-tokens]

Sets the account's password, ends its sessions and revokes its API tokens, so
that whoever else held the account is out. With --keep-tokens its API tokens
go on working (a routine reset, with scripts that use them). Without
--password a strong password is generated and printed once. Accounts that a
restore created have no password until this gives them one.`,
    options: { email: { type: "string" }, password: { type: "string" }, "keep-tokens": { type: "boolean" } },
    required: ["email"],
    load: () => import("./accounts.ts").then((m) => m.setPassword),
  },
  {
    name: "group create",
    summary: "create a group owned by an account",
    usage: `Usage: marginalia group create --as <email> --name <name> [--moderation open|pre]

Creates a group with <email> as its owner and prints the group id. With
--moderation pre, annotators' work waits for a moderator's approval.`,
    options: { as: { type: "string" }, name: { type: "string" }, moderation: { type: "string" } },
    required: ["as", "name"],
    load: () => import("./accounts.ts").then((m) => m.createGroupAs),
  },
  {
    name: "import",
    summary: "import an article file into a group",
    usage: `Usage: marginalia import <file> --group <groupId> --as <email>
                         [--format text|markdown|html|pdf] [--title <title>] [--source-url <url>]

Imports the file as a new article of the group, as an upload through the API
would, and prints the article id. <email> must be a moderator or owner of the
group. The format follows the extension (.txt, .md, .html, .pdf) unless given.`,
    options: {
      group: { type: "string" },
      as: { type: "string" },
      format: { type: "string" },
      title: { type: "string" },
      "source-url": { type: "string" },
    },
    positionals: ["file"],
    required: ["group", "as"],
    load: () => import("./articles.ts").then((m) => m.importFile),
  },
  {
    name: "export",
    summary: "export an article's (or a group's) annotations",
    usage: `Usage: marginalia export <articleId> --as <email> --format ${EXPORT_FORMATS.join("|")} [--out <file>]
       marginalia export --group <groupId> --as <email> --format … [--out <file>]

Writes what <email> may see: the same file GET /api/articles/:id/export (or
/api/groups/:id/export) gives that member. w3c is a Web Annotation collection,
claimreview is schema.org ClaimReview for the published fact-checks, csv has
one row per annotation, markdown is a fact-check report. Links point at
PUBLIC_ORIGIN. Writes to stdout unless --out names a file.`,
    options: { as: { type: "string" }, format: { type: "string" }, out: { type: "string" }, group: { type: "string" } },
    optionalPositionals: 1,
    required: ["as", "format"],
    load: () => import("./articles.ts").then((m) => m.exportAnnotations),
  },
  {
    name: "token create",
    summary: "create an API token for an account",
    usage: `Usage: marginalia token create --as <email> --name <name>

Prints a new API token for <email>, to send as "Authorization: Bearer <token>".
It is shown this once; only its hash is kept. Its id, which revokes it, is
printed on stderr.`,
    options: { as: { type: "string" }, name: { type: "string" } },
    required: ["as", "name"],
    load: () => import("./accounts.ts").then((m) => m.createToken),
  },
  {
    name: "token revoke",
    summary: "revoke one of an account's API tokens",
    usage: `Usage: marginalia token revoke --as <email> <tokenId>

Revokes the token at once: requests bearing it are refused from now on.`,
    options: { as: { type: "string" } },
    positionals: ["tokenId"],
    required: ["as"],
    load: () => import("./accounts.ts").then((m) => m.revokeToken),
  },
  {
    name: "backup",
    summary: "write a group's backup file",
    usage: `Usage: marginalia backup --group <groupId> [--out <file>]

Writes everything of the group to one gzip'd JSON Lines file (docs/backup.md):
settings, members and their roles, invitations, articles with every revision,
annotations, moderation log, flags, notifications, and the live documents as
they are stored. Accounts appear by email and name only. It reads one
consistent moment, so the server may keep running. Without --out the file is
<group slug>-<date>.marginalia.jsonl.gz here; its name is printed.`,
    options: { group: { type: "string" }, out: { type: "string" } },
    required: ["group"],
    load: () => import("./backup.ts").then((m) => m.backupGroup),
  },
  {
    name: "restore",
    summary: "load a group from a backup file",
    usage: `Usage: marginalia restore <file> [--overwrite]

Loads the backup in one transaction and prints the group id. Ids are kept;
accounts are found by email, and missing ones are created without a password
(give them one with "marginalia set-password"). If the group or any of its
ids exist here, nothing is written unless --overwrite, which replaces that
group with the backup. Stop servers that have the group open before
--overwrite: they would keep serving the documents they hold.`,
    options: { overwrite: { type: "boolean" } },
    positionals: ["file"],
    load: () => import("./backup.ts").then((m) => m.restoreGroup),
  },
];
