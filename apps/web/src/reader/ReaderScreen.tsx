import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { type Article, fetchArticle } from "../api/articles.ts";
import { fetchGroup } from "../api/groups.ts";
import { annotationInHash } from "@marginalia/schema";
import { Link, useHash } from "../app/router.tsx";
import { useMe } from "../app/session.tsx";
import { TopBar } from "../app/TopBar.tsx";
import { useAsync } from "../lib/use-async.ts";
import { useAnnotationStore, useItems, usePeers, useSessionState, useVotes } from "../sync/hooks.ts";
import { makeActions } from "./sync/actions.ts";
import { ArticleView } from "./highlights/ArticleView.tsx";
import { SavedMark, StatusBanner } from "./sync/ConnectionStatus.tsx";
import { ExportMenu } from "./ExportMenu.tsx";
import { ModerationQueue } from "./moderation/ModerationQueue.tsx";
import { NotesPane } from "./sync/NotesPane.tsx";
import { OrphansPanel } from "./threads/OrphansPanel.tsx";
import { PeerSelections, peerLayer, useSharedSelection } from "./highlights/PeerSelections.tsx";
import { canModerate, canWrite, placementFor } from "./permissions/permissions.ts";
import { PresenceBar } from "./sync/PresenceBar.tsx";
import { SelectionPopover } from "./highlights/SelectionPopover.tsx";
import { Sidebar, type TabId } from "./Sidebar.tsx";
import { NARROW, SidebarDrawer } from "./SidebarDrawer.tsx";
import { useMediaQuery } from "../lib/use-media-query.ts";
import { useTicker } from "../lib/use-ticker.ts";
import { useSentenceKeys } from "./highlights/use-sentence-keys.ts";
import { selectSpan, useAnnotationKeys } from "./highlights/use-annotation-keys.ts";
import { describeThread } from "./threads/describe.ts";
import { useArrivalAnnouncer } from "./sync/use-arrival-announcer.ts";
import { usePresenceAnnouncer } from "./sync/use-presence-announcer.ts";
import { announce } from "../app/announcer.tsx";
import { scrollBehavior } from "../lib/motion.ts";
import type { Span, TextMap } from "./highlights/text-map.ts";
import { ThreadFilters } from "./threads/ThreadFilters.tsx";
import { ThreadList, emptyThreadsText } from "./threads/ThreadList.tsx";
import { DraftScope } from "../app/drafts.ts";
import { useReopenNewAnnotation } from "./highlights/new-annotation-draft.ts";
import { useSelectionDraft } from "./highlights/use-selection-draft.ts";
import { ThreadSearch } from "./threads/ThreadSearch.tsx";
import { queryTerms, threadMatches } from "./threads/search.ts";
import { NO_FILTERS, type Thread, buildThreads, cachedLocator, matches, rootPaint, threadOf } from "./threads/threads.ts";
import { useAfterPaint } from "./highlights/use-after-paint.ts";
import { useArticleClicks } from "./highlights/use-article-clicks.ts";
import { type Sessions, useDocSessions } from "./sync/use-doc-sessions.ts";
import { type PaintOf, useOverlayHighlights, useThreadHighlights } from "./highlights/use-highlights.ts";
import { useMembers } from "./sync/use-members.ts";
import { useSyncNotice } from "./sync/use-sync-notice.ts";
import { useRoleNotice } from "./sync/use-role-notice.ts";
import { type CorrectionLoad, useCorrectionLoad } from "./sync/use-correction-load.ts";
import { useGoneDrafts } from "./sync/use-gone-drafts.ts";
import { useWithheldReplies } from "./sync/use-withheld-replies.ts";
import { newWorkLock } from "./threads/locked-words.ts";
import { useArticleSelection } from "./highlights/use-selection.ts";
import { type FirstPaint, useEarlyPaints, useHighlightList } from "./highlights/early-highlights.ts";

export function ReaderScreen({ articleId }: { articleId: string }) {
  const me = useMe();
  const article = useAsync(() => fetchArticle(articleId), [articleId]);
  useDocumentTitle(article.data?.title ?? (article.error ? "Article not available" : "Loading the article"));
  // Fetched beside the text, and painted with it (early-highlights.ts).
  const first = useHighlightList(articleId);
  const notices = useSyncNotice(() => void article.reload(), article.data?.memberId ?? null);
  const sessions = useDocSessions(articleId, me.user.id, article.data ?? null, notices.handlers, { hold: first.hold });
  const correction = useCorrectionLoad(article);
  // Without a text there is nothing to paint first: the documents need not wait.
  useEffect(() => {
    if (article.error) first.hold.open();
  }, [article.error, first.hold]);
  if (!article.data) {
    return (
      <>
        <TopBar />
        <main className="page">{article.error ? <p className="error" role="alert">{article.error}</p> : <p role="status">Loading the article…</p>}</main>
      </>
    );
  }
  // Drafts are kept per account and article (app/drafts.ts).
  const reader = <Reader article={article.data} correction={correction} sessions={sessions} first={first} notices={notices} />;
  return <DraftScope.Provider value={`${me.user.id}:${articleId}`}>{reader}</DraftScope.Provider>;
}

const NO_THREADS: Thread[] = [];
const NO_LIST = { shown: NO_THREADS, total: 0, assigned: 0, orphans: 0 };

/** The reader: the article with everyone's highlights, and the sidebar with threads, notes, orphans and review. */
function Reader({
  article,
  correction,
  sessions,
  first,
  notices,
}: {
  article: Article;
  correction: CorrectionLoad;
  sessions: Sessions;
  first: FirstPaint;
  notices: ReturnType<typeof useSyncNotice>;
}) {
  const me = useMe();
  // Who you are in this group's documents: your authorship, votes and presence are under your member id.
  const self = article.memberId;
  const groupState = useSessionState(sessions.group);
  // The server tells the open socket its role as it changes (a member demoted or promoted while reading);
  // a document closed for good takes nothing more, so nothing is offered that could not be saved.
  const role = groupState.fatal ? "viewer" : (groupState.role ?? article.role);
  const roleNotice = useRoleNotice(groupState.fatal ? null : role);
  // The group's settings decide where new work goes (placementFor), and an owner may change them while this
  // page is open: they are read again when the server closes the socket to say so (settingsChanged), after
  // each rejoin, and every so often besides. The last answer stays in use while the next is on its way.
  // Once the document is closed for good nothing more is placed, and the group may no longer be ours to read.
  const settingsTick = useTicker(groupState.fatal ? null : SETTINGS_REFRESH_MS);
  const group = useAsync(() => fetchGroup(article.groupId), [article.groupId, groupState.generation, groupState.settings, settingsTick]);
  const moderation = group.data?.moderation ?? "open";
  const reviewQuorum = group.data?.reviewQuorum ?? 1;

  const privateState = useSessionState(sessions.private);
  const hiddenState = useSessionState(sessions.hidden);
  const groupStore = useAnnotationStore(sessions.group, "group");
  const privateStore = useAnnotationStore(sessions.private, "private");
  const hiddenStore = useAnnotationStore(sessions.hidden, "hidden");
  const groupItems = useItems(groupStore);
  const privateItems = useItems(privateStore);
  const hiddenItems = useItems(hiddenStore);
  const votes = useVotes(sessions.group, self);
  const peers = usePeers(sessions.group);
  const allItems = useMemo(() => [...groupItems, ...privateItems, ...hiddenItems], [groupItems, privateItems, hiddenItems]);
  // Everything built from all the annotations (threads, the list, names, counts) is rebuilt in a
  // render React may interrupt and put after the next frame: with thousands of annotations that
  // rebuild takes longer than a frame, and a change is painted in the text before it is done
  // (useThreadHighlights follows the stores' touched annotations for that).
  const items = useDeferredValue(allItems);
  // Assignees and readers here are named too; each appearance counts, so an unknown member writing again or
  // opening the article is asked about (use-members.ts), and so is everyone when our own role or socket changes.
  const named = useMemo(() => items.flatMap((i) => [i.authorId, ...i.assignees]), [items]);
  const peerKey = [...new Set(peers.map((p) => p.user.id))].sort().join(",");
  const seenIds = useMemo(() => [...named, ...(peerKey ? peerKey.split(",") : [])], [named, peerKey]);
  const members = useMembers(article.groupId, seenIds, `${groupState.generation}:${role}`, !groupState.fatal);
  const changes = useRef(0);
  const version = useMemo(() => ++changes.current, [items]);

  const [map, setMap] = useState<TextMap<Text> | null>(null);
  const [root, setRoot] = useState<HTMLElement | null>(null);
  const onReady = useCallback((m: TextMap<Text>, r: HTMLElement) => {
    setMap(m);
    setRoot(r);
  }, []);
  const column = useRef<HTMLDivElement>(null);

  const viewer = useMemo(() => ({ id: self, role }), [self, role]);
  const place = useMemo(() => (map ? cachedLocator(map.index, article.revision) : null), [map, article.revision]);
  const threads = useMemo(() => (place ? buildThreads(items, place, viewer) : []), [items, place, viewer]);
  const [filters, setFilters] = useState(NO_FILTERS);
  // The field answers each key at once; the list and the highlights follow when React has time.
  const [query, setQuery] = useState("");
  const searched = useDeferredValue(query);
  const terms = useMemo(() => queryTerms(searched), [searched]);
  const placed = useMemo(() => threads.filter((t) => !t.orphaned), [threads]);
  const shown = useMemo(() => placed.filter((t) => matches(t.root, filters, self) && threadMatches(t, terms)), [placed, filters, self, terms]);
  const assignedCount = useMemo(() => placed.filter((t) => t.root.assignees.includes(self)).length, [placed, self]);
  // A touched annotation is painted at once only while nothing is searched: whether its thread matches
  // can hang on a reply, which `rootPaint` does not see. While searching, the rebuilt threads paint it,
  // so the highlights never show a thread the list does not.
  const paintOf = useMemo<PaintOf | null>(
    () => (place && terms.length === 0 ? (item, find) => rootPaint(item, find, place, viewer, filters) : null),
    [place, viewer, filters, terms],
  );
  // The documents' threads take over from the server's list once every document has synced (or
  // stopped) and the threads are built from what it brought.
  const opened = [[sessions.group, groupState], [sessions.private, privateState], [sessions.hidden, hiddenState]] as const;
  const synced = !!sessions.group && opened.every(([session, state]) => !session || state.synced || !!state.fatal);
  const [settled, setSettled] = useState(false);
  if (!settled && synced && items === allItems) setSettled(true);
  useArrivalAnnouncer(items, self, members, settled);
  usePresenceAnnouncer(peers, self, members, settled && groupState.synced);
  useGoneDrafts(article.id, allItems, settled, notices.tell);
  // A moderator holds the hidden document and sees such a reply arrive there: only the others are told.
  useWithheldReplies(groupStore, sessions.group, self, notices.tell, !canModerate(role));
  const early = useEarlyPaints(first, map, article.revision, settled);
  useThreadHighlights(map, shown, [groupStore, privateStore, hiddenStore], paintOf, early);

  // A reply's id as well as a thread's: a notification of a reply names the reply, and focuses its thread.
  const [focusedId, setFocusedId] = useState<string | null>(null);
  // Stepping through the article's passages marks their threads but leaves focus in the article.
  const [quietFocus, setQuietFocus] = useState(false);
  const { draft, open: draftOn, close: closeDraft } = useSelectionDraft(map, article.text, article.revision, column, notices.tell);
  // Set by an open popover with something written in it: a press in the article or a new selection asks first.
  const keepTyped = useRef<(() => boolean) | null>(null);
  const [liveSelection, setLiveSelection] = useState<Span | null>(null);
  const [lastSelection, setLastSelection] = useState<Span | null>(null);
  const [tab, setTab] = useState<TabId>("threads");

  const narrow = useMediaQuery(NARROW);
  const [drawerOpen, setDrawerOpen] = useState(false);

  // A selection made with the mouse, or by sentence from the keyboard, opens the popover under it.
  const openDraft = useCallback(
    (span: Span, rect: DOMRect) => {
      if (!canWrite(role) || keepTyped.current?.()) return;
      draftOn(span, rect);
    },
    [role, draftOn],
  );
  useArticleSelection(root, map, {
    onSelect: openDraft,
    onChange(span) {
      setLiveSelection(span);
      if (span) setLastSelection(span);
    },
  });
  // A viewer's Enter is told why nothing opens, rather than doing nothing.
  const annotateByKey = useCallback(
    (span: Span, rect: DOMRect) => (canWrite(role) ? openDraft(span, rect) : announce(`As a ${role} in this group you can read the annotations but not add any.`)),
    [role, openDraft],
  );
  useSentenceKeys(root, map, annotateByKey);
  useReopenNewAnnotation(map, article.revision, openDraft);

  const focusThread = useCallback((id: string) => {
    setQuietFocus(false);
    setFocusedId(id);
    setTab("threads");
    setDrawerOpen(true);
  }, []);
  const focusCard = useCallback((id: string) => {
    setQuietFocus(false);
    setFocusedId(id);
  }, []);
  useAnnotationKeys(root, map, shown, {
    onStep(thread, position, count) {
      setQuietFocus(true);
      setFocusedId(thread.root.id);
      setTab("threads");
      announce(`${describeThread(thread, members)}. ${position} of ${count}.`);
    },
    onEnd: (down) => announce(shown.length === 0 ? "No annotated passages." : down ? "No more annotated passages after this one." : "No annotated passages before this one."),
    onOpen: (thread) => focusThread(thread.root.id),
  });
  useArticleClicks(root, map, shown, focusThread, () => keepTyped.current?.() || closeDraft());
  // A link to one annotation (a notification, a search result, an export) focuses it on opening, and again
  // whenever the fragment changes: a notification of this same article changes nothing else.
  const linked = annotationInHash(useHash());
  useEffect(() => {
    if (linked) focusThread(linked);
  }, [linked, focusThread]);

  useSharedSelection(sessions.group, groupState.generation, draft?.span ?? liveSelection);

  // Memoised like everything else that walks all the threads: the reader re-renders at once on each
  // change (before the deferred rebuild), and that render must stay cheap.
  const focused = useMemo(() => threadOf(threads, focusedId), [threads, focusedId]);
  const focusedReplyId = focused && focused.root.id !== focusedId ? focusedId : null;
  const overlays = useMemo(
    () => [
      ...peers.filter((p) => p.selection).map((p) => ({ id: `peer-${p.clientId}`, span: p.selection!, layer: peerLayer(p) })),
      ...(draft ? [{ id: "draft", span: draft.span, layer: "mg-draft" }] : []),
      ...(focused?.span ? [{ id: "focus", span: focused.span, layer: "mg-focus" }] : []),
    ],
    [peers, draft, focused?.span],
  );
  useOverlayHighlights(map, overlays);

  const actions = useMemo(
    () => makeActions({ sessions, map, revision: article.revision, me: self, role, moderation, reviewQuorum }),
    // The generations are dependencies because a rejoin replaces the documents the actions write to.
    [sessions, map, article.revision, self, role, moderation, reviewQuorum, groupState.generation, privateState.generation],
  );
  const placement = useCallback(
    (kind: Parameters<typeof placementFor>[0], onlyMe: boolean) => placementFor(kind, role, moderation, onlyMe, reviewQuorum),
    [role, moderation, reviewQuorum],
  );

  // Read through a ref, so that the callback keeps its identity and the memoised cards do not all
  // re-render whenever any annotation changes.
  const latest = useRef({ threads, map, root });
  latest.current = { threads, map, root };
  // The passage is selected and focus goes to the article, where the keys go on from it (Alt+Down, Alt+PageDown).
  const showInText = useCallback((id: string) => {
    const { threads, map, root } = latest.current;
    const thread = threads.find((t) => t.root.id === id);
    if (thread?.span && map && selectSpan(map, thread.span)) {
      root?.focus({ preventScroll: true });
      map.locate(thread.span)?.start.node.parentElement?.scrollIntoView({ block: "center", behavior: scrollBehavior() });
    }
    setQuietFocus(true);
    setFocusedId(id);
  }, []);
  // The sidebar follows the highlights: a change is painted in the text first, and the cards and the
  // counts are rendered after, so that a page of cards never holds up the text. Cards and counts come
  // in one commit because Chromium rebuilds every highlight's paint after any change to the DOM (with
  // thousands of highlights, most of a frame), so each commit that touches the DOM costs one.
  const orphanCount = useMemo(() => threads.filter((t) => t.orphaned).length, [threads]);
  const counted = useMemo(() => ({ shown, total: placed.length, assigned: assignedCount, orphans: orphanCount }), [shown, placed, assignedCount, orphanCount]);
  const listed = useAfterPaint(counted, NO_LIST);

  // A cancelled draft leaves its passage selected, as before the popover opened: Enter opens it again,
  // and the sentence keys go on from it (the form's fields had taken the selection).
  const closePopover = (returnFocus: boolean, reselect = false) => {
    if (reselect && draft && map) selectSpan(map, draft.span);
    closeDraft();
    if (returnFocus) root?.focus({ preventScroll: true });
  };

  const states = sessions.private ? [groupState, privateState] : [groupState];
  // Re-anchored targets name the revision they now belong to: the text on screen is out of date.
  const corrected = useMemo(() => items.some((i) => (i.target?.revision ?? 0) > article.revision), [items, article.revision]);
  const cardProps = { me: self, role, ended: groupState.end, moderation, reviewQuorum, members, actions, onFocus: focusCard, onShow: showInText };
  const filtering = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const emptyText = emptyThreadsText({ fatal: !!groupState.fatal, searched, terms: terms.length, filtering, total: listed.total, canWrite: canWrite(role) });
  const tabs = [
    {
      id: "threads" as const,
      label: `Threads (${listed.shown.length})`,
      content: (
        <>
          <ThreadSearch value={query} onChange={setQuery} shown={listed.shown.length} total={listed.total} />
          <ThreadFilters value={filters} onChange={setFilters} members={members} shown={listed.shown.length} total={listed.total} assigned={listed.assigned} />
          <ThreadList
            threads={listed.shown}
            pending={listed.shown.length === 0 && (!settled || shown.length > 0)}
            votes={votes}
            focusedId={focused?.root.id ?? null}
            focusedReplyId={focusedReplyId}
            quietFocus={quietFocus}
            emptyText={emptyText}
            {...cardProps}
          />
        </>
      ),
    },
    { id: "notes" as const, label: "Notes", content: <NotesPane session={sessions.group} readOnly={!canWrite(role)} /> },
    {
      id: "orphans" as const,
      label: listed.orphans ? `Orphans (${listed.orphans})` : "Orphans",
      content: (
        <OrphansPanel articleId={article.id} threads={threads} selection={lastSelection} me={self} role={role} members={members} version={version} />
      ),
    },
    ...(canModerate(role) ? [{ id: "review" as const, label: "Review", content: <ModerationQueue groupId={article.groupId} articleId={article.id} version={version} /> }] : []),
  ];

  return (
    <div className="reader">
      {/* The top bar and the banners come first in the Tab order: one key past them to the text (the article is focusable, so the browser focuses it). */}
      <a className="skip-link" href="#article">
        Skip to the article
      </a>
      <TopBar>
        <nav aria-label="Breadcrumb" className="crumbs">
          <Link to={`/groups/${article.groupId}`}>{group.data?.name ?? "Group"}</Link>
          {!groupState.fatal && (
            <span className="role-badge" title="Your role in this group">
              {role}
            </span>
          )}
        </nav>
        <PresenceBar me={{ ...me.user, id: self }} peers={peers} members={members} />
        <SavedMark states={states} />
        <Link to={`/articles/${article.id}/dashboard`}>Dashboard</Link>
        <ExportMenu articleId={article.id} />
      </TopBar>
      <div className="reader-body">
        <main className="main-column">
          <StatusBanner states={states} notice={notices.notice} onDismiss={notices.dismiss} roleNotice={roleNotice} corrected={corrected} correction={correction} />
          <div className="article-column" ref={column}>
            <ArticleView text={article.text} blocks={article.blocks} onReady={onReady} canAnnotate={canWrite(role)} />
            <PeerSelections peers={peers} map={map} container={column.current} members={members} />
            {draft && map && (
              <SelectionPopover
                key={draft.id}
                quote={draft.target.exact}
                position={draft.position}
                placement={placement}
                groupId={article.groupId}
                onCreate={(input) => {
                  const problem = actions.create(draft.target, input);
                  if (!problem) document.getSelection()?.removeAllRanges();
                  return problem;
                }}
                onClose={closePopover}
                keepTyped={keepTyped}
                at={draft.at}
                locked={(form) => newWorkLock(form, canWrite(role), groupState.end)}
              />
            )}
          </div>
        </main>
        <SidebarDrawer narrow={narrow} open={drawerOpen} onOpenChange={setDrawerOpen} count={listed.shown.length}>
          <Sidebar tabs={tabs} active={tab} onSelect={setTab} />
        </SidebarDrawer>
      </div>
    </div>
  );
}

/** How often an open reader reads its group's settings again. */
const SETTINGS_REFRESH_MS = 20_000;
