import type { Worker } from "node:worker_threads";
import { ApiError, type ErrorCode } from "../errors.ts";
import { Turns } from "../threads/turns.ts";
import { typescriptWorker } from "../threads/typescript-worker.ts";
import type { ImportInput, ImportedArticle } from "./article.ts";
import { type BlockSlices, type PackedBlockData, PackedBlocks } from "./packed-blocks.ts";

export type TextImportLimits = {
  /** How long one article may take to read before its thread is stopped. */
  timeoutMs: number;
  /** The heap a reading thread may use, in MiB. */
  maxHeapMb: number;
};

export const TEXT_IMPORT_LIMITS: TextImportLimits = { timeoutMs: 20_000, maxHeapMb: 512 };

/** How long a new thread may take to load its readers. */
const STARTUP_LIMIT_MS = 60_000;

type Answer =
  | { id: number; ok: true; imported: Omit<ImportedArticle, "blocks"> & { blocks: PackedBlockData } }
  | { id: number; ok: false; refused: { code: ErrorCode; message: string; field?: string } | null; message: string };

/**
 * Text, Markdown and HTML are read on worker threads (text-worker.ts), never
 * on the event loop: readability, sanitize-html and markdown-it take time
 * in proportion to what a page asks of them, well past linear for deeply
 * nested markup (a 1 MB page of nested elements held the event loop for
 * minutes). Threads are kept between imports and started on first use; one
 * that runs past the time limit is stopped and the import refused, and the
 * next import gets a new one (docs/architecture.md, "Importing").
 */
class TextImportThreads {
  private readonly idle: Worker[] = [];
  /** Threads whose readers have loaded (text-worker.ts says so once). */
  private readonly started = new WeakSet<Worker>();
  /** Threads reading at once; more imports wait their turn, so that a burst of them cannot take every core. */
  private readonly turns = new Turns(2);
  private nextId = 1;

  read(input: ImportInput, limits: TextImportLimits): Promise<ImportedArticle<BlockSlices>> {
    return this.turns.run(() => this.onThread(input, limits));
  }

  private start(limits: TextImportLimits): Worker {
    const worker = typescriptWorker(new URL("./text-worker.ts", import.meta.url), "import-worker", {
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
    });
    // A thread that fails between imports is dropped; its error, once nobody waits on it, must not end the process.
    worker.on("error", () => {});
    worker.once("exit", () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return worker;
  }

  private onThread(input: ImportInput, limits: TextImportLimits): Promise<ImportedArticle<BlockSlices>> {
    const worker = this.idle.pop() ?? this.start(limits);
    const id = this.nextId++;
    worker.ref();
    return new Promise<ImportedArticle<BlockSlices>>((resolve, reject) => {
      const done = (keep: boolean) => {
        clearTimeout(timer);
        worker.off("message", answered);
        worker.off("error", failed);
        worker.off("exit", failed);
        if (keep) {
          worker.unref();
          this.idle.push(worker);
        } else void worker.terminate();
      };
      const answered = (answer: Answer | { started: true }) => {
        if ("started" in answer) {
          this.started.add(worker);
          clearTimeout(timer);
          timer = reading();
          return;
        }
        if (answer.id !== id) return;
        done(true);
        if (answer.ok) resolve({ ...answer.imported, blocks: new PackedBlocks(answer.imported.blocks) });
        else reject(answer.refused ? new ApiError(answer.refused.code, answer.refused.message, answer.refused.field) : unreadable(input, answer.message));
      };
      const stop = (detail: string) => {
        done(false);
        reject(unreadable(input, detail));
      };
      const failed = (err: Error | number) => stop(typeof err === "number" ? `its reader stopped (${err})` : err.message);
      // The limit counts reading only: a new thread first loads its readers, which on a busy machine takes a while.
      const reading = () => setTimeout(() => stop(`not read within ${limits.timeoutMs / 1000} s`), limits.timeoutMs);
      let timer = this.started.has(worker) ? reading() : setTimeout(() => stop("its reader did not start"), STARTUP_LIMIT_MS);
      worker.on("message", answered);
      worker.on("error", failed);
      worker.on("exit", failed);
      // Bytes are handed over, not copied; the request that read them has no further use for them.
      worker.postMessage({ id, input }, typeof input.content === "string" ? [] : [input.content.buffer]);
    });
  }
}

/** Content its reader could not finish: too complex, too large for the thread's heap, or broken in a way the reader did not expect. */
function unreadable(input: ImportInput, detail: string): ApiError {
  return new ApiError("source_unreadable", `content: the ${input.format} could not be read (${detail})`, "content");
}

const threads = new TextImportThreads();

/** `importArticle` (index.ts) on a worker thread, under `limits`. */
export function importOffThread(input: ImportInput, limits: TextImportLimits = TEXT_IMPORT_LIMITS): Promise<ImportedArticle<BlockSlices>> {
  return threads.read(input, limits);
}
