import { type FormEvent, useState } from "react";
import { ARTICLE_FORMATS, type ArticleFormat } from "@marginalia/schema";
import { type ImportInput, importArticle } from "../api/articles.ts";
import { errorMessage } from "../api/client.ts";
import { navigate } from "../app/router.tsx";

const FORMAT_LABELS: Record<ArticleFormat, string> = { text: "Plain text", markdown: "Markdown", html: "HTML" };

type Source = "paste" | "file" | "link";
const SOURCE_LABELS: Record<Source, string> = { paste: "Paste", file: "Upload a file", link: "From a link" };

/** What each source sends; the server turns any of them into blocks. */
function inputOf(source: Source, form: FormData): ImportInput {
  const field = (name: string) => String(form.get(name) ?? "").trim();
  if (source === "file") return { source, file: form.get("file") as File };
  if (source === "link") return { source, url: field("url"), title: field("title") };
  return { source, format: form.get("format") as ArticleFormat, content: String(form.get("content") ?? ""), title: field("title"), sourceUrl: field("sourceUrl") };
}

/** Paste text, Markdown or HTML, upload a file (a PDF too), or give a link for the server to fetch. */
export function ImportForm({ groupId }: { groupId: string }) {
  const [source, setSource] = useState<Source>("paste");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const article = await importArticle(groupId, inputOf(source, form));
      navigate(`/articles/${article.id}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="import-heading" className="panel">
      <h2 id="import-heading">Import an article</h2>
      <fieldset className="segmented">
        <legend className="visually-hidden">Import from</legend>
        {(Object.keys(SOURCE_LABELS) as Source[]).map((s) => (
          <label key={s}>
            <input type="radio" name="import-source" checked={source === s} onChange={() => setSource(s)} /> {SOURCE_LABELS[s]}
          </label>
        ))}
      </fieldset>
      <form onSubmit={submit} className="stack">
        {source === "paste" ? (
          <>
            <div className="row-form">
              <label>
                Format
                <select name="format" defaultValue="text">
                  {ARTICLE_FORMATS.map((f) => (
                    <option key={f} value={f}>
                      {FORMAT_LABELS[f]}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Title (optional)
                <input name="title" maxLength={500} />
              </label>
              <label>
                Source URL (optional)
                <input name="sourceUrl" type="url" placeholder="https://" />
              </label>
            </div>
            <label>
              Article content
              <textarea name="content" required rows={8} />
            </label>
          </>
        ) : source === "file" ? (
          <label>
            Article file (.txt, .md, .html, .pdf)
            <input name="file" type="file" required accept=".txt,.text,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf" />
          </label>
        ) : (
          <div className="row-form">
            <label>
              Link to the article
              <input name="url" type="url" required placeholder="https://" />
            </label>
            <label>
              Title (optional)
              <input name="title" maxLength={500} />
            </label>
          </div>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? (source === "link" ? "Fetching the page…" : "Importing…") : "Import article"}
        </button>
      </form>
    </section>
  );
}
