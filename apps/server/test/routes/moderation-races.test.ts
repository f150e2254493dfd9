import { eq } from "drizzle-orm";
import { buildTarget, parseRoom } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, databaseOnPostgres } from "../../src/db.ts";
import { contextFor } from "../../src/documents/context.ts";
import { type TestApp, TestClient, addMember, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ROUNDS = 4;

type Entry = { annotationId: string; action: string; oldStatus: string; newStatus: string };

async function desk(moderation: "open" | "pre" = "open") {
  const d = await articleWithMembers(t.app, ["annotator", "moderator", "moderator"], moderation);
  const [author, mod, second] = d.members as unknown as [TestClient, TestClient, TestClient];
  const post = async (body: object) => {
    const res = await author.post(`/api/articles/${d.article.id}/annotations`, body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const logOf = async (id: string) =>
    ((await d.owner.get(`/api/groups/${d.group.id}/moderation/log`)).body.entries as Entry[]).filter((e) => e.annotationId === id).reverse();
  return { ...d, author, mod, second, moderators: [d.owner, mod, second], post, logOf };
}

describe("moderation decisions made at once", () => {
  it("takes one of three hides sent at once, answers the others 409 and logs one hide", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "comment", body: `Hide me once (${round})` });
      const answers = await Promise.all(d.moderators.map((m) => m.post(`/api/annotations/${id}/hide`)));
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409, 409]);
      expect(await d.logOf(id)).toEqual([expect.objectContaining({ action: "hide", oldStatus: "published", newStatus: "hidden" })]);
      expect((await d.owner.get(`/api/annotations/${id}`)).body.status).toBe("hidden");
    }
  });

  it("takes one of a publish and a hide sent at once, and the log ends at the status the annotation has", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "factcheck", body: "", status: "pending", factcheck: { claim: `c${round}`, verdict: "false", sources: [] } });
      const answers = await Promise.all([d.mod.post(`/api/annotations/${id}/publish`), d.second.post(`/api/annotations/${id}/hide`)]);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409]);
      const log = await d.logOf(id);
      expect(log).toHaveLength(1);
      expect(log[0]!.oldStatus).toBe("pending");
      expect((await d.owner.get(`/api/annotations/${id}`)).body.status).toBe(log[0]!.newStatus);
    }
  });

  it("logs no hide of an annotation its author deleted while moderators hid it", async () => {
    const d = await desk();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "comment", body: `Gone soon (${round})` });
      const [deleted, ...hides] = await Promise.all([
        d.author.delete(`/api/annotations/${id}`),
        d.mod.post(`/api/annotations/${id}/hide`),
        d.second.post(`/api/annotations/${id}/hide`),
      ]);
      const hidden = hides.filter((h) => h.status === 200).length;
      // A hide that came first is logged; the author may still delete their hidden annotation, or not.
      expect(hides.every((h) => [200, 404, 409, 410].includes(h.status)), `round ${round}: ${hides.map((h) => h.status)}`).toBe(true);
      expect(hidden).toBeLessThanOrEqual(1);
      expect((await d.logOf(id)).filter((e) => e.action === "hide")).toHaveLength(hidden);
      if (deleted!.status === 204) expect((await d.owner.get(`/api/annotations/${id}`)).status).toBeGreaterThanOrEqual(404);
    }
  });
});

/**
 * A second app on its own connections to the same Postgres: another process, as far as the database and the
 * documents go (each app loads and keeps its own copy, and nothing relays between them).
 */
describe.runIf(inject("databaseUrl"))("decisions on one submission from two processes", () => {
  let other: TestApp;
  let otherDatabase: Database;
  beforeAll(async () => {
    otherDatabase = databaseOnPostgres(inject("databaseUrl")!, { max: 4 });
    other = await createTestApp({ database: otherDatabase });
  });
  afterAll(async () => {
    await other.close();
    await otherDatabase.close();
  });

  const elsewhere = (client: TestClient) => Object.assign(new TestClient(other.app), { cookie: client.cookie });
  /** Loads the annotation's document and its group's on both apps, as on two processes serving the article. */
  const loadEverywhere = async (id: string) => {
    const [row] = await t.database.db.select().from(annotations).where(eq(annotations.id, id));
    const rooms = [parseRoom(row!.docName)!, { kind: "group" as const, articleId: row!.articleId }];
    for (const hub of [t.hub, other.hub]) for (const room of rooms) await hub.read(contextFor(room, row!.groupId, 1), () => null);
  };

  it.each([
    ["two approvals", "approve"],
    ["an approval and a rejection", "reject"],
  ] as const)("takes one of %s, answers the other 409 and loses nothing", async (_, second) => {
    const d = await desk("pre");
    for (let round = 0; round < ROUNDS; round++) {
      const id = await d.post({ kind: "comment", body: `Decide me once (${round})` });
      await loadEverywhere(id);
      const decide = (who: TestClient, action: "approve" | "reject") =>
        who.post(`/api/annotations/${id}/${action}`, action === "reject" ? { reason: "No" } : undefined);
      const answers = await Promise.all([decide(d.mod, "approve"), decide(elsewhere(d.second), second)]);
      expect(answers.map((a) => (a.status < 300 ? "done" : a.status)).sort(), `round ${round}`).toEqual([409, "done"]);
      const log = await d.logOf(id);
      expect(log).toHaveLength(1);
      const kept = await d.author.get(`/api/annotations/${id}`);
      expect(kept.status).toBe(200);
      expect(kept.body.status).toBe(log[0]!.newStatus);
    }
  });

  it("reveals a passage's reviews once when its quorum is approved on two processes at once", async () => {
    const d = await desk("pre");
    expect((await d.owner.patch(`/api/groups/${d.group.id}`, { reviewQuorum: 2 })).status).toBe(200);
    const reviewer = await signUp(t.app, "Second reviewer");
    await addMember(d.owner, d.group.id, reviewer, "annotator");
    for (let round = 0; round < ROUNDS; round++) {
      const range = { start: 10 + round * 40, end: 30 + round * 40 };
      const check = async (who: TestClient) => {
        const res = await who.post(`/api/articles/${d.article.id}/annotations`, {
          kind: "factcheck",
          body: "Notes",
          target: buildTarget(SEED_ARTICLE, range, 1),
          factcheck: { claim: `claim ${round}`, verdict: "false", sources: [{ url: "https://example.org/source" }] },
        });
        expect(res.body).toMatchObject({ visibility: "private", status: "pending" });
        return res.body.id as string;
      };
      const ids = [await check(d.author), await check(reviewer)];
      for (const id of ids) await loadEverywhere(id);
      const answers = await Promise.all([d.mod.post(`/api/annotations/${ids[0]}/approve`), elsewhere(d.second).post(`/api/annotations/${ids[1]}/approve`)]);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409]);
      for (const id of ids) {
        const kept = await d.owner.get(`/api/annotations/${id}`);
        expect(kept.status).toBe(200);
        expect(kept.body.status).toBe("published");
        expect((await d.logOf(id)).map((e) => e.action)).toEqual(["approve"]);
      }
    }
  });
});
