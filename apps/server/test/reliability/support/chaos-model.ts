// The model behind the convergence property (convergence.test.ts): what each
// honest client may do, as fast-check arbitraries, and how a step is applied
// to that client's document the way the web app would.
import fc from "fast-check";
import type * as Y from "yjs";
import {
  type AnnotationStatus,
  type AnnotationValue,
  annotationsOf,
  createAnnotation,
  deleteAnnotation,
  notesOf,
  readAnnotation,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import type { SyncClient } from "../../support/sync-client.ts";

/** Client 0 is the group's owner; the others are annotators. */
export const CLIENTS = 8;

type Kind = "comment" | "highlight" | "factcheck";
export type Step =
  | { op: "create"; c: number; kind: Kind; body: string; tags: string[]; choice: number; target: boolean }
  | { op: "reply"; c: number; pick: number; body: string }
  | { op: "edit"; c: number; pick: number; at: number; del: number; text: string }
  | { op: "tags"; c: number; pick: number; tags: string[] }
  | { op: "status"; c: number; pick: number; choice: number }
  | { op: "resolve"; c: number; pick: number; resolved: boolean }
  | { op: "publish"; pick: number }
  | { op: "delete"; c: number; pick: number }
  | { op: "vote"; c: number; pick: number; value: "agree" | "disagree" | null }
  | { op: "notes"; c: number; at: number; del: number; text: string }
  | { op: "offline"; c: number }
  | { op: "online"; c: number }
  | { op: "wait"; ms: number };
export type Scenario = { steps: Step[]; restartAt: number | null };

// Text with astral characters and a combining mark, edited at code-point boundaries only, as a UI would.
const text = fc.string({ unit: fc.constantFrom("a", "b", "z", " ", "é", "e\u0301", "😀", "—", "\n"), maxLength: 12 });
const client = fc.integer({ min: 0, max: CLIENTS - 1 });
const pick = fc.nat({ max: 1_000 });
const tags = fc.uniqueArray(fc.constantFrom("source?", "context", "urgent", "typo", "ok", "ünïcode"), { maxLength: 4 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("create" as const), c: client, kind: fc.constantFrom<Kind>("comment", "highlight", "factcheck"), body: text, tags, choice: fc.nat(9), target: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("reply" as const), c: client, pick, body: text }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("edit" as const), c: client, pick, at: fc.nat(40), del: fc.nat(4), text }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tags" as const), c: client, pick, tags }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("status" as const), c: client, pick, choice: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("resolve" as const), c: client, pick, resolved: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("publish" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), c: client, pick }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vote" as const), c: client, pick, value: fc.constantFrom("agree" as const, "disagree" as const, null) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("notes" as const), c: client, at: fc.nat(60), del: fc.nat(3), text }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("offline" as const), c: client }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("online" as const), c: client }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 25 }) }) },
);
export const scenario: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(step, { minLength: 10, maxLength: 30 }),
  // About one run in eight restarts the server somewhere along the way.
  restartAt: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
});

/** The statuses an honest UI offers this client for this annotation (docs/sync.md, "What you may write"). */
function statusesFor(c: number, a: AnnotationValue, userIds: string[]): AnnotationStatus[] {
  const own = a.authorId === userIds[c];
  if (c === 0) {
    // A moderator authors their own work freely and may hide it; on others' work a moderator's status
    // change is a moderation step (packages/schema/src/policy). Publishing someone else's fact-check
    // would lock it under its author's feet, and hiding someone's work takes its status out of their
    // hands: an author's status change racing either is a refusal by design, not a fault, so this run
    // leaves both out.
    // What is hidden comes back only by an unhide (published), its own work included.
    if (own) return a.status === "hidden" ? ["hidden", "published"] : ["draft", "pending", "published", "hidden"];
    // Nothing else: writing back the status it shows is no no-op when that view is stale (the author
    // moved it meanwhile), and a moderator's change that is not a step is refused.
    return a.kind !== "factcheck" && (a.status === "draft" || a.status === "pending") ? ["published"] : [];
  }
  return a.kind === "factcheck" ? ["draft", "pending"] : ["draft", "published"];
}

/** Splices plain text at code-point positions, as Y.Text operations on UTF-16 offsets. */
function spliceText(ytext: Y.Text, at: number, del: number, insert: string) {
  const points = Array.from(ytext.toString());
  const start = Math.min(at, points.length);
  const end = Math.min(start + del, points.length);
  const offset = points.slice(0, start).join("").length;
  const length = points.slice(start, end).join("").length;
  if (length) ytext.delete(offset, length);
  if (insert) ytext.insert(offset, insert);
}

export type Run = {
  clients: SyncClient[];
  /** The user behind each client; client 0 is the group's owner. */
  userIds: string[];
  online: boolean[];
  applied: Record<string, number>;
};

function choose<T>(items: T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

export function apply(run: Run, s: Step) {
  if (s.op === "wait" || s.op === "offline" || s.op === "online") return false;
  const c = s.op === "publish" ? 0 : s.c;
  const doc = run.clients[c]!.doc;
  const me = run.userIds[c]!;
  const all = [...annotationsOf(doc).values()].map(readAnnotation).sort((a, b) => a.id.localeCompare(b.id));
  const mine = all.filter((a) => a.authorId === me);
  const target = (list: AnnotationValue[], n: number) => choose(list, n);
  switch (s.op) {
    case "create": {
      const statuses: AnnotationStatus[] = c === 0 ? ["draft", "published"] : s.kind === "factcheck" ? ["draft", "pending"] : ["draft", "published"];
      createAnnotation(doc, {
        kind: s.kind,
        authorId: me,
        body: s.body,
        tags: s.tags,
        status: choose(statuses, s.choice)!,
        // The article opens "Convergence run N" (convergence.test.ts): the server refuses a target that is not its text.
        target: s.target ? { revision: 1, exact: "Convergence", prefix: "", suffix: "", start: 0, end: 11 } : null,
        factcheck: s.kind === "factcheck" ? { claim: s.body || "a claim", verdict: "mixed", sources: [] } : null,
      });
      return true;
    }
    case "reply": {
      // Threads are one level deep: a reply answers a thread's first annotation.
      const parent = target(all.filter((a) => !a.parentId), s.pick);
      if (!parent) return false;
      createAnnotation(doc, { kind: "comment", authorId: me, body: s.body, parentId: parent.id });
      return true;
    }
    case "edit": {
      const a = target(mine, s.pick);
      if (!a) return false;
      doc.transact(() => {
        const map = annotationsOf(doc).get(a.id)!;
        spliceText(map.get("body") as Y.Text, s.at, s.del, s.text);
        map.set("updatedAt", Date.now());
      });
      return true;
    }
    case "tags": {
      const a = target(mine, s.pick);
      return a ? updateAnnotation(doc, a.id, { tags: s.tags }) : false;
    }
    case "status": {
      const a = target(c === 0 ? all : mine, s.pick);
      const status = a && choose(statusesFor(c, a, run.userIds), s.choice);
      return a && status ? updateAnnotation(doc, a.id, { status }) : false;
    }
    case "resolve": {
      const a = target(c === 0 ? all : mine, s.pick);
      return a ? updateAnnotation(doc, a.id, { resolved: s.resolved }) : false;
    }
    case "publish": {
      const a = target(all.filter((x) => x.authorId !== me && x.kind !== "factcheck" && (x.status === "draft" || x.status === "pending")), s.pick);
      return a ? updateAnnotation(doc, a.id, { status: "published" }) : false;
    }
    case "delete": {
      const a = target(mine, s.pick);
      return a ? deleteAnnotation(doc, a.id) : false;
    }
    case "vote": {
      const a = target(all, s.pick);
      if (!a) return false;
      setVote(doc, a.id, me, s.value);
      return true;
    }
    case "notes": {
      doc.transact(() => spliceText(notesOf(doc), s.at, s.del, s.text));
      return true;
    }
  }
}
