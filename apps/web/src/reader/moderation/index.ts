/** The review queue: submissions, fact-checks awaiting publication and flagged annotations. */
export { ModerationQueue } from "./ModerationQueue.tsx";
