import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { annotationPath } from "@marginalia/schema";
import { type AnnotationView, searchGroupAnnotations } from "../api/annotations.ts";
import type { ArticleSummary } from "../api/articles.ts";
import { errorMessage } from "../api/client.ts";
import { Link } from "../app/router.tsx";
import { KIND_LABELS } from "../reader/highlights/highlight-style.ts";

/** How long typing must pause before the server is asked. */
const DEBOUNCE_MS = 300;
/** One page is enough to point somewhere; more words narrow it. */
const LIMIT = 50;

type Search =
  | { state: "idle" }
  | { state: "loading"; q: string }
  | { state: "done"; q: string; results: AnnotationView[]; more: boolean }
  | { state: "failed"; q: string; error: string };

/**
 * Searches every article of the group through the server's full-text `q`
 * (body, claim and quote). Answers to an older query are dropped, so a slow
 * answer never replaces a newer one.
 */
export function GroupSearch({ groupId, articles }: { groupId: string; articles: ArticleSummary[] | undefined }) {
  const [text, setText] = useState("");
  const [search, setSearch] = useState<Search>({ state: "idle" });
  const ticket = useRef(0);

  const run = (raw: string) => {
    const q = raw.trim();
    const mine = ++ticket.current;
    if (!q) return setSearch({ state: "idle" });
    setSearch({ state: "loading", q });
    searchGroupAnnotations(groupId, q, LIMIT).then(
      (page) => mine === ticket.current && setSearch({ state: "done", q, results: page.annotations, more: page.nextCursor !== null }),
      (err) => mine === ticket.current && setSearch({ state: "failed", q, error: errorMessage(err) }),
    );
  };
  // Latest `run` from a ref: the timer must not restart when the component re-renders for other reasons.
  const latestRun = useRef(run);
  latestRun.current = run;
  useEffect(() => {
    const timer = setTimeout(() => latestRun.current(text), text.trim() ? DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
  }, [text]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    run(text);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "Escape" || text === "") return;
    event.preventDefault();
    setText("");
  };
  const titles = new Map(articles?.map((a) => [a.id, a.title]));

  return (
    <section aria-labelledby="search-heading" className="group-search">
      <h2 id="search-heading">Search annotations</h2>
      <form role="search" aria-label="Annotations in this group" onSubmit={submit}>
        <label htmlFor="group-search">Words in comments, claims and quoted passages</label>
        <input id="group-search" type="search" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} maxLength={500} autoComplete="off" dir="auto" />
      </form>
      <p role="status" className="search-count">
        {search.state === "loading" && "Searching…"}
        {search.state === "done" && countText(search.q, search.results.length, search.more)}
      </p>
      {search.state === "failed" && (
        <p className="error" role="alert">
          The search failed: {search.error}
        </p>
      )}
      {search.state === "done" && search.results.length > 0 && (
        <ul className="search-results" aria-label="Matching annotations">
          {search.results.map((a) => (
            <li key={a.id}>
              {/* A reply opens its thread, which the reader focuses by its first comment's id. */}
              <Link to={annotationPath(a.articleId, a.parentId ?? a.id)} dir="auto">
                {excerpt(a)}
              </Link>
              <span className="muted">
                {a.parentId ? "Reply" : KIND_LABELS[a.kind]} by {a.author.name ?? "a member"} · {titles.get(a.articleId) ?? "an article"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function countText(q: string, n: number, more: boolean): string {
  if (n === 0) return `No annotations match “${q}”.`;
  if (more) return `The newest ${n} annotations matching “${q}”; add words to narrow the search.`;
  return n === 1 ? `1 annotation matches “${q}”.` : `${n} annotations match “${q}”.`;
}

/** What the annotation says, or failing that what it quotes, cut short. */
function excerpt(a: AnnotationView): string {
  const text = (a.body || a.factcheck?.claim || (a.target ? `“${a.target.exact}”` : "") || "(no text)").replace(/\s+/g, " ").trim();
  const points = [...text];
  return points.length > 200 ? `${points.slice(0, 200).join("")}…` : text;
}
