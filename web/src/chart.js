// Chart.js, registered with only what the budget chart uses (loaded lazily: not on the map's first view).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { moneyCompact, money } from "./format.js";
import { t } from "./i18n.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Plan vs adjusted vs executed per year. rows: [{year, plan, adjusted, executed}] */
export function budgetChart(canvas, rows) {
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => String(r.year)),
      datasets: [
        { label: t("inst.plan"), data: rows.map((r) => Number(r.plan) || 0), backgroundColor: "#9db7cf" },
        { label: t("inst.adjusted"), data: rows.map((r) => Number(r.adjusted) || 0), backgroundColor: "#1f6fb2" },
        { label: t("inst.executed"), data: rows.map((r) => Number(r.executed) || 0), backgroundColor: "#2c8c5a" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { ticks: { callback: (v) => moneyCompact(v) } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
    },
  });
}
