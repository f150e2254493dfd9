import { asOneLine } from "@marginalia/schema";
import { slugify } from "../services/groups.ts";

/** An export's file names: `filename`, plain ASCII for every client; `utf8Name`, the real one (RFC 6266). */
export type ExportNames = { filename: string; utf8Name: string };

/** How long the real name may be, in code points, before its date and extension. */
const NAME_LENGTH = 100;
/** What a file name may not hold on common systems: path separators and the characters Windows refuses. */
const NOT_IN_FILE_NAMES = /[\\/:*?"<>|]+/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The names an export of `name` (an article's title or a group's name) is sent under. A slug alone named
 * every export of a Greek, Arabic or Chinese name `group-<date>`, whichever article or group it was; the
 * real name goes beside it, one line, without separators, and the slug falls back on the scope.
 */
export function exportNames(name: string, scope: "article" | "group", stamp: string, extension: string): ExportNames {
  const ascii = slugify(name, scope);
  const real = Array.from(asOneLine(name).replace(NOT_IN_FILE_NAMES, " ").replace(/\s+/g, " ").trim()).slice(0, NAME_LENGTH).join("").trim();
  return { filename: `${ascii}-${stamp}.${extension}`, utf8Name: `${real || ascii}-${stamp}.${extension}` };
}

/**
 * `attachment` with both names: `filename*` (RFC 8187's UTF-8 encoding) for the clients that read it, which
 * is every current browser, and the ASCII `filename` for the rest. Nothing in either needs quoting: the slug
 * is letters, digits and dashes, and the real name is percent-encoded past RFC 8187's attr-chars.
 */
export function contentDisposition({ filename, utf8Name }: ExportNames): string {
  const encoded = encodeURIComponent(utf8Name.replace(LONE_SURROGATE, "\uFFFD")).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${filename}"; filename*=UTF-8''${encoded}`;
}
