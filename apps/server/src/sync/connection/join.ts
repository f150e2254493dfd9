import { type Subject, SYNC_CLOSE_CODES, type TextTarget, groupRoom } from "@marginalia/schema";
import type { Db } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import { type AdmissionRequest, admit } from "../authorize/admit.ts";
import { statusOf } from "../validate/annotation-change.ts";
import type { Connection } from "./connection.ts";
import type { LiveDocument } from "../document/document.ts";
import type { OpenAccess } from "../authorize/open-access.ts";
import type { DocContext } from "../persist/projection.ts";
import { release } from "../document/tally.ts";
import { articleTexts } from "../authorize/article-text.ts";
import { classifyCommitError } from "../persist/commit-errors.ts";
import { CLOSE_CODES } from "../../errors.ts";
import { ShuttingDown } from "../shutdown.ts";

/** What joining a socket to its document needs of the hub. */
export type JoinHost = {
  db: Db;
  publicOrigin: string;
  logger: Logger;
  maxConnectionsPerUser: number;
  /** Open sockets per account. */
  perUser: Map<string, number>;
  openAccess: OpenAccess;
  acquire(context: DocContext): Promise<LiveDocument>;
  release(live: LiveDocument): void;
  /** The document of that name if it is loaded here and live. */
  liveDocument(name: string): LiveDocument | null;
  /** A socket here wrote a target on a revision before `current`: it is to be moved onto it. */
  olderTargetTaken(articleId: string, current: number): void;
};

/** Admits a new socket, loads its document and opens the connection on it (hub.connect). */
export async function join(hub: JoinHost, connection: Connection, request: AdmissionRequest) {
  const admittedAfter = hub.openAccess.seq;
  // What this join holds until the connection takes it over (its onClose gives it back): a failed load
  // must give it back itself, or each failure kept one of the account's slots, or a document, for good.
  let counted: string | null = null;
  let held: LiveDocument | null = null;
  try {
    const admission = await admit(hub.db, hub.publicOrigin, request);
    if (!admission.ok) return connection.close(admission.code, admission.reason);
    // Per account, not per member id: a cap that each group's id escaped would be no cap.
    const userId = admission.grant.userId;
    if ((hub.perUser.get(userId) ?? 0) >= hub.maxConnectionsPerUser) {
      return connection.close(SYNC_CLOSE_CODES.tooManyConnections, "too many open connections");
    }
    hub.perUser.set(userId, (hub.perUser.get(userId) ?? 0) + 1);
    counted = userId;
    const [acquired, text] = await Promise.allSettled([hub.acquire(admission.context), articleTexts.load(hub.db, admission.context.articleId)]);
    if (acquired.status === "fulfilled") held = acquired.value;
    if (acquired.status === "rejected") throw acquired.reason;
    if (text.status === "rejected") throw text.reason;
    const live = acquired.value;
    if (connection.phase !== "admitting") return;
    connection.onClose(() => {
      hub.openAccess.closed(connection);
      release(hub.perUser, userId);
      hub.release(live);
    });
    counted = held = null;
    hub.openAccess.opened(connection, admission.grant, admittedAfter);
    live.members.add(userId, admission.actor.userId);
    const { articleId } = admission.context;
    const actor = { ...admission.actor, inGroup: (id: string) => inGroupDocument(hub, admission.context, id) };
    const targetProblem = (target: TextTarget) => {
      const problem = articleTexts.problem(hub.db, hub.logger, articleId, target, userId);
      const current = articleTexts.currentRevision(articleId);
      // Work written on an earlier revision (made offline) is taken, then moved onto the current one.
      if (problem === null && current !== null && target.revision < current) hub.olderTargetTaken(articleId, current);
      return problem;
    };
    connection.open(live, { ...actor, targetProblem }, admission.identity, userId);
  } catch (err) {
    // Admitted as the server began to shut down: closed like every other socket then (sync/shutdown.ts).
    if (err instanceof ShuttingDown) return connection.close(CLOSE_CODES.goingAway, "server shutting down");
    hub.logger.error({ err, room: request.room }, "could not open document");
    const unreachable = classifyCommitError(err) === "transient";
    connection.close(SYNC_CLOSE_CODES.internal, unreachable ? "the database cannot be reached; try again" : "could not load the document");
  } finally {
    if (held) hub.release(held);
    if (counted) release(hub.perUser, counted);
  }
}

/**
 * A group annotation as this process holds it, for a private document's reply to it: the web app keeps
 * both documents open, so the group's is loaded here whenever it matters; when it is not, nothing is known.
 */
function inGroupDocument(hub: JoinHost, context: DocContext, annotationId: string): Pick<Subject, "status" | "parentId"> | null {
  if (context.visibility !== "private") return null;
  const live = hub.liveDocument(groupRoom(context.articleId));
  return live ? statusOf(live.doc, annotationId) : null;
}
