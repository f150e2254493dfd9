/**
 * Conditional writes to one annotation, one at a time on this process.
 *
 * A W3C PUT or DELETE checks If-Match against what it reads, then writes
 * (routes.ts). Run side by side, three PUTs carrying the same ETag all
 * passed the check before any wrote, and the last silently replaced the
 * others: the lost update If-Match exists to prevent. In turns, the second
 * reads what the first wrote and gets 412. Writes through another process
 * are not ordered with these; a conditional write racing one there can
 * still both land (docs/w3c.md, "Conditional requests").
 */
export class EditTurns {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => {});
    this.tails.set(key, tail);
    // The last in line clears its key, so that the map holds only annotations being written.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }
}
