import { type Anchor, CodePointIndex, type TextTarget, resolveTarget } from "@marginalia/schema";

/** One slice of a revision's re-anchoring; `key` names the new text, indexed on its first slice. */
export type SliceJob = { key: string; text: string; oldLength: number; targets: TextTarget[] };

/**
 * The texts being re-anchored on, indexed once each (resolve.ts keeps its slice index per
 * CodePointIndex); two at most, so that a revision that follows another quickly does not
 * rebuild the first's index between slices.
 */
const texts = new Map<string, CodePointIndex>();

export function resolveSlice(job: SliceJob): Anchor[] {
  let index = texts.get(job.key);
  if (!index) {
    index = new CodePointIndex(job.text);
    texts.set(job.key, index);
    for (const old of texts.keys()) if (texts.size > 2 && old !== job.key) texts.delete(old);
  }
  return job.targets.map((target) => resolveTarget(index, target, { oldLength: job.oldLength }));
}

/** The revision is done: its index can go. */
export function forget(key: string): void {
  texts.delete(key);
}
