import { roleAtLeast } from "@marginalia/schema";
import type { Db } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import { type AccessEvent, type AccessVerdict, type Grant, verdictFor } from "./access.ts";
import { currentAccess, groupMembersOf } from "./access-check.ts";
import { membershipOf } from "../../access/membership.ts";
import type { Connection } from "../connection/connection.ts";
import type { LiveDocument } from "../document/document.ts";

/** Closes a connection, or gives it its new role or moderation mode (access.ts). */
function enforce(connection: Connection, verdict: AccessVerdict) {
  if (verdict.effect === "close") connection.close(verdict.code, verdict.reason);
  else if (verdict.effect === "actor") connection.updateActor(verdict.change);
}

/** How long an access event is kept for sockets still being admitted when it happened. */
const RECENT_ACCESS_MS = 60_000;

/**
 * How often sockets are checked against the database while the relay is down: its events, which
 * carry access changes made on other processes, do not arrive then (docs/architecture.md, "More
 * than one process"). A member removed through another process kept writing here for 28 s.
 */
export const RELAY_DOWN_CHECK_MS = 2_000;

/**
 * What access handling needs of the hub: its loaded documents, a deleted article's documents gone,
 * whether the relay reaches the other processes, and what else a check brings up to date (the
 * articles' texts, article-text.ts).
 */
export type AccessHost = {
  loaded(): LiveDocument[];
  dropArticle(articleId: string): void;
  relayConnected(): boolean;
  refresh(): Promise<void>;
};

/**
 * The hub's open sockets kept to their rights (docs/architecture.md, "The
 * policy"): access events applied as they come, and every `checkMs` a check
 * of all of them against the database, for what no event announced.
 */
export class OpenAccess {
  /** What each open connection was admitted with, for access events (access.ts). */
  private readonly grants = new Map<Connection, Grant>();
  /**
   * Access events of the last minute, numbered: a socket admitted from a
   * database read that an event overtook gets that event when it opens.
   */
  private recentAccess: Array<{ seq: number; at: number; event: AccessEvent }> = [];
  private accessSeq = 0;
  private readonly accessTimer: NodeJS.Timeout;
  private checkingAccess = false;
  private checkAgain = false;
  private lastCheckAt = Date.now();
  /** Members being read again after an access event, by group and account; `again` once another came meanwhile. */
  private readonly rereading = new Map<string, { again: boolean }>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    checkMs: number,
    private readonly host: AccessHost,
  ) {
    const due = () => !host.relayConnected() || Date.now() - this.lastCheckAt >= checkMs;
    this.accessTimer = setInterval(() => void (due() && this.check()), Math.min(checkMs, RELAY_DOWN_CHECK_MS));
    this.accessTimer.unref();
  }

  /** The number of the last event seen; a socket's admission notes it before reading the database. */
  get seq(): number {
    return this.accessSeq;
  }

  /** An admitted connection, with the events that happened since its admission began (`seq` then). */
  opened(connection: Connection, grant: Grant, admittedAfter: number) {
    this.grants.set(connection, grant);
    for (const { seq, event } of this.recentAccess) if (seq > admittedAfter) enforce(connection, verdictFor(event, grant));
  }

  closed(connection: Connection) {
    this.grants.delete(connection);
  }

  /** An access event, made here or relayed; a member's role or removal is then read again (`reread`). */
  apply(event: AccessEvent) {
    this.take(event);
    if (event.kind === "role-changed" || event.kind === "member-removed") this.reread(event.groupId, event.userId);
  }

  /**
   * Role events carry the new role and no order: two changes of one member made through two processes a
   * moment apart may arrive here in either order, and the older one, applied last, stood until the next
   * check (docs/sync.md, "8. Close codes"). So each is followed by a read of the member as the database
   * holds them, taken as an event of its own. A burst of events for one member costs one read, and one
   * more for those that arrived while it was under way (it may have read before their commit).
   */
  private reread(groupId: string, userId: string) {
    const key = `${groupId}:${userId}`;
    const running = this.rereading.get(key);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.rereading.set(key, state);
    void (async () => {
      try {
        while (state.again) {
          state.again = false;
          const member = await membershipOf(this.db, groupId, userId);
          if (state.again) continue;
          // No member now: their sockets were closed by the removal, whichever event came last.
          if (member) this.take({ kind: "role-changed", groupId, userId, memberId: member.memberId, role: member.role });
        }
      } catch (err) {
        this.logger.warn({ err }, "reading a member's role after an access event failed; the next check brings it up to date");
      } finally {
        this.rereading.delete(key);
      }
    })();
  }

  private take(event: AccessEvent) {
    // Rare (a membership, session or article changed), and worth a line when tracing why a socket closed.
    this.logger.info({ access: event.kind }, "access changed");
    const now = Date.now();
    this.recentAccess = this.recentAccess.filter((e) => now - e.at < RECENT_ACCESS_MS);
    this.recentAccess.push({ seq: ++this.accessSeq, at: now, event });
    for (const [connection, grant] of [...this.grants]) enforce(connection, verdictFor(event, grant));
    if (event.kind === "article-deleted") this.host.dropArticle(event.articleId);
    // Documents of the group hold who may answer by the old ids: read afresh.
    if (event.kind === "members-renamed") void this.check();
    if (event.kind === "role-changed" || event.kind === "member-removed") {
      const answers = event.kind === "role-changed" && roleAtLeast(event.role, "annotator");
      for (const live of this.host.loaded()) {
        if (live.context.groupId !== event.groupId) continue;
        const memberId = event.kind === "role-changed" ? event.memberId : live.members.memberOf(event.userId);
        if (!memberId) continue;
        if (event.kind === "role-changed") live.members.add(event.userId, memberId);
        if (answers) live.answerers.add(memberId);
        else live.answerers.delete(memberId);
      }
    }
  }

  /** Brings every open socket up to date with the database (access-check.ts). */
  async check() {
    // One asked for meanwhile (the relay reconnecting) runs after: this one may have read before what it is for.
    if (this.checkingAccess) this.checkAgain = true;
    if (this.checkingAccess || this.grants.size === 0) return;
    this.checkingAccess = true;
    this.lastCheckAt = Date.now();
    try {
      const before = this.accessSeq;
      const loaded = this.host.loaded();
      const [verdicts, members] = await Promise.all([
        currentAccess(this.db, [...this.grants.values()]),
        groupMembersOf(this.db, [...new Set(loaded.map((live) => live.context.groupId))]),
        this.host.refresh(),
      ]);
      // An event that arrived meanwhile may be newer than what was read, for whatever it touched: those sockets and
      // groups wait for the next check. The rest are brought up to date now, so that a stream of events about others
      // (anyone can make some, by minting and revoking tokens) cannot keep a revoked socket open.
      const meanwhile = this.eventsSince(before);
      if (meanwhile === null) return;
      for (const live of loaded) {
        const current = members.get(live.context.groupId);
        if (!current || meanwhile.some((event) => touchesMembers(event, live.context.groupId))) continue;
        live.answerers.clear();
        for (const id of current.answerers) live.answerers.add(id);
        live.members.addAll(current.ids);
      }
      for (const [connection, grant] of [...this.grants]) {
        const verdict = verdicts.get(grant);
        if (verdict && meanwhile.every((event) => verdictFor(event, grant).effect === "none")) enforce(connection, verdict);
      }
    } catch (err) {
      this.logger.warn({ err }, "checking open sockets' access failed; trying again later");
    } finally {
      this.checkingAccess = false;
      if (this.checkAgain) {
        this.checkAgain = false;
        void this.check();
      }
    }
  }

  /** The events numbered after `seq`, or null when some of them are no longer kept. */
  private eventsSince(seq: number): AccessEvent[] | null {
    const after = this.recentAccess.filter((e) => e.seq > seq);
    if (after.length !== this.accessSeq - seq) return null;
    return after.map((e) => e.event);
  }

  stop() {
    clearInterval(this.accessTimer);
  }
}

/** Whether an event changes who a group's members are, or what they may do. */
function touchesMembers(event: AccessEvent, groupId: string): boolean {
  return (event.kind === "member-removed" || event.kind === "role-changed" || event.kind === "members-renamed") && event.groupId === groupId;
}
