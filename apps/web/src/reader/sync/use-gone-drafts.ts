import { useEffect, useMemo, useRef } from "react";
import { ApiError } from "../../api/client.ts";
import { fetchAnnotation } from "../../api/annotations.ts";
import { releaseStored, storedDrafts, takeSetAside, useDraftScope } from "../../app/drafts.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { draftSubject, draftText } from "../threads/draft-text.ts";
import { goneDraftNotice, setAsideDraftNotice } from "./refusal-words.ts";
import type { TellNotice } from "./use-sync-notice.ts";

/**
 * Drafts (app/drafts.ts) whose annotation is gone, and another tab's text set aside when the article opened,
 * told as the reader tells an edit the server's copy took away (use-sync-notice.ts), with the text to copy.
 *
 * An annotation that leaves every document this page holds (deleted by its author elsewhere or by a
 * moderator, hidden, or deleted while the page was closed, so never in the first sync) may only be moving: a
 * moderator's hide takes it from the group's document to the hidden one, in two steps this page may see
 * apart. So the server is asked: what it no longer shows us is gone for us, and its drafts are let go from
 * storage. The page's memory keeps them, so an unhide while the page is open brings the form back as it was.
 */
export function useGoneDrafts(items: readonly Item[], settled: boolean, tell: TellNotice) {
  const scope = useDraftScope();
  const present = useMemo(() => new Set(items.map((item) => item.id)), [items]);
  const latest = useRef(present);
  latest.current = present;
  const asking = useRef(new Set<string>());
  // Absent here and shown by the server (a document this page does not hold): not asked again on every
  // change of the documents, only once it has been back and left again.
  const shownAbsent = useRef(new Set<string>());

  useEffect(() => {
    if (!scope) return;
    const written = takeSetAside(scope).map(({ name, value }) => ({ form: draftSubject(name)?.form ?? ("new" as const), text: draftText(name, value) }));
    tellAll(written, setAsideDraftNotice, tell);
  }, [scope, tell]);

  // An answer that comes after the reader closed (another article opened) lets nothing go and tells
  // nothing: its text would leave storage unseen. The next visit asks again.
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => void (open.current = false);
  }, []);

  useEffect(() => {
    if (!scope || !settled) return;
    for (const id of shownAbsent.current) if (present.has(id)) shownAbsent.current.delete(id);
    for (const { name } of storedDrafts(scope)) {
      const id = draftSubject(name)?.id;
      if (!id || present.has(id) || asking.current.has(id) || shownAbsent.current.has(id)) continue;
      asking.current.add(id);
      void fateOf(id, () => latest.current.has(id)).then((fate) => {
        asking.current.delete(id);
        if (!open.current || latest.current.has(id) || fate === "unknown") return;
        if (fate === "shown") return void shownAbsent.current.add(id);
        const gone = storedDrafts(scope).filter((draft) => draftSubject(draft.name)?.id === id);
        for (const draft of gone) releaseStored(scope, draft.name);
        tellAll(
          gone.map(({ name, value }) => ({ form: draftSubject(name)!.form, text: draftText(name, value) })),
          goneDraftNotice,
          tell,
        );
      });
    }
  }, [scope, settled, present, tell]);
}

/** A second look, after the documents have moved ahead of the rows the server answers from. */
const SECOND_LOOK_MS = 3_000;

/**
 * Whether the server still shows us the annotation: 410 is a deleted one, 404 one we may not see (hidden, or
 * never ours to see). When it cannot say (offline, a failure) the draft is kept, to be asked about at the
 * next change. Peers see a document's change before its commit, so "shown" is asked once more unless it is `back`.
 */
async function fateOf(id: string, back: () => boolean): Promise<"shown" | "gone" | "unknown"> {
  const ask = () =>
    fetchAnnotation(id).then(
      () => "shown" as const,
      (err: unknown) => (err instanceof ApiError && (err.status === 404 || err.status === 410) ? ("gone" as const) : ("unknown" as const)),
    );
  const first = await ask();
  if (first !== "shown") return first;
  await new Promise((resolve) => setTimeout(resolve, SECOND_LOOK_MS));
  return back() ? "shown" : ask();
}

/** One notice for drafts that had something written in them; an untouched form is let go unsaid. */
function tellAll<F>(written: Array<{ form: F; text: string }>, words: (form: F) => string, tell: TellNotice) {
  const told = written.filter((draft) => draft.text.trim());
  if (told.length === 0) return;
  tell([...new Set(told.map((draft) => words(draft.form)))].join(" "), told.map((draft) => draft.text).join("\n\n"));
}
