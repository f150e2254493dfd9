// A large article's history, made the way clients would make it: one Y.Doc,
// one transaction per change, each transaction's update kept as one log row.
//
// `annotations` creations come first, then edits until `updates` updates in
// all: body typing (appends), resolve toggles, tag and colour changes, and
// votes. Deterministic (seeded), so runs compare.
import * as Y from "yjs";
import { CodePointIndex, annotationsOf, buildTarget, createAnnotation, setVote } from "@marginalia/schema";

const WORDS =
  "claim source evidence context sanctions treaty drone oil export minister tehran moscow pipeline gas deal report analysts say according statement official".split(
    " ",
  );
const TAGS = ["energy", "military", "diplomacy", "economy", "needs-source", "disputed", "background", "quote"];
const COLORS = ["#ffd54f", "#81c784", "#64b5f6", "#e57373", "#ba68c8"];

export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export type ColdOptions = {
  annotations: number;
  updates: number;
  authorId: string;
  /** More voters, so that votes are not all one key. */
  voterIds: string[];
  articleText: string;
  revision: number;
  seed?: number;
};

/**
 * Builds the history, calling `onUpdate` with each update in order, and
 * returns the finished document (for the projection and for the peers' copy).
 */
export function buildHistory(
  opts: ColdOptions,
  onUpdate: (update: Uint8Array, tr: Y.Transaction) => void,
): { doc: Y.Doc; ids: string[] } {
  const random = rng(opts.seed ?? 7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const doc = new Y.Doc();
  doc.on("update", (u: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => onUpdate(u, tr));
  const ids: string[] = [];
  const text = opts.articleText;
  const create = Math.min(opts.annotations, opts.updates);
  for (let i = 0; i < create; i++) {
    const start = Math.floor(random() * Math.max(1, text.length - 120));
    const end = start + 20 + Math.floor(random() * 80);
    const roll = random();
    const kind = roll < 0.7 ? "comment" : roll < 0.9 ? "highlight" : "factcheck";
    const id = createAnnotation(doc, {
      kind,
      authorId: opts.authorId,
      // Code units, not code points, but close enough for load: the projection stores them as given.
      target: {
        revision: opts.revision,
        exact: text.slice(start, end),
        prefix: text.slice(Math.max(0, start - 32), start),
        suffix: text.slice(end, end + 32),
        start,
        end,
      },
      body: kind === "highlight" ? "" : `${words(6 + Math.floor(random() * 20))}.`,
      tags: random() < 0.5 ? [pick(TAGS)] : [],
      color: kind === "highlight" ? pick(COLORS) : null,
      factcheck:
        kind === "factcheck"
          ? { claim: words(8), verdict: pick(["true", "mixed", "misleading", "false", "unverifiable"] as const), sources: [] }
          : null,
      status: kind === "factcheck" ? "pending" : random() < 0.95 ? "published" : "draft",
    });
    ids.push(id);
  }
  editHistory(doc, ids, opts.updates - create, random, opts.voterIds);
  return { doc, ids };
}

/**
 * `count` edits to the annotations `ids` of `doc`, one transaction each: body
 * typing (appends), resolve toggles, tag and colour changes, and votes.
 */
export function editHistory(doc: Y.Doc, ids: readonly string[], count: number, random: () => number, voterIds: readonly string[]) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const maps = annotationsOf(doc);
  for (let u = 0; u < count; u++) {
    const id = ids[Math.floor(random() * ids.length)]!;
    const map = maps.get(id)!;
    const roll = random();
    if (roll < 0.55) {
      doc.transact(() => {
        const body = map.get("body") as Y.Text;
        body.insert(body.length, ` ${pick(WORDS)}`);
        map.set("updatedAt", Date.now());
      });
    } else if (roll < 0.7) {
      doc.transact(() => {
        map.set("resolved", !(map.get("resolved") as boolean));
        map.set("updatedAt", Date.now());
      });
    } else if (roll < 0.82) {
      doc.transact(() => map.set("tags", random() < 0.3 ? [] : [pick(TAGS), pick(TAGS)].filter((t, i, a) => a.indexOf(t) === i)));
    } else if (roll < 0.9) {
      doc.transact(() => map.set("color", pick(COLORS)));
    } else {
      setVote(doc, id, pick(voterIds), random() < 0.7 ? "agree" : "disagree");
    }
  }
}

/** A fresh annotation map payload for the memory scenario: `n` annotations in one update. */
export function annotationBatch(n: number, authorId: string, articleText: string, seed: number, revision = 1): Uint8Array {
  const doc = new Y.Doc();
  const random = rng(seed);
  const index = new CodePointIndex(articleText);
  // Word starts, so that a target never begins or ends inside a letter's marks, as the server requires.
  const starts = [...articleText.matchAll(/(?<=\s)[\p{L}\p{N}]/gu)].map((m) => index.toCodePoint(m.index));
  doc.transact(() => {
    for (let i = 0; i < n; i++) {
      const at = Math.floor(random() * Math.max(1, starts.length - 20));
      const start = starts[at]!;
      const end = starts[at + 3 + Math.floor(random() * 8)]! - 1;
      createAnnotation(doc, {
        kind: "comment",
        authorId,
        target: buildTarget(index, { start, end }, revision),
        body: Array.from({ length: 15 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" "),
        tags: random() < 0.5 ? [TAGS[Math.floor(random() * TAGS.length)]!] : [],
      });
    }
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
