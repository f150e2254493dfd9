import { stat } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { groups } from "@marginalia/schema/tables";
import { BackupError } from "../backup/read.ts";
import { restoreBackup } from "../backup/restore.ts";
import { writeBackup } from "../backup/write.ts";
import { CliError, type Runner, optionalStr, str } from "./command.ts";
import { progressBar } from "./progress.ts";
import { uuidArg } from "./support.ts";

export const backupGroup: Runner = async (args, ctx) => {
  const groupId = uuidArg("--group", str(args, "group"));
  const [group] = await ctx.db.select({ name: groups.name, slug: groups.slug }).from(groups).where(eq(groups.id, groupId));
  if (!group) throw new CliError(`No group has the id ${groupId}`);
  const out = optionalStr(args, "out") ?? `${group.slug}-${new Date().toISOString().slice(0, 10)}.marginalia.jsonl.gz`;

  const bar = progressBar("Backing up", ctx.interactive);
  try {
    const counts = await writeBackup(ctx.db, groupId, out, (done, total) => bar.update(done, total, "annotations and documents"));
    bar.stop();
    const { size } = await stat(out);
    await ctx.out(`${out}\n`);
    ctx.note(`Backed up "${group.name}" (${describeCounts(counts)}): ${size} bytes in ${out}.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code && (err as NodeJS.ErrnoException).syscall) {
      throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    bar.stop();
  }
};

export const restoreGroup: Runner = async (args, ctx) => {
  const file = args.positionals[0]!;
  const bar = progressBar("Restoring", ctx.interactive);
  try {
    const result = await restoreBackup(ctx.db, file, {
      overwrite: args.values.overwrite === true,
      onProgress: (done, total) => bar.update(done, total, "records"),
    });
    bar.stop();
    await ctx.out(`${result.groupId}\n`);
    ctx.note(`${result.replaced ? "Replaced" : "Restored"} "${result.name}" (${describeCounts(result.counts)}).`);
    if (result.slugChanged) ctx.note(`Another group here has its slug; it is now ${result.slug}.`);
    if (result.created.length) {
      ctx.note(
        `Created ${result.created.length} account${result.created.length === 1 ? "" : "s"} without a password; ` +
          `each can sign in once given one with "marginalia set-password --email <email>":\n  ${result.created.join("\n  ")}`,
      );
    }
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message);
    throw err;
  } finally {
    bar.stop();
  }
};

const LABELS: [string, string][] = [
  ["article", "articles"],
  ["revision", "revisions"],
  ["annotation", "annotations"],
  ["document", "documents"],
  ["member", "members"],
  ["account", "accounts"],
];

function describeCounts(counts: Record<string, number>): string {
  return LABELS.map(([type, label]) => `${counts[type] ?? 0} ${label}`).join(", ");
}
