import fc from "fast-check";
import * as Y from "yjs";
import {
  type AnnotationStatus,
  type AnnotationValue,
  annotationsOf,
  createAnnotation,
  deleteAnnotation,
  hiddenRoom,
  notesOf,
  readAnnotation,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { type Member, articleWithMembers } from "../support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { connectCore, recordUpdates, syncStep2, updateMessage } from "./support/core.ts";
import { docState, expectedRows, groupContext, projectedRows, sleep, stateVector } from "./support/docs.ts";
import { runSeed, seedFor } from "../support/seed.ts";
import { FC_PATH, FC_SEED, SIZES, budget, report } from "./support/sizes.ts";

/**
 * Convergence under chaos: eight honest clients (an owner
 * and seven annotators) edit one article's group document at random, go
 * offline and come back, and now and then the server restarts on the same
 * database. In the end every client holds exactly the server's document, and
 * the projection rows say exactly what the document says.
 */

const CLIENTS = 8; // client 0 is the group's owner; the others are annotators
const SYNC = { idleUnloadMs: 200 }; // documents whose clients all left unload and load again

let t: TestApp;
let database: Database;
let url: string;
let owner: Member;
let users: Member[]; // index = client number
let groupId: string;

beforeAll(async () => {
  t = await createTestApp({ sync: SYNC });
  database = t.database;
  url = await t.listen();
  const setup = await articleWithMembers(t.app, Array.from({ length: CLIENTS - 1 }, () => "annotator"));
  owner = setup.owner;
  users = [setup.owner, ...setup.members];
  groupId = setup.group.id;
});
afterAll(async () => {
  await t?.stop();
  await database?.close();
});

const wsBase = (httpUrl: string) => `${httpUrl.replace(/^http/, "ws")}/sync`;

async function restartServer() {
  await t.stop();
  t = await createTestApp({ database, sync: SYNC });
  url = await t.listen();
}
// ---------------------------------------------------------------- the model

type Kind = "comment" | "highlight" | "factcheck";
type Step =
  | { op: "create"; c: number; kind: Kind; body: string; tags: string[]; choice: number; target: boolean }
  | { op: "reply"; c: number; pick: number; body: string }
  | { op: "edit"; c: number; pick: number; at: number; del: number; text: string }
  | { op: "tags"; c: number; pick: number; tags: string[] }
  | { op: "status"; c: number; pick: number; choice: number }
  | { op: "resolve"; c: number; pick: number; resolved: boolean }
  | { op: "publish"; pick: number }
  | { op: "delete"; c: number; pick: number }
  | { op: "vote"; c: number; pick: number; value: "agree" | "disagree" | null }
  | { op: "notes"; c: number; at: number; del: number; text: string }
  | { op: "offline"; c: number }
  | { op: "online"; c: number }
  | { op: "wait"; ms: number };
type Scenario = { steps: Step[]; restartAt: number | null };

// Text with astral characters and a combining mark, edited at code-point boundaries only, as a UI would.
const text = fc.string({ unit: fc.constantFrom("a", "b", "z", " ", "é", "e\u0301", "😀", "—", "\n"), maxLength: 12 });
const client = fc.integer({ min: 0, max: CLIENTS - 1 });
const pick = fc.nat({ max: 1_000 });
const tags = fc.uniqueArray(fc.constantFrom("source?", "context", "urgent", "typo", "ok", "ünïcode"), { maxLength: 4 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("create" as const), c: client, kind: fc.constantFrom<Kind>("comment", "highlight", "factcheck"), body: text, tags, choice: fc.nat(9), target: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("reply" as const), c: client, pick, body: text }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("edit" as const), c: client, pick, at: fc.nat(40), del: fc.nat(4), text }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("tags" as const), c: client, pick, tags }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("status" as const), c: client, pick, choice: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("resolve" as const), c: client, pick, resolved: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("publish" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), c: client, pick }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("vote" as const), c: client, pick, value: fc.constantFrom("agree" as const, "disagree" as const, null) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("notes" as const), c: client, at: fc.nat(60), del: fc.nat(3), text }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("offline" as const), c: client }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("online" as const), c: client }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 25 }) }) },
);
const scenario: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(step, { minLength: 10, maxLength: 30 }),
  // About one run in eight restarts the server somewhere along the way.
  restartAt: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
});

/** The statuses an honest UI offers this client for this annotation (docs/sync.md, "What you may write"). */
function statusesFor(c: number, a: AnnotationValue): AnnotationStatus[] {
  const own = a.authorId === users[c]!.user.id;
  if (c === 0) {
    // A moderator authors their own work freely and may hide it; on others' work a moderator's status
    // change is a moderation step (packages/schema/src/policy). Publishing someone else's fact-check
    // would lock it under its author's feet, and hiding someone's work takes its status out of their
    // hands: an author's status change racing either is a refusal by design, not a fault, so this run
    // leaves both out.
    // What is hidden comes back only by an unhide (published), its own work included.
    if (own) return a.status === "hidden" ? ["hidden", "published"] : ["draft", "pending", "published", "hidden"];
    // Nothing else: writing back the status it shows is no no-op when that view is stale (the author
    // moved it meanwhile), and a moderator's change that is not a step is refused.
    return a.kind !== "factcheck" && (a.status === "draft" || a.status === "pending") ? ["published"] : [];
  }
  return a.kind === "factcheck" ? ["draft", "pending"] : ["draft", "published"];
}

/** Splices plain text at code-point positions, as Y.Text operations on UTF-16 offsets. */
function spliceText(ytext: Y.Text, at: number, del: number, insert: string) {
  const points = Array.from(ytext.toString());
  const start = Math.min(at, points.length);
  const end = Math.min(start + del, points.length);
  const offset = points.slice(0, start).join("").length;
  const length = points.slice(start, end).join("").length;
  if (length) ytext.delete(offset, length);
  if (insert) ytext.insert(offset, insert);
}

type Run = {
  clients: SyncClient[];
  online: boolean[];
  applied: Record<string, number>;
};

function choose<T>(items: T[], n: number): T | undefined {
  return items.length ? items[n % items.length] : undefined;
}

function apply(run: Run, s: Step) {
  if (s.op === "wait" || s.op === "offline" || s.op === "online") return false;
  const c = s.op === "publish" ? 0 : s.c;
  const doc = run.clients[c]!.doc;
  const me = users[c]!.user.id;
  const all = [...annotationsOf(doc).values()].map(readAnnotation).sort((a, b) => a.id.localeCompare(b.id));
  const mine = all.filter((a) => a.authorId === me);
  const target = (list: AnnotationValue[], n: number) => choose(list, n);
  switch (s.op) {
    case "create": {
      const statuses: AnnotationStatus[] = c === 0 ? ["draft", "published"] : s.kind === "factcheck" ? ["draft", "pending"] : ["draft", "published"];
      createAnnotation(doc, {
        kind: s.kind,
        authorId: me,
        body: s.body,
        tags: s.tags,
        status: choose(statuses, s.choice)!,
        target: s.target ? { revision: 1, exact: "convergence", prefix: "", suffix: "", start: 0, end: 11 } : null,
        factcheck: s.kind === "factcheck" ? { claim: s.body || "a claim", verdict: "mixed", sources: [] } : null,
      });
      return true;
    }
    case "reply": {
      const parent = target(all, s.pick);
      if (!parent) return false;
      createAnnotation(doc, { kind: "comment", authorId: me, body: s.body, parentId: parent.id });
      return true;
    }
    case "edit": {
      const a = target(mine, s.pick);
      if (!a) return false;
      doc.transact(() => {
        const map = annotationsOf(doc).get(a.id)!;
        spliceText(map.get("body") as Y.Text, s.at, s.del, s.text);
        map.set("updatedAt", Date.now());
      });
      return true;
    }
    case "tags": {
      const a = target(mine, s.pick);
      return a ? updateAnnotation(doc, a.id, { tags: s.tags }) : false;
    }
    case "status": {
      const a = target(c === 0 ? all : mine, s.pick);
      const status = a && choose(statusesFor(c, a), s.choice);
      return a && status ? updateAnnotation(doc, a.id, { status }) : false;
    }
    case "resolve": {
      const a = target(c === 0 ? all : mine, s.pick);
      return a ? updateAnnotation(doc, a.id, { resolved: s.resolved }) : false;
    }
    case "publish": {
      const a = target(all.filter((x) => x.authorId !== me && x.kind !== "factcheck" && (x.status === "draft" || x.status === "pending")), s.pick);
      return a ? updateAnnotation(doc, a.id, { status: "published" }) : false;
    }
    case "delete": {
      const a = target(mine, s.pick);
      return a ? deleteAnnotation(doc, a.id) : false;
    }
    case "vote": {
      const a = target(all, s.pick);
      if (!a) return false;
      setVote(doc, a.id, me, s.value);
      return true;
    }
    case "notes": {
      doc.transact(() => spliceText(notesOf(doc), s.at, s.del, s.text));
      return true;
    }
  }
}

function reconnect(sc: SyncClient) {
  sc.provider.serverUrl = wsBase(url);
  sc.provider.disconnect();
  sc.provider.connect();
}

const totals = { runs: 0, restarts: 0, steps: 0, applied: 0, offline: 0, annotations: 0, projectedRows: 0 };

async function runScenario(sc: Scenario) {
  totals.runs++;
  const created = await owner.post(`/api/groups/${groupId}/articles`, `Convergence run ${totals.runs}\n\nA short article to annotate.`, {
    "content-type": "text/plain",
  });
  expect(created.status).toBe(201);
  const article = { id: created.body.id as string, groupId };
  const room = `article:${article.id}`;
  const clients = users.map((u) => openSyncClient(url, room, u.token));
  const run: Run = { clients, online: clients.map(() => true), applied: {} };
  try {
    await Promise.all(clients.map((c) => c.synced));
    const restartAt = sc.restartAt === null ? -1 : sc.restartAt % sc.steps.length;
    for (const [i, s] of sc.steps.entries()) {
      if (i === restartAt) {
        totals.restarts++;
        await restartServer();
        for (const [c, sc2] of clients.entries()) {
          sc2.provider.serverUrl = wsBase(url);
          if (run.online[c]) reconnect(sc2);
        }
      }
      totals.steps++;
      if (s.op === "wait") await sleep(s.ms);
      else if (s.op === "offline") {
        if (run.online[s.c]) totals.offline++;
        run.online[s.c] = false;
        clients[s.c]!.provider.disconnect();
      } else if (s.op === "online") {
        run.online[s.c] = true;
        if (!clients[s.c]!.provider.wsconnected) reconnect(clients[s.c]!);
      } else if (apply(run, s)) {
        totals.applied++;
        run.applied[s.op] = (run.applied[s.op] ?? 0) + 1;
      }
      // Let the sockets and the server interleave with the edits.
      await new Promise((r) => setImmediate(r));
    }

    // Everyone comes back.
    for (const c of clients) if (!c.provider.wsconnected) reconnect(c);
    const ctx = groupContext(article);
    const server = await eventually(async () => {
      // A hide still being moved out would change the documents under the comparison.
      await t.hub.settled(article.id);
      const live = await t.hub.read(ctx, (l) => ({ sv: stateVector(l.doc), state: docState(l.doc), rows: expectedRows(l.doc, room) }));
      // What the moderator hid of their own lives in the hidden document, and is projected from there.
      const hidden = await t.hub.read({ ...ctx, docName: hiddenRoom(article.id) }, (l) => expectedRows(l.doc, hiddenRoom(article.id)));
      live.rows = [...live.rows, ...hidden].sort((a, b) => a.id.localeCompare(b.id));
      for (const [n, c] of clients.entries()) {
        expect(c.provider.synced, `client ${n} synced (closes: ${JSON.stringify(c.closes)})`).toBe(true);
        expect(stateVector(c.doc), `client ${n} state vector`).toEqual(live.sv);
        expect(docState(c.doc), `client ${n} document`).toEqual(live.state);
      }
      return live;
    }, 15_000);

    // An honest client is never refused, and is only ever closed by a restart.
    for (const [n, c] of clients.entries()) {
      expect(c.closes.filter((x) => x.code !== 1001 && x.code !== 1006), `closes of client ${n}`).toEqual([]);
    }

    // The projection says what the document says.
    await t.hub.settled(article.id);
    await t.hub.committer.flush();
    expect(await projectedRows(t.database.db, article.id)).toEqual(server.rows);
    totals.annotations += Object.keys(server.state.annotations).length;
    totals.projectedRows += server.rows.length;
  } finally {
    for (const c of clients) c.destroy();
  }
}

describe("convergence under chaos", () => {
  it(
    `every client ends with the server's document, and the server's document equals its projection (${SIZES.seeds} seeds)`,
    async () => {
      const started = Date.now();
      const seed = FC_SEED ?? seedFor("convergence");
      console.log(`[convergence] fast-check seed ${seed} (run seed ${runSeed()}; or MARGINALIA_FC_SEED=${seed})`);
      await fc.assert(fc.asyncProperty(scenario, runScenario), {
        numRuns: SIZES.seeds,
        seed,
        ...(FC_PATH !== undefined && { path: FC_PATH }),
        // A failing run is shrunk, but never beyond the test's own time.
        interruptAfterTimeLimit: budget(SIZES.seeds, 1_500, 0),
        markInterruptAsFailure: true,
      });
      report("convergence", { ...totals, seconds: Math.round((Date.now() - started) / 1000) });
      expect(totals.runs).toBeGreaterThanOrEqual(SIZES.seeds);
      if (SIZES.seeds >= 100) expect(totals.restarts).toBeGreaterThan(0);
      expect(totals.offline).toBeGreaterThan(0);
      expect(totals.projectedRows).toBeGreaterThan(0);
    },
    budget(SIZES.seeds, 2_000),
  );
});

/**
 * The cases the property found, pinned down one by one. Each failed before
 * the fix named in it (apps/server/src/sync/{authorize,locate,connection}.ts).
 */
describe("honest concurrency the server used to refuse", () => {
  let setup: Awaited<ReturnType<typeof articleWithMembers>>;
  const opened: SyncClient[] = [];
  const open = (room: string, token: string) => {
    const c = openSyncClient(url, room, token);
    opened.push(c);
    return c;
  };
  beforeAll(async () => {
    setup = await articleWithMembers(t.app, ["annotator", "viewer"]);
  });
  afterEach(() => {
    for (const c of opened.splice(0)) c.destroy();
  });
  const refusals = (c: SyncClient) => c.closes.filter((x) => x.code >= 4000);

  it("takes a reconnect whose sync step 2 carries deletions of other people's content (the whole delete set)", async () => {
    const { owner, article, members } = setup;
    const o = open(article.sync.room, owner.token);
    const annotator = open(article.sync.room, members[0]!.token);
    const viewer = open(article.sync.room, members[1]!.token);
    await Promise.all([o.synced, annotator.synced, viewer.synced]);
    const id = createAnnotation(o.doc, { kind: "comment", authorId: owner.user.id, body: "v1" });
    updateAnnotation(o.doc, id, { tags: ["retagged"], body: "v2" }); // overwrites: deletions in everyone's delete set
    setVote(o.doc, id, owner.user.id, "agree");
    setVote(o.doc, id, owner.user.id, "disagree");
    await eventually(() => {
      for (const c of [annotator, viewer]) expect(docState(c.doc)).toEqual(docState(o.doc));
    }, 5_000);
    for (const c of [annotator, viewer]) {
      c.provider.disconnect();
      c.provider.connect();
    }
    await eventually(() => expect([annotator.provider.synced, viewer.provider.synced]).toEqual([true, true]), 5_000);
    await sleep(100);
    expect(refusals(annotator)).toEqual([]);
    expect(refusals(viewer)).toEqual([]);
  });

  it("takes a moderator's offline status change on an annotation its author deleted meanwhile", async () => {
    const { owner, article, members } = setup;
    const o = open(article.sync.room, owner.token);
    const a = open(article.sync.room, members[0]!.token);
    await Promise.all([o.synced, a.synced]);
    const id = createAnnotation(a.doc, { kind: "comment", authorId: members[0]!.user.id, body: "soon gone" });
    await eventually(() => expect(annotationsOf(o.doc).has(id)).toBe(true), 5_000);
    o.provider.disconnect();
    updateAnnotation(o.doc, id, { status: "hidden" }); // an edit of an existing field: it has an origin
    updateAnnotation(o.doc, id, { status: "rejected", rejectionReason: "spam" }); // a new field: it has a parent
    deleteAnnotation(a.doc, id);
    await eventually(async () => expect(await t.hub.read(groupContext({ id: article.id, groupId: setup.group.id }), (l) => annotationsOf(l.doc).has(id))).toBe(false), 5_000);
    o.provider.connect();
    await eventually(() => {
      expect(o.provider.synced).toBe(true);
      expect(stateVector(o.doc)).toEqual(stateVector(a.doc));
    }, 5_000);
    expect(refusals(o)).toEqual([]);
    expect(annotationsOf(o.doc).has(id)).toBe(false);
  });

  it("projects the first vote cast after a document loads", async () => {
    const { owner, members } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "First vote after a load.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const o = open(room, owner.token);
    await o.synced;
    const id = createAnnotation(o.doc, { kind: "comment", authorId: owner.user.id, body: "vote on me" });
    await eventually(async () => expect(await projectedRows(t.database.db, created.body.id)).toHaveLength(1), 5_000);
    o.provider.disconnect();
    await eventually(() => expect(t.hub.loadedDocuments).toBe(0), 10_000); // unloaded: the next socket loads it afresh
    const voter = open(room, members[0]!.token);
    await voter.synced;
    setVote(voter.doc, id, members[0]!.user.id, "agree");
    await eventually(async () => {
      await t.hub.committer.flush();
      expect((await projectedRows(t.database.db, created.body.id))[0]).toMatchObject({ id, votesAgree: 1 });
    }, 5_000);
  });

  it("takes a sync step 2 that repeats content which reached the server meanwhile (its own or someone else's)", async () => {
    const { owner, members } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "Overtaken.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const first = connectCore(t.hub, room, owner.token, true);
    const again = connectCore(t.hub, room, owner.token, true);
    const other = connectCore(t.hub, room, members[0]!.token, true);
    await Promise.all([first.ready, again.ready, other.ready]);
    const doc = new Y.Doc();
    const updates = recordUpdates(doc);
    createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body: "sent twice" });
    first.connection.receive(updateMessage(updates[0]!));
    // Step 2s computed from a state vector read before that update landed.
    again.connection.receive(syncStep2(updates[0]!));
    other.connection.receive(syncStep2(updates[0]!));
    await eventually(() => expect([first.acks.at(-1), again.acks.at(-1), other.acks.at(-1)]).toEqual([1, 1, 1]), 5_000);
    expect([first.closed, again.closed, other.closed]).toEqual([null, null, null]);
    for (const c of [first, again, other]) c.connection.close(1000, "done");
  });

  it("holds an update that builds on content still in flight, instead of refusing it, and acknowledges both in order", async () => {
    const { owner } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "Typing while reconnecting.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const core = connectCore(t.hub, room, owner.token, true);
    await core.ready;
    // Written offline, then edited at once on reconnecting: the edit goes out before sync step 2 does.
    const doc = new Y.Doc();
    const updates = recordUpdates(doc);
    const id = createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body: "typed offline" });
    const body = annotationsOf(doc).get(id)!.get("body") as Y.Text;
    body.insert(body.length, ", and more after reconnecting");
    core.connection.receive(updateMessage(updates[1]!));
    await sleep(20);
    expect(core.closed).toBeNull();
    core.connection.receive(syncStep2(updates[0]!));
    await eventually(() => expect(core.acks.at(-1)).toBe(2), 5_000);
    expect(core.closed).toBeNull();
    const ctx = groupContext({ id: created.body.id, groupId: setup.group.id });
    expect(await t.hub.read(ctx, (l) => docState(l.doc))).toEqual(docState(doc));
    core.connection.close(1000, "done");
  });
});
