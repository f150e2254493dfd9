/**
 * Krippendorff's alpha for ordinal data, from the coincidence matrix as
 * Krippendorff sets it out ("Computing Krippendorff's Alpha-Reliability",
 * 2011). A unit is the list of values its coders gave (ranks 0..k-1, one
 * value per coder); units with fewer than two values cannot be paired and
 * count for nothing.
 *
 * alpha = 1 - D_o / D_e: 1 is perfect agreement, 0 agreement no better than
 * chance, below 0 systematic disagreement. With no variation at all in the
 * data (or no pairable unit) alpha is undefined: null.
 */
export type Alpha = { alpha: number | null; pairable: number; values: number };

type Coincidences = { o: number[][]; n: number[]; total: number };

function coincidences(units: readonly (readonly number[])[], ranks: number): Coincidences {
  const o = Array.from({ length: ranks }, () => new Array<number>(ranks).fill(0));
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) o[unit[i]!]![unit[j]!]! += 1 / (m - 1);
  }
  const n = o.map((row) => row.reduce((a, b) => a + b, 0));
  return { o, n, total: n.reduce((a, b) => a + b, 0) };
}

/** The ordinal metric: how many values lie between two ranks, by the marginal totals. */
function ordinalDistances(n: readonly number[]): number[][] {
  const ranks = n.length;
  const d = Array.from({ length: ranks }, () => new Array<number>(ranks).fill(0));
  for (let c = 0; c < ranks; c++) {
    for (let k = c + 1; k < ranks; k++) {
      let between = 0;
      for (let g = c; g <= k; g++) between += n[g]!;
      const delta = (between - (n[c]! + n[k]!) / 2) ** 2;
      d[c]![k] = delta;
      d[k]![c] = delta;
    }
  }
  return d;
}

/** Expected disagreement D_e of the whole data: what pairing values at random would give. */
function expectedDisagreement({ n, total }: Coincidences, d: number[][]): number {
  let sum = 0;
  for (let c = 0; c < n.length; c++) for (let k = 0; k < n.length; k++) sum += n[c]! * n[k]! * d[c]![k]!;
  return total > 1 ? sum / (total * (total - 1)) : 0;
}

function observedDisagreement({ o, total }: Coincidences, d: number[][]): number {
  let sum = 0;
  for (let c = 0; c < o.length; c++) for (let k = 0; k < o.length; k++) sum += o[c]![k]! * d[c]![k]!;
  return total > 0 ? sum / total : 0;
}

/** Alpha over every unit, and each unit's own alpha against the whole data's expected disagreement. */
export function ordinalAlpha(units: readonly (readonly number[])[], ranks: number): Alpha & { perUnit: (number | null)[] } {
  const all = coincidences(units, ranks);
  const d = ordinalDistances(all.n);
  const expected = expectedDisagreement(all, d);
  const ratio = (c: Coincidences) => (expected > 0 && c.total > 0 ? 1 - observedDisagreement(c, d) / expected : null);
  return {
    alpha: ratio(all),
    pairable: units.filter((u) => u.length >= 2).length,
    values: all.total,
    // A unit's alpha keeps the data's metric and chance: it says how far this passage's reviewers agree
    // compared with reviewers of the article at large, which a lone unit's own chance could not.
    perUnit: units.map((unit) => (unit.length < 2 ? null : ratio(coincidences([unit], ranks)))),
  };
}
