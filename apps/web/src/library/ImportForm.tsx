import { type FormEvent, useState } from "react";
import { ARTICLE_FORMATS, type ArticleFormat } from "@marginalia/schema";
import { importArticle } from "../api/articles.ts";
import { errorMessage } from "../api/client.ts";
import { navigate } from "../app/router.tsx";

const FORMAT_LABELS: Record<ArticleFormat, string> = { text: "Plain text", markdown: "Markdown", html: "HTML" };

/** Paste text, Markdown or HTML, or upload a file; the server turns it into blocks. */
export function ImportForm({ groupId }: { groupId: string }) {
  const [source, setSource] = useState<"paste" | "file">("paste");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const file = form.get("file");
      const article =
        source === "file"
          ? await importArticle(groupId, { source: "file", file: file as File })
          : await importArticle(groupId, {
              source: "paste",
              format: form.get("format") as ArticleFormat,
              content: String(form.get("content") ?? ""),
              title: String(form.get("title") ?? "").trim(),
              sourceUrl: String(form.get("sourceUrl") ?? "").trim(),
            });
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
        <label>
          <input type="radio" name="import-source" checked={source === "paste"} onChange={() => setSource("paste")} /> Paste
        </label>
        <label>
          <input type="radio" name="import-source" checked={source === "file"} onChange={() => setSource("file")} /> Upload a file
        </label>
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
        ) : (
          <label>
            Article file (.txt, .md, .html)
            <input name="file" type="file" required accept=".txt,.text,.md,.markdown,.html,.htm,text/plain,text/markdown,text/html" />
          </label>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Importing…" : "Import article"}
        </button>
      </form>
    </section>
  );
}
