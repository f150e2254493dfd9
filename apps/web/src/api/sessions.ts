import type { Participation, Role } from "@marginalia/schema";
import { api } from "./client.ts";

/** One row of GET /api/articles/:id/participation: the shared counts, named for the viewer (apps/server/src/services/participation.ts). */
export type ParticipationRow = Omit<Participation, "userId"> & { user: { id: string; name: string | null }; role: Role | null };

export type ParticipationView = { articleId: string; title: string; revision: number; textLength: number; members: ParticipationRow[] };

export const fetchParticipation = (articleId: string) => api<ParticipationView>("GET", `/api/articles/${articleId}/participation`);
export const participationCsvUrl = (articleId: string) => `/api/articles/${articleId}/participation?format=csv`;

/** GET /api/articles/:id/agreement (moderators): Krippendorff's ordinal alpha over passages (apps/server/src/services/agreement.ts). */
export type Agreement = {
  overall: { alpha: number | null; passages: number; reviewers: number };
  passages: Array<{ start: number; end: number; revision: number; reviewers: number; alpha: number | null; verdicts: Partial<Record<string, number>> }>;
};

export const fetchAgreement = (articleId: string) => api<Agreement>("GET", `/api/articles/${articleId}/agreement`);
