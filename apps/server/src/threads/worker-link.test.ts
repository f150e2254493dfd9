import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { MAX_LOST_IN_A_ROW, WorkerLink, WorkerLost } from "./worker-link.ts";

/** A worker that answers each job with its own thread id, asking to retire when the job says so. */
const SOURCE = `
const { parentPort, threadId } = require("node:worker_threads");
parentPort.on("message", ({ id, retire, wait, die }) => {
  if (die) process.exit(1);
  setTimeout(() => parentPort.postMessage({ id, result: threadId, retire }), wait ?? 0);
});
`;

function link(options: { retireWhenAsked?: boolean; replaceLost?: boolean } = { retireWhenAsked: true }) {
  const opened: Worker[] = [];
  const workerLink = new WorkerLink<number>(() => {
    const worker = new Worker(SOURCE, { eval: true });
    opened.push(worker);
    return worker;
  }, options);
  return { workerLink, opened };
}

const exited = (worker: Worker) => new Promise<number>((resolve) => worker.once("exit", resolve));

describe("WorkerLink", () => {
  it("keeps one worker for job after job", async () => {
    const { workerLink, opened } = link();
    const first = await workerLink.send({});
    expect(await workerLink.send({})).toBe(first);
    expect(opened).toHaveLength(1);
    await opened[0]!.terminate();
  });

  it("ends a worker that asks to retire, and starts a fresh one for the next job, without counting it broken", async () => {
    const { workerLink, opened } = link();
    const first = await workerLink.send({ retire: true });
    await exited(opened[0]!);
    const second = await workerLink.send({});
    expect(second).not.toBe(first);
    expect(opened).toHaveLength(2);
    expect(workerLink.broken).toBe(false);
    await opened[1]!.terminate();
  });

  it("keeps a worker that asks to retire unless told to honour it", async () => {
    const { workerLink, opened } = link({});
    const first = await workerLink.send({ retire: true });
    expect(await workerLink.send({})).toBe(first);
    expect(opened).toHaveLength(1);
    await opened[0]!.terminate();
  });

  it("lets a retiring worker finish the jobs it holds first", async () => {
    const { workerLink, opened } = link();
    const retiring = workerLink.send({ retire: true })!;
    const later = workerLink.send({ wait: 200 })!;
    const [a, b] = await Promise.all([retiring, later]);
    expect(b).toBe(a);
    await exited(opened[0]!);
    expect(await workerLink.send({})).not.toBe(a);
    await opened[1]!.terminate();
  });

  it("with replaceLost: false, counts the link broken once its worker dies, failing the jobs it held", async () => {
    const { workerLink, opened } = link({ replaceLost: false });
    await expect(workerLink.send({ die: true })).rejects.toBeInstanceOf(WorkerLost);
    expect(workerLink.broken).toBe(true);
    expect(workerLink.send({})).toBeNull();
    expect(opened).toHaveLength(1);
  });

  it("starts a fresh worker for the job after a death, and the jobs the dead one held fail", async () => {
    const { workerLink, opened } = link({});
    const first = await workerLink.send({});
    const held = workerLink.send({ wait: 200 })!;
    await expect(workerLink.send({ die: true })).rejects.toBeInstanceOf(WorkerLost);
    await expect(held).rejects.toBeInstanceOf(WorkerLost);
    expect(workerLink.broken).toBe(false);
    const second = await workerLink.send({});
    expect(second).not.toBe(first);
    expect(opened).toHaveLength(2);
    await opened[1]!.terminate();
  });

  it(`gives up after ${MAX_LOST_IN_A_ROW} deaths with no job answered between them, and not before`, async () => {
    const { workerLink, opened } = link({});
    // An answer between deaths starts the count again.
    for (let i = 0; i < MAX_LOST_IN_A_ROW - 1; i++) await expect(workerLink.send({ die: true })).rejects.toBeInstanceOf(WorkerLost);
    expect(typeof (await workerLink.send({}))).toBe("number");
    for (let i = 0; i < MAX_LOST_IN_A_ROW - 1; i++) await expect(workerLink.send({ die: true })).rejects.toBeInstanceOf(WorkerLost);
    expect(workerLink.broken).toBe(false);
    await expect(workerLink.send({ die: true })).rejects.toBeInstanceOf(WorkerLost);
    expect(workerLink.broken).toBe(true);
    const started = opened.length;
    expect(workerLink.send({})).toBeNull();
    expect(opened).toHaveLength(started);
  });
});
