import { setImmediate as nextTurn } from "node:timers/promises";
import { serialize } from "node:v8";
import type { AnnotationView } from "../services/annotation-view.ts";
import { typescriptWorker } from "../threads/typescript-worker.ts";
import { Turns } from "../threads/turns.ts";
import { WorkerLink } from "../threads/worker-link.ts";
import type { ExportFormat } from "./formats.ts";
import type { ExportData } from "./load.ts";
import { renderExport } from "./render.ts";

/** Annotations copied for the thread per turn of the event loop: about 3 ms of serializing each. */
const PART = 500;

/**
 * What the thread is sent: the export without its annotations, which go as
 * serialized parts, each with the index of its article in `partOf`.
 */
export type RenderJob = {
  format: ExportFormat;
  baseUrl: string;
  data: Omit<ExportData, "articles"> & { articles: Array<Omit<ExportData["articles"][number], "annotations">> };
  parts: Uint8Array[];
  partOf: number[];
};

/**
 * Exports are written on a worker thread (render-worker.ts): a group's
 * 10,000 annotations took 150–300 ms to write as Markdown, CSV or W3C
 * JSON-LD, all of it on the event loop (docs/architecture.md, "Exports").
 * Handing the data over is work too (serializing 10,000 annotations whole
 * took 60 ms), so it goes a part per turn, and the file comes back as bytes
 * the thread gives up rather than a string to copy (a 15 MB string took
 * 50–60 ms to copy in). One export is written at a time; a thread that
 * cannot run leaves the writing to the event loop.
 */
class ExportThread {
  private readonly link = new WorkerLink<Uint8Array<ArrayBuffer>>(() => typescriptWorker(new URL("./render-worker.ts", import.meta.url), "export-worker"));
  private readonly turns = new Turns(1);

  /** Where files are written: on the thread, or here once none could run. */
  get where(): "thread" | "event loop" {
    return this.link.broken ? "event loop" : "thread";
  }

  render(format: ExportFormat, data: ExportData, baseUrl: string): Promise<Uint8Array<ArrayBuffer>> {
    return this.turns.run(async () => {
      const parts: Array<Uint8Array<ArrayBuffer>> = [];
      const partOf: number[] = [];
      for (const [i, article] of data.articles.entries()) {
        for (let at = 0; at < article.annotations.length; at += PART) {
          // Copied out of the Buffer, whose memory may be shared with others, so that it can be handed over.
          parts.push(new Uint8Array(serialize(article.annotations.slice(at, at + PART) satisfies AnnotationView[])));
          partOf.push(i);
          await nextTurn();
        }
      }
      const job: RenderJob = { format, baseUrl, data: { ...data, articles: data.articles.map(({ annotations: _, ...meta }) => meta) }, parts, partOf };
      const sent = this.link.send(job, parts.map((part) => part.buffer));
      if (sent) {
        try {
          return await sent;
        } catch {
          // The thread died under it (out of memory, say): written here instead.
        }
      }
      return new Uint8Array(Buffer.from(renderExport(format, data, baseUrl), "utf8"));
    });
  }
}

export const exportThread = new ExportThread();

/** An export's file, written on the export thread. */
export function renderOffThread(format: ExportFormat, data: ExportData, baseUrl: string): Promise<Uint8Array<ArrayBuffer>> {
  return exportThread.render(format, data, baseUrl);
}
