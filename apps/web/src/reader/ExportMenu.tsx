import { EXPORT_FORMATS, exportUrl } from "../api/articles.ts";
import { closeDetailsOnEscape, closeDetailsOnLeave } from "../lib/details.ts";

/** Downloads of the article's annotations, produced by the server. */
export function ExportMenu({ articleId }: { articleId: string }) {
  return (
    <details className="menu export-menu" onKeyDown={closeDetailsOnEscape} onBlur={closeDetailsOnLeave}>
      <summary>Export</summary>
      {/* biome-ignore lint/a11y/noRedundantRoles: Safari drops the list role of a list styled without markers. */}
      <ul role="list" aria-label="Export formats">
        {EXPORT_FORMATS.map((f) => (
          <li key={f.format}>
            <a href={exportUrl(articleId, f.format)} download>
              {f.label}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
