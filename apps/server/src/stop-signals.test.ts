import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "./logger.ts";
import { stopOnSignals } from "./stop-signals.ts";

function signalled() {
  const target = new EventEmitter();
  const logger = createLogger("silent");
  const errors = vi.spyOn(logger, "error");
  const shutdown = vi.fn();
  const exit = vi.fn();
  let unwritten = 0;
  stopOnSignals(target, { shutdown, unwritten: () => unwritten, logger, exit });
  return { target, errors, shutdown, exit, setUnwritten: (n: number) => (unwritten = n) };
}

describe("stop signals", () => {
  it("start one shutdown; a second signal while it runs exits at once, saying what was not written", () => {
    const s = signalled();
    s.target.emit("SIGTERM");
    expect(s.shutdown).toHaveBeenCalledWith("SIGTERM");
    expect(s.exit).not.toHaveBeenCalled();
    s.setUnwritten(12);
    s.target.emit("SIGINT");
    expect(s.shutdown).toHaveBeenCalledTimes(1);
    expect(s.exit).toHaveBeenCalledWith(1);
    expect(s.errors).toHaveBeenCalledWith({ signal: "SIGINT", unwrittenUpdates: 12 }, "SIGINT again: exiting now, with 12 accepted updates not written");
  });

  it("exit at the second signal even when nothing is left to write", () => {
    const s = signalled();
    s.target.emit("SIGINT");
    s.target.emit("SIGINT");
    expect(s.exit).toHaveBeenCalledWith(1);
    expect(s.errors).toHaveBeenCalledWith({ signal: "SIGINT", unwrittenUpdates: 0 }, "SIGINT again: exiting now");
  });
});
