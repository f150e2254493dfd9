import type { Bucket } from "@marginalia/schema";
import { fullTime } from "../lib/time.ts";

const HEIGHT = 120;
const WIDTH = 480;

/**
 * The session over time: per slot, a bar of new annotations with replies
 * stacked on top, and a tick for each verdict given. Slots come from the
 * document (see `bucketize`), so every viewer sees the same bars.
 */
export function ActivityChart({ buckets, bucketMs }: { buckets: readonly Bucket[]; bucketMs: number }) {
  if (buckets.length === 0) return <p className="empty">No activity yet.</p>;
  const max = Math.max(1, ...buckets.map((b) => b.annotations + b.replies));
  // A few slots stay narrow bars on the left rather than stretching across the panel.
  const slot = Math.min(WIDTH / buckets.length, 40);
  const scale = (n: number) => (n / max) * (HEIGHT - 16);
  return (
    <figure className="activity-chart">
      <svg role="img" aria-label={`Activity in ${buckets.length} slots of ${slotWidth(bucketMs)}`} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} preserveAspectRatio="xMinYMax meet">
        {buckets.map((b, i) => {
          const x = i * slot + slot * 0.15;
          const w = slot * 0.7;
          const created = scale(b.annotations);
          const replied = scale(b.replies);
          return (
            <g key={b.start}>
              <title>{`${fullTime(b.start)}: ${b.annotations} annotations, ${b.replies} replies, ${b.verdicts} verdicts`}</title>
              <rect className="bar-created" x={x} y={HEIGHT - created} width={w} height={created} />
              <rect className="bar-replies" x={x} y={HEIGHT - created - replied} width={w} height={replied} />
              {b.verdicts > 0 && <circle className="mark-verdict" cx={x + w / 2} cy={HEIGHT - created - replied - 7} r={3 + Math.min(b.verdicts, 4)} />}
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">
        <span className="key key-created" /> annotations <span className="key key-replies" /> replies <span className="key key-verdict" /> verdicts ·{" "}
        {fullTime(buckets[0]!.start)} to {fullTime(buckets.at(-1)!.start + bucketMs)}
      </figcaption>
    </figure>
  );
}

function slotWidth(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  if (minutes < 1440) return `${minutes / 60} hour${minutes === 60 ? "" : "s"}`;
  return `${minutes / 1440} day${minutes === 1440 ? "" : "s"}`;
}
