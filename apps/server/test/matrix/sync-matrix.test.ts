import * as Y from "yjs";
import {
  annotationsOf,
  createAnnotation,
  notesOf,
  privateRoom,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { ACTORS, type ActorName, type World, buildWorld } from "./world.ts";

let t: TestApp;
let url: string;
let w: World;
const open: SyncClient[] = [];
beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
  w = await buildWorld(t.app);
}, 60_000);
afterAll(async () => {
  for (const c of open) c.destroy();
  await t.close();
});

type Outcome = "ok" | 4401 | 4403;
type SyncCase = {
  name: string;
  room: (w: World, actor: ActorName) => string;
  /** The change to make once joined; none for cases that only join. */
  act?: (doc: Y.Doc, w: World, actorId: string, target: string) => void;
  expect: Partial<Record<ActorName | "member" | "writer" | "mod", Outcome>>;
};

const room = (w: World) => `article:${w.articleId}`;
const userId = (w: World, a: ActorName) => (a === "anonymous" ? "00000000-0000-4000-8000-000000000000" : w.users[a].user.id);

/** Every sync operation × every role, from one table. */
const SYNC_CASES: SyncCase[] = [
  { name: "join the group document", room, expect: { member: "ok" } },
  { name: "join your own private document", room: (w, a) => privateRoom(w.articleId, userId(w, a)), expect: { member: "ok" } },
  { name: "join someone else's private document", room: (w) => privateRoom(w.articleId, w.other.user.id), expect: { member: 4403 } },
  { name: "create an annotation as yourself", room, act: (doc, _w, me) => void createAnnotation(doc, { kind: "comment", authorId: me, body: "live" }), expect: { writer: "ok", member: 4403 } },
  { name: "create an annotation as someone else", room, act: (doc, w) => void createAnnotation(doc, { kind: "comment", authorId: w.other.user.id }), expect: { member: 4403 } },
  { name: "edit someone else's body", room, act: (doc, _w, _me, id) => void updateAnnotation(doc, id, { body: "hijacked" }), expect: { member: 4403 } },
  { name: "hide someone else's annotation", room, act: (doc, _w, _me, id) => void updateAnnotation(doc, id, { status: "hidden" }), expect: { mod: "ok", member: 4403 } },
  { name: "delete someone else's annotation", room, act: (doc, _w, _me, id) => void annotationsOf(doc).delete(id), expect: { member: 4403 } },
  { name: "vote as yourself", room, act: (doc, _w, me, id) => setVote(doc, id, me, "agree"), expect: { writer: "ok", member: 4403 } },
  { name: "vote as someone else", room, act: (doc, w, _me, id) => setVote(doc, id, w.other.user.id, "agree"), expect: { member: 4403 } },
  { name: "edit the shared notes", room, act: (doc) => notesOf(doc).insert(0, "Summary. "), expect: { writer: "ok", member: 4403 } },
];

function expected(row: SyncCase["expect"], a: ActorName): Outcome {
  if (row[a] !== undefined) return row[a]!;
  if ((a === "owner" || a === "moderator") && row.mod) return row.mod;
  if ((a === "owner" || a === "moderator" || a === "annotator") && row.writer) return row.writer;
  if (a === "outsider") return 4403;
  if (a === "anonymous") return 4401;
  return row.member!;
}

describe("the sync authorization matrix", () => {
  for (const row of SYNC_CASES) {
    describe(row.name, () => {
      for (const actor of ACTORS) {
        const want = expected(row.expect, actor);
        it(`${actor}: ${want}`, async () => {
          const target = await w.othersAnnotation();
          const client = openSyncClient(url, row.room(w, actor), actor === "anonymous" ? "" : w.token(actor));
          open.push(client);
          const joined = await Promise.race([client.synced.then(() => true), eventually(() => expect(client.closes.length).toBeGreaterThan(0), 3_000).then(() => false)]);
          if (row.act && joined) {
            await eventually(() => expect(annotationsOf(client.doc).has(target) || !row.room(w, actor).endsWith(w.articleId)).toBe(true));
            row.act(client.doc, w, userId(w, actor), target);
          }
          if (want === "ok") {
            expect(joined).toBe(true);
            // Stored means judged and taken: a refusal would have closed the socket instead.
            if (row.act) await expectStored(row.room(w, actor), client.doc);
            expect(client.closes).toEqual([]);
          } else {
            await eventually(() => expect(client.closes[0]?.code).toBe(want), 3_000);
          }
          client.destroy();
        });
      }
    });
  }
});

/** What the client wrote is in the server's copy, as a fresh reader sees it. */
async function expectStored(name: string, doc: Y.Doc) {
  const reader = openSyncClient(url, name, w.token("owner"));
  open.push(reader);
  await reader.synced;
  await eventually(() => {
    const missing = Y.diffUpdate(Y.encodeStateAsUpdate(doc), Y.encodeStateVector(reader.doc));
    expect(Y.decodeUpdate(missing).structs).toEqual([]);
  }, 2_000);
}
