import fc from "fast-check";
import { hiddenRoom } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { type Member, articleWithMembers } from "../support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { CLIENTS, type Run, type Scenario, apply, scenario } from "./support/chaos-model.ts";
import { docState, expectedRows, groupContext, projectedRows, stateVector } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";
import { runSeed, seedFor } from "../support/seed.ts";
import { FC_PATH, FC_SEED, SIZES, budget, report } from "./support/sizes.ts";

/**
 * Convergence under chaos: eight honest clients (an owner
 * and seven annotators) edit one article's group document at random, go
 * offline and come back, and now and then the server restarts on the same
 * database. In the end every client holds exactly the server's document, and
 * the projection rows say exactly what the document says.
 */

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
  const run: Run = { clients, userIds: users.map((u) => u.user.id), online: clients.map(() => true), applied: {} };
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
        expect(stateVector(c.doc), `client ${n} state vector (closes: ${JSON.stringify(c.closes)})`).toEqual(live.sv);
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
