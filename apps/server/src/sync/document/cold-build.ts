import type * as Y from "yjs";
import { compactionWorker } from "../persist/yjs-worker.ts";
import type { ColdBytes } from "./cold-bytes.ts";
import { ownTurn } from "./own-turn.ts";
import { BUILD_AFTER_MS, SLICED_BUILD_BYTES, SLICE_SIZES, applySlice, applyUnheard } from "./sliced-build.ts";

/** The slices of a large cold state, applied a slice per turn up to `next`; `withTail` when the tail was cut with them. */
type Slices = { list: Uint8Array[]; next: number; withTail: boolean };

type Building = {
  kind: "building";
  bytes: ColdBytes;
  /** None while the worker cuts the state. Till the last is applied, `bytes` still holds the whole of it. */
  slices: Slices | null;
  /** Settles when the build in slices ends: built, given up, or unloaded. Never rejects. */
  done: Promise<void>;
};

/**
 * Cold: the state as loaded, served from its bytes (cold-bytes.ts), with a build in slices `planned` for a large
 * one. Building: that build under way. Built: the Y.Doc holds the state. Destroyed: unloaded, nothing more is built.
 */
type Phase =
  | { kind: "cold"; bytes: ColdBytes; planned: ReturnType<typeof setTimeout> | null }
  | Building
  | { kind: "built" }
  | { kind: "destroyed" };

/**
 * A live document's Y.Doc from its loaded bytes (document.ts): built on first use, usually the first write; a large
 * one in slices before that (`buildInSlices`), from BUILD_AFTER_MS after the load or the first need.
 */
export class ColdBuild {
  private phase: Phase;

  constructor(
    private readonly ydoc: Y.Doc,
    cold: ColdBytes | null,
    /** The transaction origin the loaded state is applied under, which the document's listeners ignore. */
    private readonly origin: unknown,
    /** Called once, when the stored state has just been built into the Y.Doc. */
    private readonly built: () => void,
  ) {
    this.phase = cold ? { kind: "cold", bytes: cold, planned: null } : { kind: "built" };
  }

  /** The loaded bytes, while the Y.Doc is still to be built from them. */
  get cold(): ColdBytes | null {
    return this.phase.kind === "cold" || this.phase.kind === "building" ? this.phase.bytes : null;
  }

  get isDestroyed(): boolean {
    return this.phase.kind === "destroyed";
  }

  /** Whether a build in slices is under way or planned. */
  get isBuilding(): boolean {
    return this.phase.kind === "building" || (this.phase.kind === "cold" && this.phase.planned !== null);
  }

  /** Plans a build in slices for a large cold state, BUILD_AFTER_MS from now; a smaller one waits for its first use. */
  plan() {
    const phase = this.phase;
    if (phase.kind !== "cold" || phase.bytes.bytes.byteLength < SLICED_BUILD_BYTES) return;
    phase.planned = setTimeout(() => this.start(), BUILD_AFTER_MS);
    phase.planned.unref();
  }

  /** Builds what is left at once: the whole state, or the rest of its slices, then a tail not cut with them. */
  finish() {
    const phase = this.phase;
    if (phase.kind !== "cold" && phase.kind !== "building") return;
    if (phase.kind === "cold" && phase.planned) clearTimeout(phase.planned);
    // Built before the bytes are applied, so that bytes Yjs refuses fail this use and are not applied again.
    this.phase = { kind: "built" };
    const { bytes: state, tail } = phase.bytes;
    const slices = phase.kind === "building" ? phase.slices : null;
    if (slices) while (slices.next < slices.list.length) applySlice(this.ydoc, slices.list[slices.next++]!, this.origin);
    else applyUnheard(this.ydoc, state, this.origin);
    if (tail && !slices?.withTail) applyUnheard(this.ydoc, tail, this.origin);
    this.built();
  }

  /** Resolves once a build in slices under way has ended, at once when none is; a planned one starts now. */
  whenBuilt(): Promise<void> {
    if (this.phase.kind === "cold" && this.phase.planned) this.start();
    return this.phase.kind === "building" ? this.phase.done : Promise.resolve();
  }

  destroy() {
    if (this.phase.kind === "cold" && this.phase.planned) clearTimeout(this.phase.planned);
    this.phase = { kind: "destroyed" };
  }

  private start() {
    const phase = this.phase;
    if (phase.kind !== "cold") return;
    if (phase.planned) clearTimeout(phase.planned);
    const building: Building = { kind: "building", bytes: phase.bytes, slices: null, done: Promise.resolve() };
    this.phase = building;
    building.done = this.buildInSlices(building)
      // A slice Yjs refused: the whole state is applied on first use instead, and fails there if it must.
      .catch(() => {})
      .then(() => {
        // Given up (the state could not be cut, or a slice was refused) and not tried again: built on first use.
        if (this.phase === building) this.phase = { kind: "cold", bytes: building.bytes, planned: null };
      });
  }

  /**
   * Builds a large cold document a slice per event-loop turn, so that the first write to it does not hold every
   * socket of the process while a whole state is applied (about a second for 10 MB). The worker cuts the state
   * (state-slices.mjs); a state it cannot cut is built on first use.
   */
  private async buildInSlices(building: Building) {
    const { bytes: state, tail } = building.bytes;
    // A large tail is merged into the state first and cut with it: its structs build on the snapshot's, so
    // it cannot be cut alone, and applied whole after the last slice it would hold the loop as long as a
    // large state does. A small one is applied whole then (`finish`).
    const withTail = tail !== null && tail.byteLength >= SLICED_BUILD_BYTES;
    // On the background thread, not the loads' one: cutting a 10 MB state takes it about 0.6 s, which
    // another document's load would otherwise wait behind.
    const whole = withTail ? await compactionWorker.merge([state, tail]).catch(() => null) : state;
    const list = whole && (await compactionWorker.slices(whole, SLICE_SIZES).catch(() => null));
    // Built or unloaded meanwhile. Still building, the bytes cut are those held: a new client's step 2 may have
    // moved them (cold-bytes.ts), never changed them.
    if (!list || this.phase !== building) return;
    const slices = { list, next: 0, withTail };
    building.slices = slices;
    while (this.phase === building) {
      await ownTurn();
      if (this.phase !== building) return;
      applySlice(this.ydoc, slices.list[slices.next++]!, this.origin);
      if (slices.next === slices.list.length) this.finish();
    }
  }
}
