import { FORMAT_BY_EXTENSION } from "../http/article-body.ts";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ARTICLE_FORMATS, articleInsertSchema, httpUrlInputSchema } from "@marginalia/schema";
import { requireRole } from "../access/membership.ts";
import { MAX_ARTICLE_BYTES } from "../storable-text.ts";
import { EXPORT_FORMATS, runExport } from "../export/run.ts";
import { createArticle } from "../services/articles.ts";
import { CliError, type Runner, UsageError, optionalStr, str } from "./command.ts";
import { progressBar } from "./progress.ts";
import { asMember, checkArg, userByEmail, uuidArg } from "./support.ts";

export const importFile: Runner = async (args, ctx) => {
  const file = args.positionals[0]!;
  const groupId = uuidArg("--group", str(args, "group"));
  const format = checkArg("--format", z.enum([...ARTICLE_FORMATS, "pdf"]), optionalStr(args, "format") ?? formatOf(file));
  const title = optionalStr(args, "title");
  if (title !== undefined) checkArg("--title", articleInsertSchema.shape.title, title);
  const given = optionalStr(args, "source-url");
  const url = given === undefined ? undefined : checkArg("--source-url", httpUrlInputSchema, given);

  const email = str(args, "as");
  const user = await userByEmail(ctx.db, email);
  await asMember("Group", email, () => requireRole(ctx.db, groupId, user.id, "moderator"));

  const bar = progressBar("Importing", ctx.interactive);
  try {
    bar.update(0, 3, "reading");
    const content = await readArticleFile(file);
    bar.update(1, 3, "parsing");
    // Loaded here: the HTML and Markdown readers are a second of startup every other command would pay.
    const { importArticle } = await import("../import/index.ts");
    const { importPdf } = await import("../import/pdf.ts");
    const imported =
      format === "pdf" ? await importPdf(new Uint8Array(content), { title }, "file") : importArticle({ format, content: content.toString("utf8"), title });
    bar.update(2, 3, "storing");
    const article = await createArticle(ctx.db, {
      groupId,
      authorId: user.id,
      format,
      imported,
      meta: { sourceUrl: url ?? null, publishedAt: null },
    });
    bar.update(3, 3, "done");
    bar.stop();
    await ctx.out(`${article.id}\n`);
    ctx.note(`Imported "${article.title}" (${imported.blocks.length} blocks) as ${format}.`);
  } finally {
    bar.stop();
  }
};

export const exportAnnotations: Runner = async (args, ctx) => {
  const group = optionalStr(args, "group");
  const [articleId] = args.positionals;
  if ((articleId === undefined) === (group === undefined)) throw new UsageError("give either <articleId> or --group");
  const target = group ? { groupId: uuidArg("--group", group) } : { articleId: uuidArg("<articleId>", articleId!) };
  const format = checkArg("--format", z.enum(EXPORT_FORMATS), str(args, "format"));

  const email = str(args, "as");
  const user = await userByEmail(ctx.db, email);
  const bar = progressBar("Exporting", ctx.interactive);
  try {
    const file = await asMember(group ? "Group" : "Article", email, () =>
      runExport(ctx.db, target, user.id, format, {
        baseUrl: ctx.config.publicOrigin,
        onProgress: (done, total) => bar.update(done, total, "annotations"),
      }),
    );
    bar.stop();
    const out = optionalStr(args, "out");
    if (out === undefined) return await ctx.out(new TextDecoder("utf-8", { ignoreBOM: true }).decode(file.body)); // the CSV starts with one
    await writeFile(out, file.body);
    ctx.note(`Wrote ${file.body.byteLength} bytes to ${out}.`);
  } finally {
    bar.stop();
  }
};

function formatOf(file: string): string {
  const extension = path.extname(file).slice(1).toLowerCase();
  const format = extension === "pdf" ? "pdf" : FORMAT_BY_EXTENSION[extension];
  if (!format) throw new UsageError(`cannot tell the format of ${file} from its extension: give --format`);
  return format;
}

async function readArticleFile(file: string): Promise<Buffer> {
  try {
    const { size } = await stat(file);
    if (size > MAX_ARTICLE_BYTES) throw new CliError(`${file} is larger than the ${MAX_ARTICLE_BYTES / 1024 / 1024} MiB articles may be`);
    return await readFile(file);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}
