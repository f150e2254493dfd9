import { type Anchor, CodePointIndex, type ResolveOptions, type TextTarget, resolveTarget } from "@marginalia/schema";
import { EditMap } from "./edit-map.ts";

/**
 * One slice of a revision's re-anchoring; `key` names the new text, indexed on its first slice. `before`:
 * the revision it replaces, when its text is at hand, for an edit map (edit-map.ts). The texts come with a
 * revision's first slice only (pool.ts): a slice without them is resolved on what the key's first one left.
 */
export type SliceJob = { key: string; text?: string; oldLength: number; targets: TextTarget[]; before?: { revision: number; text: string } };

/** What a slice without texts gets when its revision's were let go meanwhile: the pool sends them again. */
export const TEXT_NOT_KEPT = "the revision's text is not kept";

type Edits = { revision: number; old: CodePointIndex; map: EditMap };
type Indexed = { index: CodePointIndex; edits: Edits | null };

/**
 * The texts being re-anchored on, indexed once each (resolve.ts keeps its slice index per
 * CodePointIndex); two at most, so that a revision that follows another quickly does not
 * rebuild the first's index between slices.
 */
const texts = new Map<string, Indexed>();

export function resolveSlice(job: SliceJob): Anchor[] {
  let indexed = texts.get(job.key);
  if (!indexed) {
    const { before } = job;
    if (job.text === undefined) throw new Error(TEXT_NOT_KEPT);
    const edits = before ? { revision: before.revision, old: new CodePointIndex(before.text), map: new EditMap(before.text, job.text) } : null;
    indexed = { index: new CodePointIndex(job.text), edits };
    texts.set(job.key, indexed);
    for (const old of texts.keys()) if (texts.size > 2 && old !== job.key) texts.delete(old);
  }
  const { index, edits } = indexed;
  return job.targets.map((target) => resolveTarget(index, target, { oldLength: job.oldLength, edits: editsOf(edits, target) }));
}

/**
 * How far outside its old place, in UTF-16 units, a placement may still reach into kept words and be the same
 * passage: a fuzzy match of an edited quote can take in a letter or a word of its old context.
 */
const ELSEWHERE_SLACK = 16;

/** What the edit map tells of a target, if it was made on the text the map starts from (an older one's places are not that text's). */
function editsOf(edits: Edits | null, target: TextTarget): ResolveOptions["edits"] {
  if (!edits || target.revision !== edits.revision || target.end > edits.old.length) return undefined;
  const start = edits.old.toUtf16(target.start);
  const end = edits.old.toUtf16(target.end);
  return {
    carried: edits.map.carry(start, end),
    moved: edits.map.place(start),
    followed: () => edits.map.follow(start, end, target.exact),
    elsewhere: (from, to) => edits.map.keptFromElsewhere(from, to, start - ELSEWHERE_SLACK, end + ELSEWHERE_SLACK),
  };
}

/** The revision is done: its index can go. */
export function forget(key: string): void {
  texts.delete(key);
}
