import { groupRoom } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../logger.ts";
import { LiveDocument } from "../document/document.ts";
import { ShuttingDown } from "../shutdown.ts";
import { Hiding } from "./hiding.ts";
import type { DocContext } from "./projection.ts";

const articleId = "00000000-0000-4000-a000-000000000001";
const context: DocContext = { docName: groupRoom(articleId), articleId, groupId: "g", visibility: "group", revision: 1 };

/** A mover whose document loads wait until the test answers them, and whose error log is watched. */
function mover() {
  const logger = createLogger("silent");
  const errors = vi.spyOn(logger, "error");
  const loads: Array<{ resolve: (live: LiveDocument) => void; reject: (err: Error) => void }> = [];
  const acquire = vi.fn(() => new Promise<LiveDocument>((resolve, reject) => loads.push({ resolve, reject })));
  const hiding = new Hiding({ acquire, release: () => {}, together: (fn) => fn() }, logger);
  return { hiding, acquire, loads, errors };
}

describe("the hidden-annotation mover shutting down", () => {
  it("waits for the moves under way, and starts none after it stopped, not even those queued before", async () => {
    const { hiding, acquire, loads, errors } = mover();
    hiding.after(context, new Set(["a"]), Promise.resolve());
    await vi.waitFor(() => expect(acquire).toHaveBeenCalledTimes(1));
    let queuedDurable!: () => void;
    hiding.after(context, new Set(["b"]), new Promise<void>((resolve) => (queuedDurable = resolve)));

    let stopped = false;
    const stopping = hiding.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    // The move under way finds nothing to move and ends; the one queued behind it never loads a document.
    loads[0]!.resolve(new LiveDocument(context, { persist: () => Promise.resolve() }));
    queuedDurable();
    hiding.after(context, new Set(["c"]), Promise.resolve());
    await stopping;
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it("says nothing of a move refused because the hub is shutting down, nor of one that failed once stopped", async () => {
    const { hiding, loads, errors } = mover();
    hiding.after(context, new Set(["a"]), Promise.resolve());
    await vi.waitFor(() => expect(loads).toHaveLength(1));
    loads[0]!.reject(new ShuttingDown());
    await hiding.stop();
    expect(errors).not.toHaveBeenCalled();

    const second = mover();
    second.hiding.after(context, new Set(["a"]), Promise.resolve());
    await vi.waitFor(() => expect(second.loads).toHaveLength(1));
    const stopping = second.hiding.stop();
    // The database closed under a load begun before the stop.
    second.loads[0]!.reject(Object.assign(new Error("write CONNECTION_ENDED"), { code: "CONNECTION_ENDED" }));
    await stopping;
    expect(second.errors).not.toHaveBeenCalled();
  });

  it("still logs a move that fails while the server runs", async () => {
    const { hiding, loads, errors } = mover();
    hiding.after(context, new Set(["a"]), Promise.resolve());
    await vi.waitFor(() => expect(loads).toHaveLength(1));
    loads[0]!.reject(new Error("no such document"));
    await hiding.settled(articleId);
    await vi.waitFor(() => expect(errors).toHaveBeenCalledTimes(1));
  });
});
