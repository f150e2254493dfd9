import { type FormEvent, useState } from "react";
import { errorMessage } from "../api/client.ts";
import { type Group, updateGroupSettings } from "../api/groups.ts";

/**
 * The owner's settings: anonymity to peers, and for pre-moderated
 * groups how many independent fact-checks a passage needs before publication.
 * The moderation mode is shown, not offered: it is fixed at creation.
 */
export function GroupSettingsPanel({ group, onSaved }: { group: Group; onSaved(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setSaved(false);
    try {
      const quorum = group.moderation === "pre" ? { reviewQuorum: Number(form.get("reviewQuorum")) } : {};
      await updateGroupSettings(group.id, { anonymousToPeers: form.get("anonymousToPeers") === "on", ...quorum });
      onSaved();
      setSaved(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="settings-heading" className="panel">
      <h2 id="settings-heading">Settings</h2>
      <form onSubmit={(e) => void save(e)} className="row-form" aria-label="Group settings">
        <label>
          <input type="checkbox" name="anonymousToPeers" defaultChecked={group.anonymousToPeers} /> Anonymous to peers: members see
          pseudonyms instead of each other's names; moderators still see names
        </label>
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
