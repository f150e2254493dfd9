// The size of a group's backup file, and how long backup and restore take: the demo group (the seed
// article and the demo's own few annotations) with 1,000 more made through the live document, as the REST API makes them, on two
// embedded databases. `npx tsx bench/src/backup-size.ts`
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { restoreBackup } from "@marginalia/server/backup/restore.ts";
import { writeBackup } from "@marginalia/server/backup/write.ts";
import { DEMO_USER, seedDemo } from "@marginalia/server/demo/seed.ts";
import { startEmbeddedDatabase } from "@marginalia/server/embedded/database.ts";
import { createLogger } from "@marginalia/server/logger.ts";
import { createThroughDocument } from "@marginalia/server/services/annotations.ts";
import { getArticleText } from "@marginalia/server/services/articles.ts";
import { findUserByEmail } from "@marginalia/server/services/users.ts";
import { serverHooks } from "@marginalia/server/hooks/index.ts";
import { SyncHub } from "@marginalia/server/sync/hub.ts";
import { randomQuotes } from "./anchoring-corpus.ts";

const ANNOTATIONS = 1_000;
const work = mkdtempSync(path.join(tmpdir(), "marginalia-backup-size-"));
const source = await startEmbeddedDatabase({ dataDir: path.join(work, "from") });
const restored = await startEmbeddedDatabase({ dataDir: path.join(work, "to") });
try {
  await Promise.all([source.migrate(), restored.migrate()]);
  const { db } = source;
  const hub = new SyncHub(db, createLogger("silent"), "http://localhost:8787", { hooks: serverHooks(db) });
  const { articleId, groupId } = await seedDemo(db, hub);
  const user = (await findUserByEmail(db, DEMO_USER.email))!;
  const { text } = await getArticleText(db, articleId);
  const index = new CodePointIndex(text);
  const quotes = randomQuotes(text, ANNOTATIONS, 20261202);

  // The demo group is not anonymous to peers: the owner's member id is their account id.
  const access = { articleId, groupId, revision: 1, role: "owner" as const, memberId: user.id, moderation: "open" as const, reviewQuorum: 1 };
  // Fifty at a time, so that they share group commits as a busy desk's would.
  for (let i = 0; i < ANNOTATIONS; i += 50) {
    await Promise.all(
      quotes.slice(i, i + 50).map((quote, j) => {
        const n = i + j;
        const target = buildTarget(index, quote, 1);
        return createThroughDocument(db, hub, access, user.id, n % 4 === 0
          ? { kind: "factcheck", visibility: "group", target, body: `Checked claim ${n} against the record.`, tags: ["claims"], factcheck: { claim: `Claim ${n} as stated`, verdict: "misleading", confidence: 0.6, sources: [{ url: `https://example.org/source/${n}`, title: `Source ${n}` }] } }
          : { kind: "comment", visibility: "group", target, body: `Comment ${n}: this passage needs a source.`, tags: n % 2 ? ["context"] : [] });
      }),
    );
  }
  await hub.shutdown();

  const file = path.join(work, "demo.marginalia.jsonl.gz");
  let started = performance.now();
  const counts = await writeBackup(db, groupId, file);
  const backupMs = performance.now() - started;
  const size = statSync(file).size;
  const plain = gunzipSync(readFileSync(file)).toString("utf8");
  const byType: Record<string, number> = {};
  for (const line of plain.trimEnd().split("\n")) {
    const { type } = JSON.parse(line) as { type: string };
    byType[type] = (byType[type] ?? 0) + line.length + 1;
  }
  started = performance.now();
  await restoreBackup(restored.db, file);
  const restoreMs = performance.now() - started;
  console.log(
    `demo group, ${counts.annotation} annotations, ${counts.document} document(s): backup ${(size / 1024).toFixed(1)} KiB gzip'd ` +
      `(${(plain.length / 1024).toFixed(1)} KiB of JSON Lines); backup ${backupMs.toFixed(0)} ms, restore ${restoreMs.toFixed(0)} ms`,
  );
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`uncompressed, by record type: ${Object.entries(byType).map(([type, n]) => `${type} ${kib(n)}`).join(", ")}`);
} finally {
  await source.close();
  await restored.close();
  rmSync(work, { recursive: true, force: true });
}
