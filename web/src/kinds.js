// Institution kinds and the palettes the map colours markers with.
export const KINDS = ["school", "kindergarten", "hospital", "polyclinic", "road", "other"];

export const KIND_COLOURS = {
  school: "#1f6fb2", kindergarten: "#e08a00", hospital: "#c62f3a", polyclinic: "#8a3ea8", road: "#4a5560", other: "#2c8c5a",
};

/** Execution %: too low and too high are both worth a look. */
export const EXECUTION_BANDS = [
  { max: 50, colour: "#c62f3a", key: "legend.exec_low" },
  { max: 85, colour: "#e08a00", key: "legend.exec_mid" },
  { max: 100.5, colour: "#2c8c5a", key: "legend.exec_ok" },
  { max: Infinity, colour: "#6b2fa8", key: "legend.exec_over" },
];

export const FLAG_BANDS = [
  { max: 0, colour: "#8fa3ad", key: "legend.flags_none" },
  { max: 2, colour: "#e08a00", key: "legend.flags_some" },
  { max: Infinity, colour: "#c62f3a", key: "legend.flags_many" },
];

export function executionPct(p) {
  const direct = p.execution_pct ?? p.execution_percent ?? p.execution;
  if (direct !== undefined && direct !== null) return Number(direct);
  const plan = Number(p.adjusted ?? p.adjusted_plan ?? p.plan);
  const executed = Number(p.executed);
  return plan > 0 && Number.isFinite(executed) ? (executed / plan) * 100 : null;
}

export function flagCount(p) {
  return Number(p.flag_count ?? (Array.isArray(p.flags) ? p.flags.length : 0)) || 0;
}

export function markerColour(p, mode) {
  if (mode === "execution") {
    const pct = executionPct(p);
    if (pct === null || Number.isNaN(pct)) return "#8fa3ad";
    return EXECUTION_BANDS.find((b) => pct < b.max).colour;
  }
  if (mode === "flags") return FLAG_BANDS.find((b) => flagCount(p) <= b.max).colour;
  return KIND_COLOURS[p.kind] || KIND_COLOURS.other;
}

/** Case- and letter-form-insensitive text for search: ё/е and Kazakh letters fold to their Russian look-alikes. */
const FOLD = { ё: "е", ә: "а", ғ: "г", қ: "к", ң: "н", ө: "о", ұ: "у", ү: "у", һ: "х", і: "и" };
export function foldText(s) {
  return String(s || "").toLowerCase().replace(/[ёәғқңөұүһі]/g, (c) => FOLD[c]).replace(/\s+/g, " ").trim();
}
