import type * as Y from "yjs";
import {
  ANNOTATION_STATUSES,
  type AnnotationKind,
  type AnnotationStatus,
  type ModerationMode,
  type Role,
  createAnnotation,
  deleteAnnotation,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import * as ui from "../../../web/src/reader/permissions/permissions.ts";
import type { TestClient } from "../support/app.ts";

/**
 * The policy table's axes and actions, apart from the test that walks them (policy-table.test.ts): each
 * action says how the web app's helper answers it, how REST is asked, and what a client writes on a socket.
 */

export const ROLES = ["owner", "moderator", "annotator", "viewer"] as const satisfies readonly Role[];
export const MODES = ["open", "pre"] as const satisfies readonly ModerationMode[];
export const KINDS = ["comment", "factcheck"] as const satisfies readonly AnnotationKind[];
export const AUTHORS = ["own", "others"] as const;

export type Reader = ui.Reader;
export type Subject = { id: string; authorId: string; kind: AnnotationKind; status: AnnotationStatus; source: "group" };
export type Action = {
  name: string;
  ui(subject: Subject, reader: Reader): boolean;
  rest(client: TestClient, subject: Subject): Promise<number>;
  /**
   * A status step to the status the subject already has: REST and the app refuse it as a conflict, while
   * on a socket it writes the same value again, which changes nothing and is not compared.
   */
  noop?(subject: Subject): boolean;
  /** The change a client makes, and in which of its documents; none for what only REST offers. */
  socket?(docs: { group: Y.Doc; private: Y.Doc }, subject: Subject, reader: Reader): Y.Doc;
};

export const ACTIONS: Action[] = [
  {
    name: "edit the body",
    ui: (s, r) => ui.isVisible(s, r.role) && ui.canEdit(s, r),
    rest: async (c, s) => (await c.patch(`/api/annotations/${s.id}`, { body: "edited" })).status,
    socket: (d, s) => (updateAnnotation(d.group, s.id, { body: "edited" }), d.group),
  },
  {
    name: "delete",
    ui: (s, r) => ui.isVisible(s, r.role) && ui.canDelete(s, r),
    rest: async (c, s) => (await c.delete(`/api/annotations/${s.id}`)).status,
    socket: (d, s) => (deleteAnnotation(d.group, s.id), d.group),
  },
  {
    name: "resolve",
    ui: (s, r) => ui.isVisible(s, r.role) && ui.canResolve(s, r),
    rest: async (c, s) => (await c.post(`/api/annotations/${s.id}/resolve`)).status,
    socket: (d, s) => (updateAnnotation(d.group, s.id, { resolved: true }), d.group),
  },
  {
    name: "vote",
    ui: (s, r) => ui.isVisible(s, r.role) && ui.canVote(s, r),
    rest: async (c, s) => (await c.put(`/api/annotations/${s.id}/vote`, { value: "agree" })).status,
    socket: (d, s, r) => (setVote(d.group, s.id, r.me, "agree"), d.group),
  },
  {
    name: "reply",
    ui: (s, r) => ui.isVisible(s, r.role) && ui.canReply(s, r),
    rest: async (c, s) => (await c.post(`/api/annotations/${s.id}/replies`, { body: "a reply" })).status,
    socket: (d, s, r) => {
      const placement = ui.replyPlacement(s.source, r.role, r.moderation);
      const doc = d[placement.room];
      createAnnotation(doc, { kind: "comment", authorId: r.me, body: "a reply", parentId: s.id, status: placement.status });
      return doc;
    },
  },
  // A status written as a field, as a socket (or PATCH) writes it.
  ...ANNOTATION_STATUSES.map(
    (to): Action => ({
      name: `set the status to ${to}`,
      ui: (s, r) => ui.isVisible(s, r.role) && ui.canSetStatus(s, r, to),
      rest: async (c, s) => (await c.patch(`/api/annotations/${s.id}`, { status: to })).status,
      noop: (s) => s.status === to,
      socket: (d, s) => (updateAnnotation(d.group, s.id, { status: to }), d.group),
    }),
  ),
  // The REST moderation steps, which also log the change and tell the author; a socket has no such step,
  // only the status field above.
  ...(["publish", "hide", "unhide"] as const).map(
    (step): Action => ({
      name: step,
      ui: (s, r) => ui.isVisible(s, r.role) && ui.moderatorActions(s, r).includes(step),
      rest: async (c, s) => (await c.post(`/api/annotations/${s.id}/${step}`)).status,
    }),
  ),
];
