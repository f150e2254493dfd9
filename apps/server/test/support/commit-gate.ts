import type { CommitHook } from "../../src/sync/persist/commit-hooks.ts";

/**
 * A commit hook that holds one commit inside its transaction until the test lets it go: a race made to
 * happen every time, or a database that hangs mid-commit. `arm(docName)` holds the next commit of that
 * document (of any, without a name); `inside` resolves while it waits, and `open` lets it go on.
 */
export function commitGate() {
  let gate: { docName?: string; entered: () => void; released: Promise<void> } | null = null;
  const hook: CommitHook = {
    name: "test gate",
    wants: (doc) => gate !== null && (gate.docName === undefined || gate.docName === doc.context.docName),
    beforeProjection: async () => {
      const held = gate;
      gate = null;
      if (!held) return;
      held.entered();
      await held.released;
    },
  };
  const arm = (docName?: string) => {
    let entered!: () => void;
    let open!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    gate = { docName, entered, released: new Promise<void>((resolve) => (open = resolve)) };
    return { inside, open };
  };
  return { hook, arm };
}
