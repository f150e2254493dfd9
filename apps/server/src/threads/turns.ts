/**
 * At most `parallel` pieces of work at once; the rest wait their turn, in
 * order. For work on threads of its own (PDF and text imports), so that a
 * burst of it cannot take every core.
 */
export class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly parallel: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.parallel) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
