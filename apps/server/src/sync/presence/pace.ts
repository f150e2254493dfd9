/**
 * At most one go per window: what comes with no window open goes at once and
 * opens one; what comes while it is open waits for its end, when `go` sends it
 * (true) and opens the next, or finds nothing waiting (false) and lets it close.
 */
export class Pace {
  private window: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly windowMs: number,
    private readonly go: () => boolean,
  ) {}

  /** Whether what just came goes now; when not, the caller keeps it for `go`. */
  now(): boolean {
    if (this.window) return false;
    this.open();
    return true;
  }

  /** For good: a `go` that stopped it (its socket closed) opens no further window. */
  stop() {
    this.stopped = true;
    if (this.window) clearTimeout(this.window);
    this.window = null;
  }

  private open() {
    if (this.stopped) return;
    this.window = setTimeout(() => {
      this.window = null;
      if (this.go()) this.open();
    }, this.windowMs);
    this.window.unref();
  }
}
