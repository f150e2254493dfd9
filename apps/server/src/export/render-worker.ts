// The thread behind render-thread.ts: an export's file written off the event loop.
import "../threads/background-thread.mjs";
import { deserialize } from "node:v8";
import { parentPort } from "node:worker_threads";
import type { AnnotationView } from "../services/annotation-view.ts";
import type { RenderJob } from "./render-thread.ts";
import { renderExport } from "./render.ts";

parentPort?.on("message", (job: RenderJob & { id: number }) => {
  try {
    const parts = job.parts.map((part) => deserialize(part) as AnnotationView[]);
    let next = 0;
    const articles = job.data.articles.map((article, i) => {
      const annotations: AnnotationView[] = [];
      for (; next < parts.length && job.partOf[next] === i; next++) annotations.push(...parts[next]!);
      return { ...article, annotations };
    });
    const text = renderExport(job.format, { ...job.data, articles }, job.baseUrl);
    const bytes = new Uint8Array(Buffer.from(text, "utf8"));
    parentPort?.postMessage({ id: job.id, result: bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  }
});
