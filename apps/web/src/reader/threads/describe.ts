import type { Member } from "../../api/groups.ts";
import { KIND_LABELS, VERDICT_LABELS } from "../highlights/highlight-style.ts";
import { authorName } from "./AnnotationHeader.tsx";
import type { Thread } from "./threads.ts";

/** The start of a quote, long enough to recognise and short enough to listen to. */
export const quoteStart = (text: string, words = 12) => {
  const all = text.trim().split(/\s+/);
  return all.length > words ? `${all.slice(0, words).join(" ")}…` : all.join(" ");
};

/** A thread in one sentence for the live region: "Fact-check, verdict False, by Bob: <start of the quote>". */
export function describeThread(thread: Thread, members: Map<string, Member>): string {
  const { root, replies } = thread;
  const verdict = root.factcheck ? `, verdict ${VERDICT_LABELS[root.factcheck.verdict]}` : "";
  const answers = replies.length ? `, ${replies.length} ${replies.length === 1 ? "reply" : "replies"}` : "";
  return `${KIND_LABELS[root.kind]}${verdict}, by ${authorName(members, root.authorId)}${answers}: ${quoteStart(root.target?.exact ?? "")}`;
}
