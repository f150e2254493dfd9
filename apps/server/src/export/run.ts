import type { Db } from "../db.ts";
import { type ExportNames, exportNames } from "./disposition.ts";
import type { ExportFormat } from "./formats.ts";
import { type ExportOptions, type ExportTarget, loadExport } from "./load.ts";
import { RENDERERS } from "./render.ts";
import { renderOffThread } from "./render-thread.ts";

export { EXPORT_FORMATS, type ExportFormat } from "./formats.ts";

/** `body`: the file as UTF-8; its names, as disposition.ts makes them. */
export type ExportFile = { body: Uint8Array<ArrayBuffer>; contentType: string } & ExportNames;

/**
 * The one export path, shared by the HTTP routes and the CLI: membership is
 * checked, the member's view is read, and the chosen format is rendered
 * (on a thread of its own: render-thread.ts).
 * `baseUrl` is the public origin that links in the file point at.
 */
export async function runExport(
  db: Db,
  target: ExportTarget,
  userId: string,
  format: ExportFormat,
  options: ExportOptions & { baseUrl: string },
): Promise<ExportFile> {
  const data = await loadExport(db, target, userId, options);
  const renderer = RENDERERS[format];
  const name = data.scope === "article" ? data.articles[0]!.title : data.group.name;
  return {
    body: await renderOffThread(format, data, options.baseUrl),
    contentType: renderer.contentType,
    ...exportNames(name, data.scope, isoStamp(data.exportedAt), renderer.extension),
  };
}

const isoStamp = (date: Date) => date.toISOString().slice(0, 10);
