import { useEffect, useMemo, useRef } from "react";
import { ApiError } from "../../api/client.ts";
import { fetchAnnotation } from "../../api/annotations.ts";
import { fetchArticle } from "../../api/articles.ts";
import { releaseStored, storedDrafts, takeSetAside, useDraftScope } from "../../app/drafts.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { draftSubject, draftText } from "../threads/draft-text.ts";
import { type GoneFate, goneDraftNotice, setAsideDraftNotice } from "./refusal-words.ts";
import type { TellNotice } from "./use-sync-notice.ts";

/**
 * Drafts (app/drafts.ts) whose annotation is gone, and another tab's text set aside when the article opened,
 * told as the reader tells an edit the server's copy took away (use-sync-notice.ts), with the text to copy.
 *
 * An annotation that leaves every document this page holds (deleted by its author elsewhere or by a
 * moderator, hidden, or deleted while the page was closed, so never in the first sync) may only be moving: a
 * moderator's hide takes it from the group's document to the hidden one, in two steps this page may see
 * apart. So the server is asked: what it no longer shows us is gone for us, and its drafts are let go from
 * storage. The page's memory keeps them, so an unhide while the page is open brings the form back as it was,
 * and takes back what was told of it. An annotation the server no longer shows because we lost access to the
 * article (removed from the group) is told as that, not as deleted or hidden.
 */
export function useGoneDrafts(articleId: string, items: readonly Item[], settled: boolean, tell: TellNotice) {
  const scope = useDraftScope();
  const present = useMemo(() => new Set(items.map((item) => item.id)), [items]);
  const latest = useRef(present);
  latest.current = present;
  const asking = useRef(new Set<string>());
  // Absent here and shown by the server (a document this page does not hold): not asked again on every
  // change of the documents, only once it has been back and left again.
  const shownAbsent = useRef(new Set<string>());
  // What was told of each annotation's drafts, taken back if it comes back while the page is open.
  const told = useRef(new Map<string, () => void>());

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
    for (const [id, withdraw] of told.current) {
      if (!present.has(id)) continue;
      told.current.delete(id);
      withdraw();
    }
    for (const { name } of storedDrafts(scope)) {
      const id = draftSubject(name)?.id;
      if (!id || present.has(id) || asking.current.has(id) || shownAbsent.current.has(id)) continue;
      asking.current.add(id);
      void fateOf(id, articleId, () => latest.current.has(id)).then((fate) => {
        asking.current.delete(id);
        if (!open.current || latest.current.has(id) || fate === "unknown") return;
        if (fate === "shown") return void shownAbsent.current.add(id);
        const gone = storedDrafts(scope).filter((draft) => draftSubject(draft.name)?.id === id);
        for (const draft of gone) releaseStored(scope, draft.name);
        const withdraw = tellAll(
          gone.map(({ name, value }) => ({ form: draftSubject(name)!.form, text: draftText(name, value) })),
          (form) => goneDraftNotice(form, fate),
          tell,
        );
        if (withdraw) told.current.set(id, withdraw);
      });
    }
  }, [scope, articleId, settled, present, tell]);
}

/** A second look, after the documents have moved ahead of the rows the server answers from. */
const SECOND_LOOK_MS = 3_000;

/**
 * Whether the server still shows us the annotation: 410 is a deleted one, 404 one we may not see (hidden, or
 * never ours to see), unless the article itself is no longer ours to read (removed from the group): then the
 * draft is lost with our access. When it cannot say (offline, a failure) the draft is kept, to be asked about
 * at the next change. Peers see a document's change before its commit, so "shown" is asked once more unless it is `back`.
 */
export async function fateOf(
  id: string,
  articleId: string,
  back: () => boolean,
  ask = { annotation: fetchAnnotation as (id: string) => Promise<unknown>, article: fetchArticle as (id: string) => Promise<unknown> },
): Promise<"shown" | GoneFate | "unknown"> {
  const refused = (err: unknown, statuses: number[]) => err instanceof ApiError && statuses.includes(err.status);
  const access = () =>
    ask.article(articleId).then(
      () => "gone" as const,
      (err: unknown) => (refused(err, [401, 403, 404]) ? ("access" as const) : ("unknown" as const)),
    );
  const once = () =>
    ask.annotation(id).then(
      () => "shown" as const,
      (err: unknown) => (refused(err, [410]) ? ("gone" as const) : refused(err, [404]) ? access() : ("unknown" as const)),
    );
  const first = await once();
  if (first !== "shown") return first;
  await new Promise((resolve) => setTimeout(resolve, SECOND_LOOK_MS));
  return back() ? "shown" : once();
}

/** One notice for drafts that had something written in them; an untouched form is let go unsaid. */
function tellAll<F>(written: Array<{ form: F; text: string }>, words: (form: F) => string, tell: TellNotice): (() => void) | undefined {
  const told = written.filter((draft) => draft.text.trim());
  if (told.length === 0) return;
  return tell([...new Set(told.map((draft) => words(draft.form)))].join(" "), told.map((draft) => draft.text).join("\n\n"));
}
