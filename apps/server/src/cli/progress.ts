import cliProgress from "cli-progress";

export type Progress = {
  update(done: number, total: number, step?: string): void;
  stop(): void;
};

const SILENT: Progress = { update() {}, stop() {} };

/**
 * A bar on stderr, so that stdout stays the command's clean output. Only for
 * a person watching a terminal: piped or redirected, stderr gets no escape
 * sequences and no redraws to fill a log with.
 */
export function progressBar(label: string, interactive: boolean): Progress {
  if (!interactive) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {step}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, step = "") {
      if (!started) {
        bar.start(total, done, { step });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, { step });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
