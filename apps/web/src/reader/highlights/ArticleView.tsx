import { Fragment, type ReactNode, memo, useLayoutEffect, useMemo, useRef } from "react";
import type { Block } from "@marginalia/schema";
import { CodePointIndex } from "../../lib/anchoring.ts";
import { textDirection } from "../../lib/direction.ts";
import { PageMarker, pageStartingAt } from "./PageMarker.tsx";
import { TextMap } from "./text-map.ts";
import { SENTENCE_KEYS } from "./use-sentence-keys.ts";
import { ANNOTATION_KEYS } from "./use-annotation-keys.ts";

type Props = {
  text: string;
  blocks: Block[];
  /** Called once the blocks are in the DOM, with the map from code points to their text nodes. */
  onReady(map: TextMap<Text>, root: HTMLElement): void;
  /** Whether Enter annotates: a viewer is not promised what they cannot do. */
  canAnnotate: boolean;
};

type Group = { kind: "single"; block: number } | { kind: "list" | "references"; blocks: number[] };

/** Consecutive list items and references share one list element. */
function groupBlocks(blocks: Block[]): Group[] {
  const groups: Group[] = [];
  blocks.forEach((block, i) => {
    const listKind = block.kind === "list-item" ? "list" : block.kind === "reference" ? "references" : null;
    const last = groups.at(-1);
    if (listKind && last && last.kind === listKind) last.blocks.push(i);
    else if (listKind) groups.push({ kind: listKind, blocks: [i] });
    else groups.push({ kind: "single", block: i });
  });
  return groups;
}

/**
 * The article as semantic HTML. Every block element holds exactly one text
 * node with the block's text, and nothing is ever inserted into it:
 * highlights are painted over it with the CSS Custom Highlight API.
 * Memoised, so that annotation traffic never re-renders the text.
 */
export const ArticleView = memo(function ArticleView({ text, blocks, onReady, canAnnotate }: Props) {
  const root = useRef<HTMLElement>(null);
  const index = useMemo(() => new CodePointIndex(text), [text]);
  const texts = useMemo(() => blocks.map((b) => text.slice(index.toUtf16(b.start), index.toUtf16(b.end))), [text, blocks, index]);
  const groups = useMemo(() => groupBlocks(blocks), [blocks]);
  // The article's own direction places what surrounds the blocks: list markers, quote rules, the header.
  const dir = useMemo(() => textDirection(text), [text]);

  useLayoutEffect(() => {
    const el = root.current;
    if (!el) return;
    const placed: Array<{ start: number; end: number; node: Text }> = [];
    for (const blockEl of el.querySelectorAll<HTMLElement>("[data-block]")) {
      const block = blocks[Number(blockEl.dataset.block)];
      const node = blockEl.firstChild;
      if (block && node instanceof Text) placed.push({ start: block.start, end: block.end, node });
    }
    onReady(new TextMap(text, placed, index), el);
  }, [text, blocks, index, onReady]);

  const render = (i: number): ReactNode => {
    const block = blocks[i]!;
    const content = texts[i];
    if (!content) return null;
    // Each block finds its own direction from its first strong letter, so a Persian quote in an English
    // article (or the reverse) reads as it should (docs/architecture.md, "Right-to-left text").
    const props = { "data-block": i, className: `block block-${block.kind}`, dir: "auto" };
    switch (block.kind) {
      case "title":
        return (
          <h1 key={i} {...props}>
            {content}
          </h1>
        );
      case "byline":
        return (
          <p key={i} {...props}>
            {content}
          </p>
        );
      case "caption":
        return (
          <figure key={i} className="block-figure">
            <figcaption {...props}>
              {content}
            </figcaption>
          </figure>
        );
      case "heading": {
        const level = Math.min(6, Math.max(2, block.level ?? 2));
        const Tag = `h${level}` as "h2";
        return (
          <Tag key={i} {...props}>
            {content}
          </Tag>
        );
      }
      case "quote":
        return (
          <blockquote key={i} className="block-quote-wrap">
            <p {...props}>
              {content}
            </p>
          </blockquote>
        );
      case "bio":
        return (
          <section key={i} className="bio" aria-label="About the author">
            <p {...props}>
              {content}
            </p>
          </section>
        );
      case "list-item":
      case "reference":
        return (
          <li key={i} {...props}>
            {content}
          </li>
        );
      default:
        return (
          <p key={i} {...props}>
            {content}
          </p>
        );
    }
  };

  const renderGroup = (g: Group, n: number): ReactNode => {
    if (g.kind === "single") return render(g.block);
    if (g.kind === "list") return <ul key={`l${n}`}>{g.blocks.map(render)}</ul>;
    return (
      <section key={`r${n}`} className="references" aria-label="References">
        <ol>{g.blocks.map(render)}</ol>
      </section>
    );
  };

  // The byline and title open the article together.
  const headerEnd = groups.findIndex((g) => g.kind !== "single" || !["title", "byline"].includes(blocks[g.block]!.kind));
  const header = groups.slice(0, headerEnd < 0 ? groups.length : headerEnd);
  const body = groups.slice(header.length);

  return (
    <>
    <p id="article-keys" className="keyboard-hint">
      In the article, Alt+↓ and Alt+↑ select the next or previous sentence{canAnnotate ? ", with Shift they extend the selection, and Enter annotates it" : ", and with Shift they extend the selection"}.
      Alt+Page Down and Alt+Page Up (or Alt+N and Alt+P) select the next or previous annotated passage and read out its annotation;
      Alt+Enter opens its thread.
    </p>
    {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the article answers to keys (use-sentence-keys.ts), so Tab must reach it. */}
    <article ref={root} id="article" className="article" dir={dir} tabIndex={0} aria-label="Article" aria-describedby="article-keys" aria-keyshortcuts={`${canAnnotate ? SENTENCE_KEYS : SENTENCE_KEYS.replace(/ Enter$/, "")} ${ANNOTATION_KEYS}`}>
      {header.length > 0 && <header className="article-header">{header.map((g) => g.kind === "single" && render(g.block))}</header>}
      {body.map((g, n) => {
        const page = pageStartingAt(blocks, g.kind === "single" ? g.block : g.blocks[0]!);
        return (
          <Fragment key={`g${n}`}>
            {page !== null && <PageMarker page={page} />}
            {renderGroup(g, n)}
          </Fragment>
        );
      })}
    </article>
    </>
  );
});
