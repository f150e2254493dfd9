import { z } from "zod";
import { ARTICLE_FORMATS, type ArticleFormat, articleInsertSchema } from "@marginalia/schema";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { mediaType, readJson, validate } from "./input.ts";

/** Articles are bigger than other bodies: a saved web page can run to megabytes. */
export const MAX_ARTICLE_BYTES = 10 * 1024 * 1024;

const FORMAT_BY_MEDIA_TYPE: Record<string, ArticleFormat> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/html": "html",
  "application/xhtml+xml": "html",
};

/** File extensions an upload is recognised by; the CLI's import uses the same table. */
export const FORMAT_BY_EXTENSION: Record<string, ArticleFormat> = {
  txt: "text",
  text: "text",
  md: "markdown",
  markdown: "markdown",
  html: "html",
  htm: "html",
};

const metaSchema = z.object({
  title: articleInsertSchema.shape.title.optional(),
  byline: z.string().trim().min(1).max(300).nullish(),
  sourceUrl: z.url({ protocol: /^https?$/ }).max(2048).nullish(),
  publishedAt: z.iso.datetime({ offset: true }).pipe(z.coerce.date()).nullish(),
});

export const articleJsonSchema = metaSchema.extend({
  format: z.enum(ARTICLE_FORMATS),
  content: z.string().min(1).max(MAX_ARTICLE_BYTES),
});

export type ArticleBody = z.infer<typeof articleJsonSchema>;

/**
 * An article arrives as JSON, as a raw text/plain, text/markdown or text/html
 * body (metadata in the query string), or as an uploaded file.
 */
export async function readArticleBody<E extends AppEnv>(c: AppContext<E>): Promise<ArticleBody> {
  const type = mediaType(c);
  if (type === "application/json") return readJson(c, articleJsonSchema);
  const rawFormat = FORMAT_BY_MEDIA_TYPE[type];
  if (rawFormat) {
    const content = await c.req.text();
    return validate(articleJsonSchema, { ...c.req.query(), format: rawFormat, content });
  }
  if (type === "multipart/form-data") return readUpload(c);
  throw new ApiError(
    "unsupported_media_type",
    "Send text/plain, text/markdown, text/html, application/json or a multipart file upload",
  );
}

async function readUpload<E extends AppEnv>(c: AppContext<E>): Promise<ArticleBody> {
  const form = await c.req.parseBody();
  const file = form.file;
  if (!(file instanceof File)) throw new ApiError("validation_failed", "file: attach the article as `file`", "file");
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  const format =
    (typeof form.format === "string" ? form.format : undefined) ??
    FORMAT_BY_MEDIA_TYPE[file.type.split(";")[0]!] ??
    FORMAT_BY_EXTENSION[extension];
  if (!format) {
    throw new ApiError("unsupported_media_type", "Upload a .txt, .md or .html file, or say which with `format`");
  }
  const fields = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string"));
  return validate(articleJsonSchema, { ...fields, format, content: await file.text() });
}
