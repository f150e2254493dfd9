/** One reader coming to the article or leaving it, as the presence announcer collects them. */
export type PresenceChange = { userId: string; name: string; here: boolean };

const list = (names: string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

/**
 * What a burst of comings and goings adds up to, in one sentence. A reader whose connection dropped and
 * came back within the burst did not come or go, so is left out; the rest are told by their last change.
 */
export function describePresence(batch: readonly PresenceChange[]): string {
  const first = new Map<string, PresenceChange>();
  const last = new Map<string, PresenceChange>();
  for (const change of batch) {
    if (!first.has(change.userId)) first.set(change.userId, change);
    last.set(change.userId, change);
  }
  const came: string[] = [];
  const went: string[] = [];
  for (const [userId, change] of last) {
    // A first change opposite to the last means the reader ended where they began.
    if (first.get(userId)?.here !== change.here) continue;
    (change.here ? came : went).push(change.name);
  }
  if (!went.length) return came.length ? `${list(came)} opened this article.` : "";
  return came.length ? `${list(came)} opened this article; ${list(went)} left it.` : `${list(went)} left this article.`;
}
