import { parseVoteKey, type votesOf } from "@marginalia/schema";

type Counts = { agree: number; disagree: number };

/**
 * A live document's vote counts per annotation, kept up to date as votes
 * change. Every commit needs the counts of the annotations it touched
 * (persist.ts, the projection); counting them by a pass over all the votes
 * cost each commit time in proportion to the whole document, on the event
 * loop.
 */
export class VoteTally {
  private readonly counts = new Map<string, Counts>();

  constructor(votes: ReturnType<typeof votesOf>) {
    // Loading is a change like any other: the tally builds itself from the loaded votes too.
    votes.observe((event) => {
      for (const [key, change] of event.changes.keys) {
        const annotationId = parseVoteKey(key)?.annotationId;
        if (annotationId === undefined) continue;
        if (change.action !== "add") this.count(annotationId, change.oldValue, -1);
        if (change.action !== "delete") this.count(annotationId, votes.get(key), 1);
      }
    });
  }

  countsFor(annotationIds: ReadonlySet<string>): Map<string, Counts> {
    const result = new Map<string, Counts>();
    for (const id of annotationIds) result.set(id, { ...(this.counts.get(id) ?? NONE) });
    return result;
  }

  private count(annotationId: string, value: unknown, by: 1 | -1) {
    if (value !== "agree" && value !== "disagree") return;
    const counts = this.counts.get(annotationId) ?? { agree: 0, disagree: 0 };
    counts[value] += by;
    if (counts.agree === 0 && counts.disagree === 0) this.counts.delete(annotationId);
    else this.counts.set(annotationId, counts);
  }
}

const NONE: Counts = { agree: 0, disagree: 0 };
