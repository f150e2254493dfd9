import { type FormEvent, useId, useState } from "react";
import { ApiError, errorMessage } from "../api/client.ts";
import { type Group, groupHasAnnotations, updateGroupSettings } from "../api/groups.ts";
import { useAsync } from "../lib/use-async.ts";

const TOO_LATE = "Anonymity can be turned on only before anyone annotates in the group: what is already written names its authors. This group already has annotations.";

/**
 * The owner's settings: anonymity to peers, and for pre-moderated
 * groups how many independent fact-checks a passage needs before publication.
 * The moderation mode is shown, not offered: it is fixed at creation.
 */
export function GroupSettingsPanel({ group, onSaved }: { group: Group; onSaved(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [anonymous, setAnonymous] = useState(group.anonymousToPeers);
  // Known from the server's refusal when the listing could not tell (others' private or deleted work).
  const [refused, setRefused] = useState(false);
  const annotated = useAsync(() => (group.anonymousToPeers ? Promise.resolve(false) : groupHasAnnotations(group.id)), [group.id, group.anonymousToPeers]);
  // Turning it off stays possible; turning it on is what the first annotation rules out.
  const locked = !group.anonymousToPeers && (refused || annotated.data === true);
  // Not offered until the answer is in: ticked in that moment, it met the server's refusal instead.
  const checking = !group.anonymousToPeers && annotated.data === undefined && !annotated.error;
  const explanation = useId();

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setSaved(false);
    try {
      const quorum = group.moderation === "pre" ? { reviewQuorum: Number(form.get("reviewQuorum")) } : {};
      await updateGroupSettings(group.id, { anonymousToPeers: anonymous, ...quorum });
      onSaved();
      setSaved(true);
    } catch (err) {
      // The box shows the setting as it is, not as it was asked for.
      setAnonymous(group.anonymousToPeers);
      if (err instanceof ApiError && err.status === 409 && err.field === "anonymousToPeers") {
        setRefused(true);
        setError("Not saved: anonymity can no longer be turned on, because this group already has annotations.");
      } else setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="settings-heading" className="panel">
      <h2 id="settings-heading">Settings</h2>
      <form onSubmit={(e) => void save(e)} className="row-form" aria-label="Group settings">
        <div className="checkbox-field">
          <label className="checkbox">
            <input
              type="checkbox"
              name="anonymousToPeers"
              checked={anonymous}
              disabled={locked || checking}
              aria-describedby={locked ? explanation : undefined}
              onChange={(e) => setAnonymous(e.target.checked)}
            />
            <span>Anonymous to peers: members see pseudonyms instead of each other's names; moderators still see names</span>
          </label>
          {locked && (
            <p className="hint" id={explanation}>
              {TOO_LATE}
            </p>
          )}
        </div>
        {group.moderation === "pre" && (
          <label>
            Independent reviews per passage
            <input name="reviewQuorum" type="number" min={1} max={10} step={1} defaultValue={group.reviewQuorum} required />
          </label>
        )}
        <button type="submit" className="primary">
          Save settings
        </button>
      </form>
      {saved && <p role="status">Saved.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
