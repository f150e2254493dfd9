import { readFileSync, readdirSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { YjsWorker } from "../sync/persist/yjs-worker.ts";
import { BACKGROUND_NICENESS, threadId } from "./thread-priority.mjs";
import { typescriptWorker } from "./typescript-worker.ts";

/** Every thread of this process and its niceness, from /proc (field 19 of a task's stat). */
function niceness(): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // The command name, in parentheses, may hold spaces: fields are counted after it.
      threads.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return threads;
}

/** The niceness of the threads started since `before`, once one of them reaches `niceness` or after `ms`. */
async function newThreads(before: Map<number, number>, { niceness: wanted = BACKGROUND_NICENESS, ms = 10_000 } = {}): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const fresh = [...niceness()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    if (fresh.includes(wanted) || Date.now() > deadline) return fresh;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Background threads run at a lower priority than the event loop
 * (thread-priority.mjs), so that on a busy host a fold or an import takes
 * only idle cores, and fan-out keeps its own.
 */
describe("background threads' priority", () => {
  const started: Worker[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.terminate()));
  });

  it("lowers only the calling thread's priority", async () => {
    const before = niceness();
    // The thread stays alive until afterEach ends it: once it exits, its entry leaves /proc, and on a busy
    // host that happened before this thread read it.
    const worker = new Worker(
      `import("${new URL("./thread-priority.mjs", import.meta.url).href}").then((m) => {
        require("node:worker_threads").parentPort.postMessage({ ok: m.lowerThreadPriority(), tid: m.threadId() });
        setInterval(() => {}, 60_000);
      });`,
      { eval: true },
    );
    started.push(worker);
    const answer = await new Promise<{ ok: boolean; tid: number }>((resolve) => worker.once("message", resolve));
    expect(answer.ok).toBe(true);
    expect(before.has(answer.tid)).toBe(false);
    expect(niceness().get(answer.tid)).toBe(BACKGROUND_NICENESS);
    // This thread, and every thread that was here before, kept its priority.
    const now = niceness();
    expect(now.get(threadId()!)).toBe(before.get(threadId()!));
    for (const [tid, nice] of before) if (now.has(tid)) expect(now.get(tid)).toBe(nice);
  });

  it("runs compaction's thread in the background and the loads' thread at the event loop's priority", async () => {
    const state = new Uint8Array([0, 0]); // an empty update
    const beforeLoads = niceness();
    const loads = new YjsWorker();
    await loads.check(state);
    expect(await newThreads(beforeLoads, { ms: 500 })).not.toContain(BACKGROUND_NICENESS);

    const beforeCompaction = niceness();
    const compaction = new YjsWorker({ background: true });
    await compaction.check(state);
    expect(await newThreads(beforeCompaction)).toContain(BACKGROUND_NICENESS);
  });

  it.each([
    ["re-anchoring", () => typescriptWorker(new URL("../anchoring/worker.ts", import.meta.url), "anchoring-worker")],
    ["text, Markdown and HTML imports", () => typescriptWorker(new URL("../import/text-worker.ts", import.meta.url), "import-worker")],
    ["PDF imports", () => new Worker(new URL("../import/pdf-worker.mjs", import.meta.url), { workerData: { bytes: new Uint8Array(), maxPages: 1 }, stdout: true, stderr: true })],
  ])("runs the %s thread in the background", async (_name, start) => {
    const before = niceness();
    const worker = start();
    started.push(worker);
    worker.on("error", () => {}); // the PDF thread fails on its empty input, after its first import
    expect(await newThreads(before)).toContain(BACKGROUND_NICENESS);
  });

});
