import { assignmentProgress } from "@marginalia/schema";
import type { Member } from "../../api/groups.ts";
import { fullTime } from "../../lib/time.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { authorName } from "./AnnotationHeader.tsx";

type Props = { root: Item; replies: readonly Item[]; members: Map<string, Member>; me: string };

/**
 * Who was asked to answer, by when, and how far they are. Only
 * replies in the group document count: a private or pending answer is not
 * yet the group's, which is also what the server counts.
 */
export function AssignmentBadge({ root, replies, members, me }: Props) {
  if (root.assignees.length === 0) return null;
  const progress = assignmentProgress(root, replies.filter((r) => r.source === "group"));
  const overdue = root.dueAt !== null && root.dueAt < Date.now() && !progress.done;
  return (
    <div className={`assignment${progress.done ? " done" : ""}`} role="group" aria-label="Assignment">
      <span className="assignment-progress">{progress.done ? "Done" : `${progress.answered} of ${progress.assignees.length} answered`}</span>
      {root.dueAt !== null && (
        <span className={overdue ? "due overdue" : "due"}>
          {overdue ? "Overdue: " : "Due "}
          <time dateTime={new Date(root.dueAt).toISOString()}>{fullTime(root.dueAt)}</time>
        </span>
      )}
      <ul className="assignees" aria-label="Assignees">
        {progress.assignees.map(({ userId, answeredAt }) => (
          <li key={userId} className={answeredAt === null ? undefined : "answered"}>
            {userId === me ? "You" : authorName(members, userId)}
            <span className="visually-hidden">{answeredAt === null ? ", not answered yet" : ", answered"}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
