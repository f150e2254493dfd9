import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { loadArticleAccess } from "../access/membership.ts";
import type { Db } from "../db.ts";
import { type WriteAccess, articleWriteAccess, createThroughDocument } from "../services/annotations.ts";
import type { SyncHub } from "../sync/hub.ts";

/** Someone whose work the demo shows: an account and where the group lets them write. */
type Writer = { userId: string; access: WriteAccess };

/** The passages the demo annotates; each must occur once in the demo article. */
export const DEMO_QUOTES = {
  published: "Russia voted in favor of several UN Security Council resolutions to sanction Tehran over its nuclear ambitions",
  thread: "the Western governments have no intention and no plan to start a war with Iran",
  highlight: "The use of Iranian drones to attack Ukraine",
  pending: "Russian weapons sale to Iran was one of the JCPOA results.",
} as const;

async function writerIn(db: Db, articleId: string, userId: string): Promise<Writer> {
  return { userId, access: articleWriteAccess(await loadArticleAccess(db, articleId, userId, "annotator")) };
}

/**
 * A few annotations of each kind, so that the demo opens on work in
 * progress. They are written through the live document like any REST write
 * (services/annotations.ts), so that the document and the projection agree
 * and the policy decides their placement: the owner's fact-check is
 * published, the annotator's waits for review.
 */
export async function seedDemoAnnotations(db: Db, hub: SyncHub, input: { articleId: string; text: string; owner: string; annotator: string }) {
  const owner = await writerIn(db, input.articleId, input.owner);
  const annotator = await writerIn(db, input.articleId, input.annotator);
  const index = new CodePointIndex(input.text);
  const target = (quote: string) => {
    const at = input.text.indexOf(quote);
    if (at < 0) throw new Error(`the demo article lacks the passage "${quote}"`);
    const start = index.toCodePoint(at);
    return buildTarget(index, { start, end: start + [...quote].length }, owner.access.revision);
  };
  const write = (who: Writer, request: Parameters<typeof createThroughDocument>[4]) => createThroughDocument(db, hub, who.access, who.userId, request);

  await write(owner, {
    kind: "factcheck",
    visibility: "group",
    target: target(DEMO_QUOTES.published),
    body: "Russia voted for each of the sanctions resolutions of 2006–2010 before it turned against new ones.",
    factcheck: {
      claim: "Before 2014 Russia voted for UN Security Council sanctions on Iran's nuclear programme.",
      verdict: "true",
      confidence: 0.9,
      sources: [
        { url: "https://en.wikipedia.org/wiki/United_Nations_Security_Council_Resolution_1737", title: "UN Security Council Resolution 1737 (2006)" },
        { url: "https://en.wikipedia.org/wiki/United_Nations_Security_Council_Resolution_1929", title: "UN Security Council Resolution 1929 (2010)" },
      ],
    },
  });
  const question = await write(annotator, {
    kind: "comment",
    visibility: "group",
    target: target(DEMO_QUOTES.thread),
    body: "Is this the author's reading, or did a government say so? We need a statement to cite before we rate it.",
  });
  await write(owner, {
    kind: "comment",
    visibility: "group",
    parentId: question.id,
    target: target(DEMO_QUOTES.thread),
    body: "The author's reading. I'll look for a White House or EU statement from the same months.",
  });
  await write(annotator, { kind: "highlight", visibility: "group", target: target(DEMO_QUOTES.highlight) });
  await write(annotator, {
    kind: "factcheck",
    visibility: "group",
    target: target(DEMO_QUOTES.pending),
    body: "The S-300 contract dates from 2007; Moscow lifted its own ban on delivery in April 2015, months before the deal was signed.",
    factcheck: {
      claim: "Russia's S-300 sale to Iran came about because of the JCPOA.",
      verdict: "misleading",
      confidence: 0.7,
      sources: [{ url: "https://en.wikipedia.org/wiki/S-300_missile_system", title: "S-300 missile system: operators and exports" }],
    },
  });
}
