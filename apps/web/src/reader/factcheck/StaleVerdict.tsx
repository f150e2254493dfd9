import { useMemo, useState } from "react";
import { promptsStaleness, stalenessOf } from "@marginalia/schema";
import { confirmVerdict } from "../../api/annotations.ts";
import { errorMessage } from "../../api/client.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { type Reader, canConfirm } from "../permissions/permissions.ts";
import { type DiffPart, quoteDiff } from "./quote-diff.ts";

/** Removed words struck through, added ones underlined, as editors mark a correction. */
const PART_TAGS: Record<DiffPart["kind"], "del" | "ins" | "span"> = { removed: "del", added: "ins", same: "span" };

/**
 * The mark of a verdict whose passage a revision changed (docs/architecture.md, "Verdicts pinned to the
 * text"): what the words were and are, and for its author or a moderator, the way to confirm it against
 * them. Confirming is the server's to write, so the card turns current when the live document says so.
 */
export function StaleVerdict({ item, reader }: { item: Item; reader: Reader }) {
  const staleness = stalenessOf(item, item.target?.revision ?? 0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const stale = staleness.state === "stale" ? staleness : null;
  const parts = useMemo(() => (stale && stale.newQuote !== null ? quoteDiff(stale.oldQuote, stale.newQuote) : null), [stale?.oldQuote, stale?.newQuote]);
  // A rejected or hidden verdict is published nowhere: nothing to confirm it for.
  if (!stale || !promptsStaleness(item)) return null;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await confirmVerdict(item.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="stale-verdict" aria-label="Stale verdict" data-stale-revision={stale.revision}>
      <p className="stale-title">
        <strong>Stale verdict.</strong> Revision {stale.revision} changed the passage this verdict was given on (revision {stale.judgedRevision}).
      </p>
      {parts ? (
        <p className="quote-diff">
          {parts.map((part, i) => {
            const Tag = PART_TAGS[part.kind];
            return <Tag key={`${i}-${part.kind}`}>{part.text}</Tag>;
          })}
        </p>
      ) : (
        <p className="hint">The passage is no longer in the text: re-attach the fact-check (Orphans), then confirm its verdict.</p>
      )}
      {parts && canConfirm(item, reader) && (
        <button type="button" disabled={busy} onClick={() => void confirm()}>
          Confirm the verdict against the new text
        </button>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
