import { z } from "zod";
import { ARTICLE_FORMATS, type ArticleFormat, articleInsertSchema, httpUrlInputSchema, oneLine } from "@marginalia/schema";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import { recheckAccess } from "./access-recheck.ts";
import { ApiError } from "../errors.ts";
import type { ArticleSource } from "../import/sources.ts";
import { MAX_ARTICLE_BYTES } from "../storable-text.ts";
import { bodyBytes, bodyText, utf8Text } from "./streamed-body.ts";
import { dateTimeInput, declaredCharset, mediaType, validate, validateQuery } from "./input.ts";
import { parseJsonBody } from "./well-formed.ts";


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
  byline: oneLine(z.string().trim().min(1).max(300)).nullish(),
  sourceUrl: httpUrlInputSchema.nullish(),
  publishedAt: dateTimeInput.nullish(),
});

export const articleJsonSchema = metaSchema.extend({
  format: z.enum(ARTICLE_FORMATS),
  content: z.string().min(1).max(MAX_ARTICLE_BYTES),
});

/** An import from the web: the server fetches the page (see docs/architecture.md, "Importing"). */
export const articleUrlSchema = metaSchema.omit({ sourceUrl: true }).extend({
  url: z.url({ protocol: /^https?$/ }).max(2048),
});

type ArticleMeta = z.infer<typeof metaSchema>;

/** Where an article's text is to come from, and what the caller says about it. */
export type ArticleRequest = ArticleSource & { meta: ArticleMeta };

const PDF_TYPES = new Set(["application/pdf", "application/x-pdf"]);

const splitMeta = <T extends ArticleMeta>({ title, byline, sourceUrl, publishedAt, ...rest }: T) => ({
  meta: { title, byline, sourceUrl, publishedAt },
  rest,
});

function textRequest(value: unknown): ArticleRequest {
  const { meta, rest } = splitMeta(validate(articleJsonSchema, value));
  return { kind: "text", meta, ...rest };
}

/**
 * An article arrives as JSON (its text, or a `url` to fetch), as a raw
 * text/plain, text/markdown, text/html or application/pdf body (metadata in
 * the query string), or as an uploaded file. The caller's account goes with
 * it: accounts take turns at the import threads (import/account-turns.ts).
 */
export async function readArticleBody<E extends AppEnv>(c: AppContext<E>): Promise<ArticleRequest> {
  const account = requireUser(c).id;
  return { ...(await readSource(c)), account };
}

/**
 * The body's bytes once they are all in, with the caller's access decided again
 * then (access-recheck.ts), before any of it is parsed: someone who lost access
 * meanwhile is told so, not how their body broke a schema. The route decides once
 * more after a fetch or a long import.
 */
async function arrived<T, E extends AppEnv>(c: AppContext<E>, read: Promise<T>): Promise<T> {
  const value = await read;
  await recheckAccess(c);
  return value;
}

async function readSource<E extends AppEnv>(c: AppContext<E>): Promise<ArticleRequest> {
  const type = mediaType(c);
  if (type === "application/json") {
    // Parsed here and validated once below, against the schema its shape says it is for.
    const body = parseJsonBody(await arrived(c, bodyText(c)));
    if (body !== null && typeof body === "object" && "url" in body) {
      const { url, ...meta } = validate(articleUrlSchema, body);
      return { kind: "url", url: new URL(url), meta };
    }
    return textRequest(body);
  }
  if (PDF_TYPES.has(type)) {
    const { meta } = splitMeta(validateQuery(metaSchema, c));
    return { kind: "pdf", bytes: new Uint8Array(await arrived(c, c.req.arrayBuffer())), field: "body", meta };
  }
  const rawFormat = FORMAT_BY_MEDIA_TYPE[type];
  if (rawFormat) {
    // The bytes go to the import thread as they came: decoding and checking them there spares the
    // event loop two passes over up to 10 MiB (import/article.ts, `readArticle`).
    const { meta } = splitMeta(validateQuery(metaSchema, c));
    return { kind: "text", format: rawFormat, content: await arrived(c, bodyBytes(c)), charset: declaredCharset(c), meta };
  }
  if (type === "multipart/form-data") return readUpload(c);
  throw new ApiError(
    "unsupported_media_type",
    "Send text/plain, text/markdown, text/html, application/pdf, application/json or a multipart file upload",
  );
}

/** The form of a multipart upload: 400 when it is not one (no boundary, cut short, garbage). */
async function readForm<E extends AppEnv>(c: AppContext<E>) {
  try {
    return await c.req.parseBody();
  } catch {
    // The body arrived whole (the route's bodyLimit buffered it), so the parser's TypeError is about the bytes sent.
    throw new ApiError("bad_request", "The body is not valid multipart/form-data: attach the article as `file`");
  }
}

async function readUpload<E extends AppEnv>(c: AppContext<E>): Promise<ArticleRequest> {
  const form = await arrived(c, readForm(c));
  const file = form.file;
  if (!(file instanceof File)) throw new ApiError("validation_failed", "file: attach the article as `file`", "file");
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  const fields = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string"));
  const mediaType = file.type.split(";")[0]!.trim().toLowerCase();
  if (form.format === "pdf" || (form.format === undefined && (PDF_TYPES.has(mediaType) || extension === "pdf"))) {
    const { meta } = splitMeta(validate(metaSchema, fields));
    return { kind: "pdf", bytes: new Uint8Array(await file.arrayBuffer()), field: "file", meta };
  }
  const format = (typeof form.format === "string" ? form.format : undefined) ?? FORMAT_BY_MEDIA_TYPE[mediaType] ?? FORMAT_BY_EXTENSION[extension];
  if (!format) {
    throw new ApiError("unsupported_media_type", "Upload a .txt, .md, .html or .pdf file, or say which with `format`");
  }
  return textRequest({ ...fields, format, content: utf8Text(await file.arrayBuffer()) });
}
