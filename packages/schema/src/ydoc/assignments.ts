import type { AnnotationStatus } from "../vocabulary/annotations.ts";

/**
 * The parts of an assigned annotation the rule reads. A live value
 * (`readAnnotation`) fits as it is; the server maps projected rows onto it,
 * so that the reader and `GET /api/me/assignments` can never disagree.
 */
export type AssignedAnnotation = {
  id: string;
  authorId: string;
  assignees: readonly string[];
  factcheck: { verdict: string } | null;
  createdAt: number;
};

/** The parts of a possible answer the rule reads: any annotation, of which only replies to the assigned one count. */
export type AnswerCandidate = {
  authorId: string;
  parentId: string | null;
  status: AnnotationStatus;
  body: string;
  factcheck: { verdict: string; sources: readonly unknown[] } | null;
  createdAt: number;
};

export type AssignmentProgress = {
  /** In assignment order; `answeredAt` is the time of the assignee's first answer, or null. */
  assignees: Array<{ userId: string; answeredAt: number | null }>;
  answered: number;
  /** Every assignee has answered; never true without assignees. */
  done: boolean;
};

/**
 * A web link in plain text: what makes a reply "sourced". The layout keeps
 * structured sources only inside a fact-check value, which always has a
 * verdict, so a reply that cites without judging cites in its text.
 */
const CITED_LINK = /\bhttps?:\/\/[^\s/$.?#][^\s]*/i;
export const citesSource = (body: string) => CITED_LINK.test(body);

/**
 * An answer is a published reply that carries a verdict (a `factcheck`
 * value: a verdict reply) or cites a source (a link in its body). Drafts,
 * pending submissions, hidden and rejected replies do not count: the group
 * has not seen them, so the thread is not yet answered for the group.
 */
export function isAnswer(reply: AnswerCandidate): boolean {
  return reply.status === "published" && (reply.factcheck !== null || citesSource(reply.body));
}

/**
 * The "done" rule of an assignment. Each assignee has answered once they authored
 * an answer (`isAnswer`) among the annotation's direct replies; the author of
 * a fact-check has answered by writing its verdict, if they assigned
 * themselves. The assignment is done when it has assignees and all of them
 * answered. Unassigning someone drops them from the count, answered or not.
 */
export function assignmentProgress(annotation: AssignedAnnotation, replies: Iterable<AnswerCandidate>): AssignmentProgress {
  const firstAnswer = new Map<string, number>();
  if (annotation.factcheck) firstAnswer.set(annotation.authorId, annotation.createdAt);
  for (const reply of replies) {
    if (reply.parentId !== annotation.id || !isAnswer(reply)) continue;
    const earlier = firstAnswer.get(reply.authorId);
    if (earlier === undefined || reply.createdAt < earlier) firstAnswer.set(reply.authorId, reply.createdAt);
  }
  const assignees = annotation.assignees.map((userId) => ({ userId, answeredAt: firstAnswer.get(userId) ?? null }));
  const answered = assignees.filter((a) => a.answeredAt !== null).length;
  return { assignees, answered, done: assignees.length > 0 && answered === assignees.length };
}
