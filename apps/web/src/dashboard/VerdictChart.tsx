import { VERDICTS, type Verdict } from "@marginalia/schema";
import { VERDICT_LABELS } from "../reader/highlights/index.ts";

const ROW = 24;
const LABEL = 110;
const WIDTH = 360;

/**
 * One horizontal bar per verdict, every verdict always listed so that bars
 * keep their place as counts change. Coloured as the reader colours verdicts
 * (styles/highlights.css); the counts are written out, and the whole chart
 * is named in words for screen readers.
 */
export function VerdictChart({ verdicts }: { verdicts: Record<Verdict, number> }) {
  const max = Math.max(1, ...VERDICTS.map((v) => verdicts[v]));
  const span = WIDTH - LABEL - 36;
  const label = `Verdicts: ${VERDICTS.map((v) => `${VERDICT_LABELS[v]} ${verdicts[v]}`).join(", ")}`;
  return (
    <svg className="verdict-chart" role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${VERDICTS.length * ROW}`} width="100%">
      {VERDICTS.map((v, i) => {
        const y = i * ROW;
        const width = (verdicts[v] / max) * span;
        return (
          <g key={v} className={`verdict-${v}`} transform={`translate(0 ${y})`}>
            <text x={LABEL - 8} y={ROW / 2} textAnchor="end" dominantBaseline="central">
              {VERDICT_LABELS[v]}
            </text>
            <rect x={LABEL} y={4} width={Math.max(width, verdicts[v] ? 2 : 0)} height={ROW - 8} rx={3} />
            <text x={LABEL + width + 6} y={ROW / 2} dominantBaseline="central" className="count">
              {verdicts[v]}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
