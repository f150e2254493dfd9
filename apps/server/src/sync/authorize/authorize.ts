import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { type AnnotationField, MAX_NOTES_LENGTH, ROOTS, annotationsOf, notesOf, readAnnotation, votesOf } from "@marginalia/schema";
import { type AnnotationChange, checkAnnotation, inserted, leftEmpty, newChange, removed } from "../validate/annotation-change.ts";
import { NOT_V1, decodeInTurns, decodeUpdate, readsAsV1 } from "../validate/decoded-update.ts";
import { GONE, type Location, Locator, MISSING } from "../validate/locate.ts";
import { MapEntries } from "../validate/map-entries.ts";
import { inSlices } from "../document/own-turn.ts";
import { type Actor, type AnnotationStatus, type StatusAction, canWrite, moderationStepOf } from "@marginalia/schema";

/**
 * `missing`: the update builds on content the server has not received yet, so
 * it cannot be judged now; the connection holds it until that content arrives.
 */
/**
 * `steps`: the moderation steps an approved update takes (a moderator's
 * publish, hide or unhide written as a status), which the server logs and
 * tells the author of once they are stored, as it does for the REST steps.
 */
export type Authorization = { ok: true; empty: boolean; steps: ModerationStep[] } | { ok: false; reason: string; missing?: true };
export type ModerationStep = { annotationId: string; authorId: string; action: StatusAction; oldStatus: AnnotationStatus; newStatus: AnnotationStatus };

/**
 * Decides whether `actor` may apply `update` to `doc`, before it is applied
 * (docs/sync.md, "What you may write"): every inserted item and every deletion is traced to the
 * annotation, vote or note it touches, and checked against the role rules
 * and the layout's schemas. Anything not understood is refused.
 */
export function authorizeUpdate(doc: Y.Doc, update: Uint8Array, actor: Actor): Authorization {
  const judgement = judging(doc, update, actor);
  for (;;) {
    const step = judgement.next();
    if (step.done) return step.value;
  }
}

/**
 * The same judgement as `authorizeUpdate`, run a slice per turn of the event
 * loop (`ownTurn`): a large update (1 MB carries about 1,500 new annotations)
 * takes 70–150 ms to judge, which would hold every other socket of the
 * process. The document must not change until it resolves (large-update.ts
 * sees to that). `spent` is told each slice's time.
 */
export async function authorizeInTurns(doc: Y.Doc, update: Uint8Array, actor: Actor, spent: (ms: number) => void = () => {}): Promise<Authorization> {
  try {
    await decodeInTurns(update, spent);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  return inSlices(judging(doc, update, actor), SLICE_MS, spent);
}

/** How long a slice of a judgement in turns runs before it gives the turn back. */
const SLICE_MS = 8;
/** Items judged between pauses, where a judgement in turns may give the turn back. */
const PAUSE_EVERY = 64;

/** A judgement that pauses now and then, where the event loop may be handed back; its value is the verdict. */
type Judging = Generator<void, Authorization, void>;

function* judging(doc: Y.Doc, update: Uint8Array, actor: Actor): Judging {
  // Type the roots before anything lands in them. Content loaded into a root
  // nobody has asked for by type sits in a placeholder that Yjs swaps for the
  // typed instance on first access; a transaction that lands in the
  // placeholder is filed under it, and `touchedAnnotations` (touched.ts),
  // which compares against the typed instance, misses it: the first vote after
  // a document loads never reached the projection.
  try {
    annotationsOf(doc);
    votesOf(doc);
    notesOf(doc);
    return yield* check(doc, update, actor);
  } catch (err) {
    return { ok: false, reason: `malformed update (${(err as Error).message ?? "unreadable"})` };
  }
}

function* check(doc: Y.Doc, update: Uint8Array, actor: Actor): Judging {
  const { structs, ds } = decodeUpdate(update);
  if (!readsAsV1(update)) return refuse(NOT_V1);
  // Yjs integrates only the last block an update lists for a client (a later one replaces an earlier one
  // when it is read), while decoding yields them all: judged whole, a crafted update with one client listed
  // twice would be approved for content Yjs never applies, and Yjs would set the rest aside as pending,
  // to be echoed to every client. An encoder writes each client once, in one non-empty block.
  if (clientBlocks(update) !== new Set(structs.map((s) => s.id.client)).size) {
    return refuse("an update lists a Yjs client more than once, or with no structs");
  }
  // Nor does an encoder write a struct of length 0 (an empty string, say). Yjs integrates one at the
  // client's current clock, origins and all, while it would count here as nothing new and go unchecked.
  if (structs.some((s) => s.length === 0)) return refuse("an update carries an empty struct");
  // A clock counts what one client wrote into one document, from 0. Past 2^53 it no longer reads back
  // (lib0 refuses the number), and one struct ending there, deleted content of a huge length, made every
  // later copy of the document unreadable, to its clients and to the server's own next load.
  if (structs.some((s) => s.id.clock + s.length > MAX_CLOCK) || [...ds.clients.values()].some((ranges) => ranges.some((r) => r.clock + r.len > MAX_CLOCK))) {
    return refuse(`an update's clocks run past ${MAX_CLOCK}`);
  }
  const items = structs.filter((s): s is Y.Item => s instanceof Y.Item);
  const locator = new Locator(
    doc,
    items,
    structs.filter((s): s is Y.GC => s instanceof Y.GC),
  );
  yield; // indexing a large update's items takes a slice of its own
  // What builds on content the server has not received yet cannot be judged
  // now: the rest is checked (a refusal stands whatever arrives later), and
  // the update waits if nothing is refused.
  let missing = false;
  let sincePause = 0;
  /** True every PAUSE_EVERY calls: where the caller yields, a judgement in turns may give the turn back. */
  const pauseDue = () => ++sincePause % PAUSE_EVERY === 0;
  // Every sync step 2 carries its sender's whole delete set: what is already
  // deleted here is no change. A range the server has no content for yet is
  // checked once that content arrives; were it let through, Yjs would keep it
  // and delete whatever is later written there, by anyone.
  const deletions: Array<{ struct: Y.Item; len: number }> = [];
  /** The update's own items that its delete set names: they arrive deleted. */
  const deletedOwn = new Set<Y.Item>();
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      for (const covered of structsIn(locator, client, range.clock, range.len)) {
        if (pauseDue()) yield;
        if (covered === null) missing = true;
        else if (!covered.struct.deleted) deletions.push(covered);
        if (covered?.own) deletedOwn.add(covered.struct);
      }
    }
  }
  // Items already integrated here (sent again in another client's sync step 2, or in a held update that
  // the step 2 overtook) are skipped by Yjs: they change nothing.
  const isFresh = (s: Y.Item | Y.GC) => s.id.clock + s.length > Y.getState(doc.store, s.id.client);
  const fresh = items.filter(isFresh);
  // Yet Yjs looks up the neighbours and parent of every struct before it skips one it has (Item.getMissing,
  // called from integrateStructs). A struct the server holds, sent again naming content it lacks, is set
  // aside as pending, with every later struct of its client: those would be integrated whenever that
  // content came, long after this judgement, and sent meanwhile to every client inside sync replies. An
  // honest copy of a struct names what the server's copy names, which the server has.
  for (const item of items) {
    if (pauseDue()) yield;
    if (!isFresh(item) && locator.namesUnknown(item)) return refuse("an update repeats content the server has, naming content it does not have");
  }
  // An item that starts inside what the server has from its client and runs past it (a step 2 that raced
  // its writer's own earlier update, relayed from another process after this one's step 1) is integrated
  // from the server's clock on: Yjs places the new part after that client's last struct here, while taking
  // the parent from the origin the item names (Item.integrate with an offset). Where the two differ it
  // would land in a list, or after a map value, that it was not judged for.
  if (fresh.some((s) => s.id.clock < Y.getState(doc.store, s.id.client) && !locator.continuesWhereNamed(s))) {
    return refuse("an update's struct overlaps what the server already has from its client, and continues elsewhere");
  }
  // Garbage-collected structs carry no content, but they advance their client's clock: an edit made
  // offline inside something deleted meanwhile arrives as one, and dropping it would leave the server's
  // state vector short of the client's for good.
  const freshGCs = structs.filter((s): s is Y.GC => s instanceof Y.GC && isFresh(s));
  for (const gc of freshGCs) if (gc.id.clock > locator.reachedClockOf(gc.id.client)) missing = true;
  if (fresh.length === 0 && freshGCs.length === 0 && deletions.length === 0 && !missing) return { ok: true, empty: true, steps: [] };
  if (!canWrite(actor.role)) return { ok: false, reason: `a ${actor.role} cannot change this document` };

  const changes = new Map<string, AnnotationChange>();
  const changeOf = (id: string) => {
    let change = changes.get(id);
    if (!change) changes.set(id, (change = newChange()));
    return change;
  };
  const fieldEntries = new MapEntries<Location>();
  let notesDelta = 0;

  for (const item of fresh) {
    if (pauseDue()) yield;
    const where = locator.dependsOnMissing(item) ? MISSING : locator.locate(item);
    if (where === MISSING) {
      missing = true;
      // Still placed: it lands after its origin once its content comes. A field overwritten right after
      // reconnecting, before the offline work it follows arrives, would otherwise read as emptied and be
      // refused instead of held (the whole update is judged again then, with everything located).
      fieldEntries.placed(item);
      continue;
    }
    if (!where) return refuse("an update refers to content the server does not have");
    if (where === GONE) continue; // edits inside something deleted meanwhile: Yjs drops them
    fieldEntries.placed(item);
    if (isField(where) && (item.content instanceof Y.ContentDeleted || deletedOwn.has(item))) fieldEntries.deletedAt(item, where);
    const problem = inserted(doc, item, where, actor, changeOf, (n) => (notesDelta += n));
    if (problem) return refuse(problem);
  }
  for (const { struct, len } of deletions) {
    if (pauseDue()) yield;
    const where = locator.locate(struct);
    if (where === MISSING) {
      missing = true;
      continue;
    }
    if (!where || where === GONE) continue; // already gone: deleting it again changes nothing
    if (isField(where) && !deletedOwn.has(struct)) fieldEntries.deletedAt(struct, where);
    const problem = removed(len, where, actor, changeOf, (n) => (notesDelta -= n));
    if (problem) return refuse(problem);
  }
  for (const { keys } of fieldEntries.emptied()) {
    const problem = leftEmpty(changeOf(keys[0]!), keys[1] as AnnotationField);
    if (problem) return refuse(problem);
  }
  if (notesOf(doc).length + notesDelta > MAX_NOTES_LENGTH) return refuse("the notes are too long");

  const steps: ModerationStep[] = [];
  const createdHere = new Set([...changes].filter(([, change]) => change.created).map(([id]) => id));
  for (const [id, change] of changes) {
    yield; // each check reads and validates the whole annotation: about a quarter of a millisecond
    const problem = checkAnnotation(doc, id, change, actor, createdHere);
    if (problem) return refuse(problem);
    const step = moderationStep(doc, id, change, actor);
    if (step) steps.push(step);
  }
  if (missing) return { ok: false, reason: "an update builds on content the server does not have yet", missing: true };
  return { ok: true, empty: false, steps };
}

/** The moderation step an approved change of status is, if it is one. */
function moderationStep(doc: Y.Doc, id: string, change: AnnotationChange, actor: Actor): ModerationStep | null {
  const to = change.fields.get("status")?.at(-1);
  const map = annotationsOf(doc).get(id);
  if (change.created || change.deleted || !map || typeof to !== "string") return null;
  const existing = readAnnotation(map);
  const action = moderationStepOf(actor, existing.status, to);
  return action ? { annotationId: id, authorId: existing.authorId, action, oldStatus: existing.status, newStatus: to as AnnotationStatus } : null;
}

const refuse = (reason: string): Authorization => ({ ok: false, reason });

/** The highest clock a struct or deletion may reach: no client writes two billion items into one document. */
export const MAX_CLOCK = 2 ** 31 - 1;

/** Whether `where` is a field of an annotation (its body included): a key whose value an update may remove. */
const isField = (where: Location) => where.root === ROOTS.annotations && where.keys.length === 2 && typeof where.keys[0] === "string" && typeof where.keys[1] === "string";

/** How many client blocks a v1 update declares: its first number. */
function clientBlocks(update: Uint8Array): number {
  return decoding.readVarUint(decoding.createDecoder(update));
}

/**
 * The items, live or in the update (`own`), that a delete-set range covers,
 * with how much of each; null for a part that neither the update nor the
 * document has.
 */
function* structsIn(
  locator: Locator,
  client: number,
  clock: number,
  len: number,
): Generator<{ struct: Y.Item; len: number; own: boolean } | null> {
  let at = clock;
  const end = clock + len;
  while (at < end) {
    const id = Y.createID(client, at);
    // The document's own struct first: Yjs deletes what it has, whatever copy the update carries.
    const live = locator.liveStructAt(id);
    const struct = live ?? locator.updateItemAt(id) ?? locator.updateGCAt(id);
    if (!struct) {
      yield null;
      return;
    }
    const structEnd = struct.id.clock + struct.length;
    if (struct instanceof Y.Item) yield { struct, len: Math.min(end, structEnd) - at, own: !live };
    at = structEnd;
  }
}
