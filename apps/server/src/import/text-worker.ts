// The thread behind off-thread.ts: text, Markdown and HTML read into an article, off the event loop.
import "../threads/background-thread.mjs";
import { parentPort } from "node:worker_threads";
import { ApiError } from "../errors.ts";
import type { ImportInput } from "./article.ts";
import { importArticle } from "./index.ts";
import { packBlocks, transferablesOf } from "./packed-blocks.ts";

parentPort?.on("message", ({ id, input }: { id: number; input: ImportInput }) => {
  try {
    const imported = importArticle(input);
    // Packed and handed over, not cloned object by object on the receiving event loop (packed-blocks.ts).
    const blocks = packBlocks(imported.blocks);
    parentPort?.postMessage({ id, ok: true, imported: { ...imported, blocks } }, transferablesOf(blocks));
  } catch (err) {
    const refused = err instanceof ApiError ? { code: err.code, message: err.message, field: err.field } : null;
    parentPort?.postMessage({ id, ok: false, refused, message: (err as Error)?.message ?? String(err) });
  }
});

// Loaded and listening: the import's time limit starts now (off-thread.ts).
parentPort?.postMessage({ started: true });
