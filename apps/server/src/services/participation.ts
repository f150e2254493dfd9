import { and, eq } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import { participation } from "@marginalia/schema";
import { memberIds, memberships } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { CSV_OPTIONS, neutralizeFormula } from "../export/csv.ts";
import type { SyncHub } from "../sync/hub.ts";
import { nameBook } from "./identities.ts";
import { type SessionArticle, type Viewer, personFor, readGroupDocument } from "./summary.ts";

/**
 * GET /api/articles/:id/participation: each member's part in the article's
 * session, for owners and moderators (the route checks the role). Members
 * who did nothing get a row of zeros, which is what a seminar view is for.
 */
export async function sessionParticipation(db: Db, hub: SyncHub, article: SessionArticle, viewer: Viewer) {
  // By member id, as the document names them.
  const members = await db
    .select({ userId: memberIds.memberId, role: memberships.role })
    .from(memberships)
    .innerJoin(memberIds, and(eq(memberIds.groupId, memberships.groupId), eq(memberIds.userId, memberships.userId)))
    .where(eq(memberships.groupId, article.groupId));
  const { title, result } = await readGroupDocument(db, hub, article, (live, index, annotations) => ({
    textLength: index.length,
    rows: participation(live.doc, index.length, members.map((m) => m.userId), annotations),
  }));
  const roles = new Map(members.map((m) => [m.userId, m.role]));
  const person = personFor(await nameBook(db, article.groupId, viewer));
  const people = result.rows.map(({ userId, ...rest }) => ({ user: person(userId), role: roles.get(userId) ?? null, ...rest }));
  const byName = (x: (typeof people)[number], y: (typeof people)[number]) =>
    Number(y.member) - Number(x.member) || (x.user.name ?? "").localeCompare(y.user.name ?? "") || x.user.id.localeCompare(y.user.id);
  return { articleId: article.id, title, revision: article.currentRevision, textLength: result.textLength, members: people.sort(byName) };
}

type ParticipationView = Awaited<ReturnType<typeof sessionParticipation>>;
type Row = ParticipationView["members"][number];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const COLUMNS: [header: string, read: (r: Row) => string | number | null][] = [
  ["name", (r) => r.user.name],
  ["member_id", (r) => r.user.id],
  ["role", (r) => r.role],
  ["highlights", (r) => r.annotations.highlight],
  ["comments", (r) => r.annotations.comment],
  ["factchecks", (r) => r.annotations.factcheck],
  ["annotations", (r) => r.annotations.total],
  ["replies", (r) => r.replies],
  ["votes_agree_received", (r) => r.votesReceived.agree],
  ["votes_disagree_received", (r) => r.votesReceived.disagree],
  ["covered_code_points", (r) => r.covered],
  ["coverage", (r) => Number(r.coverage.toFixed(4))],
  ["first_active", (r) => iso(r.firstActiveAt)],
  ["last_active", (r) => iso(r.lastActiveAt)],
  ["active_days", (r) => r.activeDays.length],
  ["active_hours", (r) => r.activeHours],
  ["active_dates", (r) => r.activeDays.join(";")],
];

/**
 * The same rows as a spreadsheet, written like the annotation export
 * (export/csv.ts): RFC 4180 with a byte-order mark, and every text cell
 * guarded against formula injection, names above all, which members choose.
 */
export function participationCsv(view: ParticipationView): string {
  const rows = view.members.map((r) =>
    COLUMNS.map(([, read]) => {
      const value = read(r);
      if (value === null) return "";
      return typeof value === "number" ? value : neutralizeFormula(value);
    }),
  );
  return stringify([COLUMNS.map(([header]) => header), ...rows], CSV_OPTIONS);
}
