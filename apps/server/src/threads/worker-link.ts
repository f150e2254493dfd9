import type { Worker } from "node:worker_threads";

/** A worker thread that stopped: the jobs it held fail with this, so that their owner may run them itself. */
export class WorkerLost extends Error {}

/** Deaths or failed starts in a row, no job answered between them, after which a link starts no more workers. */
export const MAX_LOST_IN_A_ROW = 3;

/**
 * One worker thread that takes jobs by id and answers `{ id, result }` or
 * `{ id, error }`: started on first use, unref'd while it holds no job, so
 * that an idle one never keeps the process alive. Once it is `broken`,
 * `send` answers null: the owner runs its work on the event loop, or not at
 * all (sync/persist/yjs-worker.ts, anchoring/pool.ts).
 *
 * A worker that dies fails the jobs it held with WorkerLost, and the next
 * job starts a fresh one, so that one crash (a job that ran it out of
 * memory, say) or one failed start does not move every later job onto the
 * event loop for the life of the process; after MAX_LOST_IN_A_ROW deaths or
 * failed starts with no job answered between them the link counts as
 * broken. With `replaceLost: false` the first breaks it (the embedded
 * database's thread, which holds the database and cannot be started again).
 *
 * A worker may answer with `retire: true` (sync/persist/yjs-worker.mjs does after a
 * job that left its heap large): with `retireWhenAsked`, once it holds no job
 * it is ended, and the next job starts a fresh one. V8 keeps a heap's pages after the objects in
 * them are gone, and an idle thread seldom collects, so a worker that once
 * built a large document held its memory for the life of the process.
 */
export class WorkerLink<Result> {
  private worker: Worker | null = null;
  private retiring = false;
  private brokenFor = false;
  /** Workers that died or could not start since one last answered a job. */
  private lostInARow = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (result: Result) => void; reject: (err: Error) => void }>();

  /**
   * `keepAlive`: the worker holds the process while it runs, idle or not (the
   * embedded database's thread, which must finish closing its files), instead
   * of only while it holds a job. `retireWhenAsked`: a worker's `retire` is
   * honoured (background work, where a new thread's start costs no one a wait).
   * `replaceLost` (default true): a worker that dies is replaced by the next job (see above).
   */
  constructor(
    private readonly open: () => Worker,
    private readonly options: { keepAlive?: boolean; retireWhenAsked?: boolean; replaceLost?: boolean } = {},
  ) {}

  get broken(): boolean {
    return this.brokenFor;
  }

  /** Posts a job (the link adds its id); null when no worker can take it. */
  send(message: object, transfer?: readonly ArrayBuffer[]): Promise<Result> | null {
    const worker = this.brokenFor ? null : (this.worker ?? this.start());
    if (!worker) return null;
    const id = this.nextId++;
    const done = new Promise<Result>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    if (this.waiting.size === 1 && !this.options.keepAlive) worker.ref();
    worker.postMessage({ ...message, id }, transfer);
    return done;
  }

  /** A message that wants no answer, to a worker that is running. */
  tell(message: object): void {
    this.worker?.postMessage(message);
  }

  /** Ends a worker that asked to retire; the link forgets it first, so that its exit is not taken for a failure. */
  private retire(worker: Worker) {
    this.worker = null;
    this.retiring = false;
    void worker.terminate();
  }

  private start(): Worker | null {
    try {
      const worker = this.open();
      if (!this.options.keepAlive) worker.unref();
      worker.on("message", (m: { id: number; result?: Result; error?: string; retire?: boolean }) => {
        const waiter = this.waiting.get(m.id);
        if (!waiter) return;
        this.waiting.delete(m.id);
        this.lostInARow = 0;
        if (m.retire && this.options.retireWhenAsked) this.retiring = true;
        if (this.waiting.size === 0 && this.retiring) this.retire(worker);
        else if (this.waiting.size === 0 && !this.options.keepAlive) worker.unref();
        if (m.result !== undefined) waiter.resolve(m.result);
        else waiter.reject(new Error(m.error ?? "the job failed"));
      });
      const fail = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.retiring = false;
        this.lost();
        const waiters = [...this.waiting.values()];
        this.waiting.clear();
        for (const waiter of waiters) waiter.reject(new WorkerLost("the worker thread stopped"));
      };
      worker.on("error", fail);
      worker.on("exit", fail);
      this.worker = worker;
      return worker;
    } catch {
      // A thread that could not start (out of file descriptors at that moment, say) counts as one lost.
      this.lost();
      return null;
    }
  }

  private lost() {
    this.lostInARow++;
    if (this.options.replaceLost === false || this.lostInARow >= MAX_LOST_IN_A_ROW) this.brokenFor = true;
  }
}
