import { randomUUID } from "node:crypto";
import type * as Y from "yjs";
import { ANNOTATION_STATUSES, type AnnotationKind, type AnnotationStatus, type ModerationMode, type Role, createAnnotation, groupRoom, hiddenRoom, privateRoom } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ui from "../../../web/src/reader/permissions/permissions.ts";
import { contextFor } from "../../src/documents/context.ts";
import { type TestApp, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { tokenOf } from "../support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { ACTIONS, AUTHORS, type Action, KINDS, MODES, ROLES, type Reader, type Subject } from "./policy-actions.ts";

/**
 * One policy, three paths: every role × moderation mode × status × kind ×
 * authorship × action is asked of the web app's helper (which the reader uses
 * to decide what to offer), tried over REST, and tried over a socket, and all
 * three must give the same answer. The rules live in packages/schema/src/policy; the actions, in
 * policy-actions.ts.
 */

type Case = { role: Role; mode: ModerationMode; status: AnnotationStatus; kind: AnnotationKind; author: (typeof AUTHORS)[number]; action: Action };
const CASES: Case[] = ROLES.flatMap((role) =>
  MODES.flatMap((mode) =>
    ANNOTATION_STATUSES.flatMap((status) =>
      KINDS.flatMap((kind) => AUTHORS.flatMap((author) => ACTIONS.map((action) => ({ role, mode, status, kind, author, action })))),
    ),
  ),
);
const SOCKET_LANES = 6;
const REST_AT_ONCE = 8;
const label = (c: Case) => `${c.role} · ${c.mode} · ${c.status} ${c.kind} · ${c.author} · ${c.action.name}`;

let t: TestApp;
let url: string;
type Desk = { mode: ModerationMode; groupId: string; articleId: string; members: Record<Role, Awaited<ReturnType<typeof signUp>>>; other: string };
const desks = new Map<ModerationMode, Desk>();
const open = new Set<SyncClient>();

beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
  for (const mode of MODES) {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, `Policy desk (${mode})`, mode);
    const members = { owner } as Desk["members"];
    for (const role of ["moderator", "annotator", "viewer"] as const) {
      members[role] = await signUp(t.app, role);
      await addMember(owner, group.id, members[role], role);
    }
    const other = await signUp(t.app, "Other author");
    await addMember(owner, group.id, other, "annotator");
    const desk: Desk = { mode, groupId: group.id, articleId: "", members, other: other.user.id };
    desks.set(mode, { ...desk, articleId: await freshArticle(desk) });
  }
}, 120_000);
afterAll(async () => {
  for (const c of open) c.destroy();
  await t.close();
});

async function freshArticle(desk: Desk): Promise<string> {
  const res = await desk.members.owner.post(`/api/groups/${desk.groupId}/articles`, "A claim worth checking, and another.", { "content-type": "text/plain" });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Subjects written by the server, as moderation and review leave them: any status, either author. */
async function makeSubjects(desk: Desk, cases: Case[]): Promise<Subject[]> {
  const subjects = cases.map((c): Subject => ({
    id: randomUUID(),
    authorId: c.author === "own" ? desk.members[c.role].user.id : desk.other,
    kind: c.kind,
    status: c.status,
    source: "group",
  }));
  const context = contextFor({ kind: "group", articleId: desk.articleId }, desk.groupId, 1);
  await t.hub.change(context, { userId: null }, (doc) => {
    for (const s of subjects) {
      const factcheck = s.kind === "factcheck" ? { claim: "A claim", verdict: "false" as const, sources: [] } : undefined;
      createAnnotation(doc, { id: s.id, kind: s.kind, authorId: s.authorId, body: "subject", status: s.status, factcheck });
    }
  });
  return subjects;
}

const readerOf = (desk: Desk, role: Role): Reader => ({ me: desk.members[role].user.id, role, moderation: desk.mode });
const allowedStatus = (status: number) => status >= 200 && status < 300;

describe("one policy for REST, the socket and the web app", () => {
  for (const mode of MODES) {
    for (const role of ROLES) {
      it(`${role} in a ${mode} group: all three paths agree on every status, kind, author and action`, async () => {
        // A fresh article per role keeps each document small: every refused attempt reopens it from scratch.
        const desk = { ...desks.get(mode)!, articleId: await freshArticle(desks.get(mode)!) };
        const cases = CASES.filter((c) => c.mode === mode && c.role === role);
        const reader = readerOf(desk, role);
        const forRest = await makeSubjects(desk, cases);
        const answers = { ui: [] as boolean[], rest: [] as boolean[], socket: [] as Array<boolean | null> };

        for (const [i, c] of cases.entries()) answers.ui.push(c.action.ui(forRest[i]!, reader));
        // Each case has its own subject, so the requests may overlap; several at once share the group commit.
        answers.rest = await inBatches(cases, REST_AT_ONCE, async (c, i) => allowedStatus(await c.action.rest(desk.members[role], forRest[i]!)));
        // Every refusal closes a socket, and reopening one (a sync of the whole document) is most of an
        // attempt's cost: a few members' tabs work through the cases side by side, each its own slice, in
        // order, on an article of its own that holds only that slice's subjects.
        answers.socket = new Array(cases.length).fill(null);
        await Promise.all(
          Array.from({ length: SOCKET_LANES }, async (_, lane) => {
            const mine = cases.flatMap((c, i) => (i % SOCKET_LANES === lane ? [{ c, i }] : []));
            const laneDesk = { ...desk, articleId: await freshArticle(desk) };
            const subjects = await makeSubjects(laneDesk, mine.map(({ c }) => c));
            const sockets = new SocketPair(laneDesk, role);
            for (const [k, { c, i }] of mine.entries()) {
              const subject = subjects[k]!;
              const act = c.action.socket;
              if (act && !c.action.noop?.(subject)) answers.socket[i] = await sockets.attempt(subject, (docs, s) => act(docs, s, reader));
            }
            sockets.destroy();
          }),
        );

        const disagreements = cases.flatMap((c, i) =>
          answers.ui[i] === answers.rest[i] && (answers.socket[i] === null || answers.ui[i] === answers.socket[i])
            ? []
            : [`${label(c)}: ui ${answers.ui[i]}, rest ${answers.rest[i]}, socket ${answers.socket[i]}`],
        );
        expect(disagreements).toEqual([]);
        // The table is not vacuous: each role is refused something, and each writing role is allowed something.
        expect(answers.ui.includes(false)).toBe(true);
        expect(answers.ui.includes(true)).toBe(ui.canWrite(role));
      }, 120_000);
    }
  }

  it("places what an author writes by default the same way over REST and in the web app", async () => {
    for (const mode of MODES) {
      const desk = desks.get(mode)!;
      for (const role of ROLES.filter(ui.canWrite)) {
        for (const kind of KINDS) {
          const want = ui.placementFor(kind, role, mode, false);
          const factcheck = kind === "factcheck" ? { claim: "A claim", verdict: "false", sources: [] } : undefined;
          const res = await desk.members[role].post(`/api/articles/${desk.articleId}/annotations`, { kind, body: "default", factcheck });
          expect(res.status, `${role} ${mode} ${kind}`).toBe(201);
          expect({ visibility: res.body.visibility, status: res.body.status }, `${role} ${mode} ${kind}`).toEqual({ visibility: want.room, status: want.status });
        }
      }
    }
  });
});

/** `run` over `items`, `size` at a time, answers in the items' order. */
async function inBatches<T, R>(items: T[], size: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    out.push(...(await Promise.all(items.slice(start, start + size).map((item, k) => run(item, start + k)))));
  }
  return out;
}

/**
 * A member's two documents on real sockets, with acknowledgements: an
 * attempt is allowed when the server acknowledges it as stored and refused
 * when it closes the socket (4403); a refused pair is opened afresh.
 */
class SocketPair {
  private clients: { group: SyncClient; private: SyncClient; hidden: SyncClient | null } | null = null;

  constructor(
    private readonly desk: Desk,
    private readonly role: Role,
  ) {}

  private async connect() {
    const token = tokenOf(this.desk.members[this.role]);
    const me = this.desk.members[this.role].user.id;
    const group = openSyncClient(url, groupRoom(this.desk.articleId), token, { acks: true });
    const mine = openSyncClient(url, privateRoom(this.desk.articleId, me), token, { acks: true });
    // What moderators hid is in a document of its own, which only they join.
    const hidden = ui.canModerate(this.role) ? openSyncClient(url, hiddenRoom(this.desk.articleId), token, { acks: true }) : null;
    for (const client of [group, mine, hidden]) if (client) open.add(client);
    await Promise.all([group.synced, mine.synced, hidden?.synced]);
    // Each client's sync step 2 is its first counted update: once it is acknowledged, the next
    // acknowledgement can only be the attempt's.
    await eventually(() => {
      for (const client of [group, mine, hidden]) if (client) expect(client.acks.length).toBeGreaterThan(0);
    }, 10_000);
    this.clients = { group, private: mine, hidden };
    return this.clients;
  }

  /** Allowed or refused; a hidden subject that the member's documents do not carry cannot be acted on at all. */
  async attempt(subject: Subject, act: (docs: { group: Y.Doc; private: Y.Doc }, subject: Subject) => Y.Doc): Promise<boolean> {
    const clients = this.clients ?? (await this.connect());
    if (subject.status === "hidden" && !clients.hidden) {
      expect(clients.group.doc.getMap("annotations").has(subject.id)).toBe(false);
      return false;
    }
    const holder = subject.status === "hidden" ? clients.hidden! : clients.group;
    await eventually(() => expect(holder.doc.getMap("annotations").has(subject.id)).toBe(true), 5_000);
    const before = new Map([clients.group, clients.private, holder].map((c) => [c, c.acks.length]));
    const doc = act({ group: holder.doc, private: clients.private.doc }, subject);
    const client = doc === holder.doc ? holder : clients.private;
    const outcome = await eventually(() => {
      if (client.closes.length) return client.closes[0]!.code;
      expect(client.acks.length).toBeGreaterThan(before.get(client)!);
      return "stored" as const;
    }, 5_000);
    if (outcome === "stored") return true;
    expect(outcome).toBe(4403);
    this.destroy();
    return false;
  }

  destroy() {
    for (const client of Object.values(this.clients ?? {})) {
      if (!client) continue;
      client.destroy();
      open.delete(client);
    }
    this.clients = null;
  }
}
