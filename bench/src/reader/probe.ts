// What the benchmark runs inside the page, before any of the app's scripts. It watches from outside
// the app, so that it measures any version of the reader the same way:
//
// - highlights are ranges in `CSS.highlights` (the reader wraps nothing in the text), so "painted"
//   means the ranges of the annotation layers add up to the count expected, checked once per frame;
//   the time taken is that of a task posted from that frame's animation callback, which runs once
//   the frame's style, layout and paint are done;
// - the websocket is wrapped to note when each message arrives, and when one carrying a marker does.
//
// Kept as source text: the bench compiles without the DOM's types.

/** The page's state, as `page.evaluate` reads it. Times are ms since navigation; `*Wall` ones are epoch ms. */
export type ProbeState = {
  count: number;
  articleAt: number | null;
  paintedAt: number | null;
  messages: Array<{ at: number; bytes: number }>;
  target: number | null;
  marker: string | null;
  arrivedWall: number | null;
  paintedWall: number | null;
};

export function probeScript(expected: number): string {
  return `(() => {
  const overlay = (name) => name === "mg-focus" || name === "mg-draft" || name.startsWith("mg-peer-");
  const probe = (window.__mgBench = {
    expected: ${expected}, count: 0, articleAt: null, paintedAt: null, messages: [],
    target: null, marker: null, arrivedWall: null, paintedWall: null,
  });
  const afterFrame = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const now = performance.now();
    const wall = Date.now();
    for (const fn of afterFrame.splice(0)) fn(now, wall);
  };
  const painted = () => {
    let n = 0;
    if (typeof CSS !== "undefined" && CSS.highlights) CSS.highlights.forEach((h, name) => { if (!overlay(name)) n += h.size; });
    return n;
  };
  const frame = () => {
    const n = painted();
    probe.count = n;
    if (probe.articleAt === null && document.querySelector("article.article [data-block]")) {
      afterFrame.push((t) => (probe.articleAt = t));
      channel.port2.postMessage(0);
    }
    if (probe.paintedAt === null && n >= probe.expected) {
      afterFrame.push((t) => (probe.paintedAt = t));
      channel.port2.postMessage(0);
    }
    if (probe.target !== null && probe.paintedWall === null && n >= probe.target) {
      probe.target = null;
      afterFrame.push((_, wall) => (probe.paintedWall = wall));
      channel.port2.postMessage(0);
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const at = performance.now();
        const data = event.data;
        const bytes = data instanceof ArrayBuffer ? data.byteLength : String(data).length;
        if (probe.messages.length < 200) probe.messages.push({ at, bytes });
        if (probe.marker && data instanceof ArrayBuffer && bytes < 65536 && decoder.decode(data).includes(probe.marker)) probe.arrivedWall = Date.now();
      });
    }
  };
})();`;
}
