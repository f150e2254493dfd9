import { and, eq, inArray } from "drizzle-orm";
import { CodePointIndex, SYNC_CLOSE_CODES, type TextTarget, targetProblem } from "@marginalia/schema";
import { articleRevisions, articles } from "@marginalia/schema/tables";
import type { Db } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import { OlderTexts } from "./older-texts.ts";
import { keepWithinUnits } from "./text-budget.ts";
import { REFUSED_BEFORE } from "../validate/refused-structs.ts";

/** `readAt`: when the read that found this text began (performance.now()). */
type Known = { phase: "loading"; ready: Promise<void> } | { phase: "known"; revision: number; index: CodePointIndex; readAt: number };

/**
 * Later revisions named, per article, by whom (`<account> <revision>`), with when each was first named:
 * while `base` is the text kept. Kept by account, since any member can name the next revision before it
 * exists: had that counted for everyone, a real one stored a moment later would have been refused to all.
 */
type Asked = { base: number; at: Map<string, number> };
/** Later revisions remembered per article; past this, a socket naming another is put off unrecorded. */
const MAX_ASKED = 64;
/** How often a text is read again for sockets naming a later revision (a reconnecting client retries sooner). */
const REREAD_AFTER_MS = 1_000;

/** Why a target waits: the text it names is loading here. Not the writer's fault, so not a refusal (`closeCodeOf`). */
export const TEXT_CATCHING_UP = "target: the article's text is loading on this server; reconnect and send it again";

/** The close code for a refused update: 4503 for one only put off (TEXT_CATCHING_UP), 4422 for content the database refused before, else 4403. */
export const closeCodeOf = (reason: string) =>
  reason === TEXT_CATCHING_UP ? SYNC_CLOSE_CODES.retryLater : reason === REFUSED_BEFORE ? SYNC_CLOSE_CODES.notStored : SYNC_CLOSE_CODES.forbidden;

/**
 * Text kept at most, in UTF-16 units (32 M: 64 MB); the least recently joined article goes first.
 * Counted in text, not articles: a limit on articles would evict, with many short ones open, texts
 * that sockets still write to, and reload them at every join.
 */
const KEPT_UNITS = 32 * 2 ** 20;

/**
 * The current text of each article whose documents sockets write to, so
 * that the authorizer can check, without waiting, that a target a socket
 * writes is that text (docs/sync.md, "What you may write"), as REST checks
 * it (services/targets.ts). Loaded when a socket joins; a new revision
 * stored here replaces it at once (anchoring/reanchor.ts), and one stored by
 * another process is loaded when its event arrives over the relay
 * (`revisedElsewhere`), when a socket first names it, or at the periodic
 * check (`refresh`), whichever comes first. Meanwhile a target on the new
 * revision is not refused but put off (TEXT_CATCHING_UP): the socket closes
 * with 4503 and its provider reconnects and sends it again.
 */
class ArticleTexts {
  private readonly known = new Map<string, Known>();
  /** Earlier revisions' texts, for targets written on one (offline work): judged there, then moved. */
  private readonly older = new OlderTexts();
  private readonly asked = new Map<string, Asked>();

  /** Loads the article's current text unless it is known. */
  async load(db: Db, articleId: string): Promise<void> {
    const entry = this.known.get(articleId);
    if (entry?.phase === "loading") return entry.ready;
    if (entry) {
      // Most recently joined last, so that eviction takes the least recent first.
      this.known.delete(articleId);
      this.known.set(articleId, entry);
      return;
    }
    await this.reload(db, articleId);
  }

  /**
   * The index of revision `revision`'s text when it is the one kept, else null. A revision's text never
   * changes, so REST's checks use it as well: reading and indexing 9 MB of text again took 25 ms of the
   * event loop at every annotation made on such an article.
   */
  indexOf(articleId: string, revision: number): CodePointIndex | null {
    const entry = this.known.get(articleId);
    return entry?.phase === "known" && entry.revision === revision ? entry.index : null;
  }

  /** The revision of the text kept for the article, if one is. */
  currentRevision(articleId: string): number | null {
    const entry = this.known.get(articleId);
    return entry?.phase === "known" ? entry.revision : null;
  }

  /**
   * A revision stored by this process, or read; returns the text's index, for the caller's own use. One older
   * than the text held (two corrections at once, the first reporting last, or a read that began before a
   * correction here) is kept as an earlier revision: held as current, targets on it would be taken as current.
   */
  revised(articleId: string, revision: number, text: string, readAt = performance.now()): CodePointIndex {
    const index = new CodePointIndex(text);
    const held = this.currentRevision(articleId);
    if (held !== null && held > revision) {
      this.older.remember(articleId, revision, index);
      return index;
    }
    this.keepAsOlder(articleId);
    const unitsOf = (entry: Known) => (entry.phase === "known" ? entry.index.text.length : 0);
    const dropped = keepWithinUnits(this.known, articleId, { phase: "known", revision, index, readAt }, unitsOf, KEPT_UNITS);
    for (const id of dropped) this.asked.delete(id);
    return index;
  }

  /**
   * Why a target is not the text of its revision, as `target.<field>: …`; null when it is. A target on
   * an earlier revision is judged on that revision's text (older-texts.ts) and moved afterwards. An
   * article dropped from the cache while its sockets stay open is loaded again, so that a later
   * attempt is judged on its text rather than refused for ever.
   */
  problem(db: Db, logger: Logger, articleId: string, target: TextTarget, account: string): string | null {
    const entry = this.known.get(articleId);
    if (!entry) this.reloadInBackground(db, logger, articleId);
    if (entry?.phase !== "known") {
      // Work made on the text this process held until a revision (offline, or before it heard) is judged on it meanwhile.
      const kept = this.older.kept(articleId, target.revision);
      return kept ? problemOn(kept, target) : TEXT_CATCHING_UP;
    }
    if (target.revision > entry.revision) {
      // Read from the database after a socket first named this revision, and still older: it does not exist
      // (a socket learns a revision from the server, so it was stored before it was first named).
      let asked = this.asked.get(articleId);
      if (asked?.base !== entry.revision) this.asked.set(articleId, (asked = { base: entry.revision, at: new Map() }));
      const key = `${account} ${target.revision}`;
      const at = asked.at.get(key);
      if (at !== undefined && entry.readAt > at) return `target.revision: the article has no revision ${target.revision} (its current one is ${entry.revision})`;
      const first = at === undefined && asked.at.size < MAX_ASKED;
      if (first) asked.at.set(key, performance.now());
      if (first || performance.now() - entry.readAt >= REREAD_AFTER_MS) this.reloadInBackground(db, logger, articleId);
      return TEXT_CATCHING_UP;
    }
    const index = target.revision === entry.revision ? entry.index : this.older.get(db, articleId, target.revision);
    if (index === undefined) return TEXT_CATCHING_UP;
    if (index === null) return `target.revision: the article has no revision ${target.revision} (its current one is ${entry.revision})`;
    return problemOn(index, target);
  }

  /**
   * The text held as current, about to be replaced, stays at hand as an earlier revision: work on it comes
   * back from clients that were offline or on a process that had not heard of the revision yet, and reading
   * it again meanwhile put them off (4503), after which a provider's own copy could have let the server's move
   * of the same target win over theirs, and sent it back as deleted.
   */
  private keepAsOlder(articleId: string) {
    const entry = this.known.get(articleId);
    if (entry?.phase === "known") this.older.remember(articleId, entry.revision, entry.index);
  }

  /** Another process stored `revision`: a text kept here that is older is read again. */
  revisedElsewhere(db: Db, logger: Logger, articleId: string, revision: number): void {
    const entry = this.known.get(articleId);
    if (!entry) return;
    // A read under way may have begun before the revision was stored: looked at again once it ends.
    if (entry.phase === "loading") void entry.ready.then(
        () => this.revisedElsewhere(db, logger, articleId, revision),
        () => {}, // that read's failure is logged where it was started; nothing is kept to compare against
      );
    else if (entry.revision < revision) this.reloadInBackground(db, logger, articleId);
  }

  /** Reads again every kept text whose article has a newer revision: for revisions whose event was missed. */
  async refresh(db: Db, logger: Logger): Promise<void> {
    const kept = new Map<string, number>();
    for (const [id, entry] of this.known) if (entry.phase === "known") kept.set(id, entry.revision);
    if (kept.size === 0) return;
    const current = await db.select({ id: articles.id, revision: articles.currentRevision }).from(articles).where(inArray(articles.id, [...kept.keys()]));
    for (const { id, revision } of current) if (revision > kept.get(id)!) this.revisedElsewhere(db, logger, id, revision);
  }

  /**
   * A read nobody waits for. A failure (the database away) leaves the article unknown, so the next socket to
   * name it starts another: it is logged, not thrown.
   */
  private reloadInBackground(db: Db, logger: Logger, articleId: string) {
    this.reload(db, articleId).catch((err: unknown) => logger.warn({ err, article: articleId }, "the article's text could not be read again"));
  }

  private reload(db: Db, articleId: string): Promise<void> {
    this.keepAsOlder(articleId);
    const readAt = performance.now();
    const ready = currentText(db, articleId).then(
      (text) => {
        if (text) this.revised(articleId, text.revision, text.text, readAt);
        else this.known.delete(articleId);
      },
      (err: unknown) => {
        this.known.delete(articleId);
        throw err;
      },
    );
    this.known.delete(articleId);
    this.known.set(articleId, { phase: "loading", ready });
    return ready;
  }
}

async function currentText(db: Db, articleId: string): Promise<{ revision: number; text: string } | null> {
  const [row] = await db
    .select({ revision: articleRevisions.number, text: articleRevisions.text })
    .from(articles)
    .innerJoin(articleRevisions, and(eq(articleRevisions.articleId, articles.id), eq(articleRevisions.number, articles.currentRevision)))
    .where(eq(articles.id, articleId));
  return row ?? null;
}

function problemOn(index: CodePointIndex, target: TextTarget): string | null {
  const problem = targetProblem(index, target);
  return problem && `target.${problem.field}: ${problem.message}`;
}

export const articleTexts = new ArticleTexts();
