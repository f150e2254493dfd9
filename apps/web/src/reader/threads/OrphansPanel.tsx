import { useEffect, useMemo, useState } from "react";
import type { Role } from "@marginalia/schema";
import { type AnnotationView, queryAnnotations, reattachAnnotation } from "../../api/annotations.ts";
import { errorMessage } from "../../api/client.ts";
import type { Member } from "../../api/groups.ts";
import { KIND_LABELS } from "../highlights/highlight-style.ts";
import { canModerate, canWrite } from "../permissions/permissions.ts";
import type { Span } from "../highlights/text-map.ts";
import type { Thread } from "./threads.ts";

type Orphan = { id: string; kind: AnnotationView["kind"]; authorId: string | null; authorName: string; quote: string; body: string; language: string | null };

type Props = {
  articleId: string;
  threads: readonly Thread[];
  selection: Span | null;
  me: string;
  role: Role;
  members: Map<string, Member>;
  /** Changes whenever the documents change, so the server's list is fetched again. */
  version: number;
};

/**
 * Annotations whose passage is no longer in the text: the server's list
 * (`anchor=orphaned`) and any the reader could not place itself. Their
 * authors can put them back on a passage they select.
 */
export function OrphansPanel({ articleId, threads, selection, me, role, members, version }: Props) {
  const [remote, setRemote] = useState<AnnotationView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    // Debounced: a burst of edits is one fetch.
    const timer = setTimeout(() => {
      queryAnnotations(articleId, { anchor: "orphaned", limit: "200" })
        .then((r) => setRemote(r.annotations))
        .catch((err) => setError(errorMessage(err)));
    }, 400);
    return () => clearTimeout(timer);
  }, [articleId, version, reload]);

  const orphans = useMemo(() => {
    const list = new Map<string, Orphan>();
    for (const a of remote) {
      if (a.parentId) continue;
      list.set(a.id, { id: a.id, kind: a.kind, authorId: a.author.id, authorName: a.author.name ?? "Former member", quote: a.target?.exact ?? "", body: a.body, language: a.language });
    }
    for (const t of threads) {
      // A deleted comment's placeholder is nothing to re-attach.
      if (!t.orphaned || t.deleted) continue;
      const r = t.root;
      list.set(r.id, { id: r.id, kind: r.kind, authorId: r.authorId, authorName: members.get(r.authorId)?.name ?? "Former member", quote: r.target?.exact ?? "", body: r.body, language: r.language });
    }
    return [...list.values()];
  }, [remote, threads, members]);

  const reattach = async (id: string) => {
    if (!selection) return;
    setError(null);
    try {
      await reattachAnnotation(id, selection);
      setReload((n) => n + 1);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section className="orphans" aria-label="Orphaned annotations">
      <p className="hint">Annotations whose passage changed or disappeared when the article was corrected.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {orphans.length === 0 ? (
        <p className="empty">No orphaned annotations.</p>
      ) : (
        <ul className="orphan-list">
          {orphans.map((o) => (
            <li key={o.id} className="orphan">
              <p>
                <strong>{KIND_LABELS[o.kind]}</strong> by {o.authorName}
              </p>
              {o.quote && <blockquote dir="auto">“{o.quote}”</blockquote>}
              {o.body && (
                <p className="safe-text" dir="auto" lang={o.language ?? undefined}>
                  {o.body}
                </p>
              )}
              {((o.authorId === me && canWrite(role)) || canModerate(role)) && (
                <button type="button" disabled={!selection} onClick={() => void reattach(o.id)} title={selection ? undefined : "Select the passage in the article first"}>
                  Re-attach to my selection
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
