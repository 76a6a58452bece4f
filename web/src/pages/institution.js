// An institution's own page: facts, budget per year (chart), breakdown by specific, unit cost, contracts,
// documents, red flags, reviews and public appeals.
import { APPEALS, BUDGET, contentUrl, get, items, post, thumbnailUrl } from "../api.js";
import { facts, h, fill } from "../dom.js";
import { date, money, number, percent } from "../format.js";
import { lang, localName, t, tOr } from "../i18n.js";
import { executionPct } from "../kinds.js";
import { errorBox, fieldError, section, showFieldErrors } from "../ui.js";

/** Yearly totals from whichever field the service names them by. */
function yearlyTotals(inst) {
  const rows = inst.years || inst.yearly_totals || inst.totals || inst.budget_years || [];
  const list = Array.isArray(rows) ? rows : Object.entries(rows).map(([year, v]) => ({ year, ...v }));
  return list.map((r) => ({
    year: Number(r.year),
    plan: r.plan,
    adjusted: r.adjusted_plan ?? r.adjusted ?? r.plan,
    executed: r.executed,
    pct: executionPct({ ...r, adjusted_plan: r.adjusted_plan ?? r.adjusted }),
  })).sort((a, b) => a.year - b.year);
}

function lineAmount(line, field) {
  if (field === "executed") {
    const e = line.executed;
    if (e && typeof e === "object") return Number(e.total ?? ["q1", "q2", "q3", "q4"].reduce((sum, q) => sum + (Number(e[q]) || 0), 0));
    if (e === undefined) return ["executed_q1", "executed_q2", "executed_q3", "executed_q4"].reduce((sum, k) => sum + (Number(line[k]) || 0), 0);
    return Number(e) || 0;
  }
  return Number(line[field === "adjusted" ? "adjusted_plan" : field] ?? line[field]) || 0;
}

function quarter(line, q) {
  const e = line.executed;
  return Number(e && typeof e === "object" ? e[`q${q}`] : line[`executed_q${q}`]) || 0;
}

/** Budget lines grouped by economic specific (kk/ru names), with the executed amount per quarter. */
function bySpecific(budget) {
  const groups = new Map();
  for (const line of budget.lines || budget.budget_lines || []) {
    const spec = typeof line.specific === "object" ? line.specific : { code: line.specific };
    const g = groups.get(spec.code) || { code: spec.code, name_kk: spec.name_kk, name_ru: spec.name_ru, plan: 0, adjusted_plan: 0, executed: 0, q: [0, 0, 0, 0] };
    g.plan += lineAmount(line, "plan");
    g.adjusted_plan += lineAmount(line, "adjusted");
    g.executed += lineAmount(line, "executed");
    [1, 2, 3, 4].forEach((q) => { g.q[q - 1] += quarter(line, q); });
    groups.set(spec.code, g);
  }
  return [...groups.values()].sort((a, b) => b.adjusted_plan - a.adjusted_plan);
}

function table(headers, rows, numericFrom = 1) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x, i) => h("th", { scope: "col", class: i >= numericFrom ? "num" : null }, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, class: i >= numericFrom ? "num" : null }, c)))))));
}

/** Unit cost per year (per pupil / child / bed / visit / km) and its rank among the same kind. */
function unitCostBlock(inst) {
  const rows = (inst.years || []).filter((y) => y.unit_cost !== null && y.unit_cost !== undefined);
  if (!rows.length) return h("p", { class: "muted" }, t("inst.no_unit_cost"));
  const unit = inst.unit ? (inst.unit[lang()] || inst.unit.ru || inst.unit.code) : "";
  const rank = (r, scope) => (r.rank?.[scope] ? t("inst.rank_of", { rank: r.rank[scope], of: r.rank[`${scope}_peers`] ?? "?" }) : "—");
  return [
    h("p", { class: "hint" }, t("inst.unit_cost_hint", { unit, kind: tOr(`kind.${inst.kind}`, inst.kind) })),
    table([t("inst.year"), t("inst.unit_cost_per", { unit }), t("inst.headcount"), t("inst.rank_district"), t("inst.rank_region")],
      rows.slice().reverse().map((r) => [String(r.year), money(r.unit_cost), number(r.headcount), rank(r, "district"), rank(r, "region")])),
  ];
}

function flagList(flags) {
  if (!flags?.length) return h("p", { class: "muted" }, t("inst.no_flags"));
  return h("ul", { class: "flags" }, flags.map((f) => h("li", { class: "flag" },
    h("strong", {}, tOr(`flag.${f.rule}`, f.rule)),
    h("p", {}, localName(f, "explanation")))));
}

function documentList(docs) {
  if (!docs?.length) return h("p", { class: "muted" }, t("inst.no_documents"));
  return h("ul", { class: "documents" }, docs.map((d) => h("li", {},
    d.media_id ? h("img", { src: thumbnailUrl(d.media_id), alt: "", loading: "lazy", width: 64, height: 64 }) : h("span", { class: "doc-icon", "aria-hidden": "true" }, "📄"),
    h("div", {},
      d.media_id ? h("a", { href: contentUrl(d.media_id), download: "" }, localName(d, "title") || d.title) : h("span", {}, localName(d, "title") || d.title),
      h("div", { class: "muted" }, [tOr(`doc.${d.kind}`, d.kind), d.year, d.sha256 ? `SHA-256 ${d.sha256.slice(0, 12)}…` : null].filter(Boolean).join(" · "))))));
}

function reviewsBlock(id, reviews, unavailable) {
  const list = unavailable ? h("p", { class: "muted" }, t("error.section_unavailable"))
    : reviews.length ? h("ul", { class: "reviews" }, reviews.map((r) => h("li", {},
      h("div", {}, h("strong", {}, r.author_name ?? r.author ?? ""), " ", h("span", { "aria-label": t("review.rating_n", { n: r.rating }) }, "★".repeat(r.rating || 0)),
        h("span", { class: "muted" }, ` · ${date(r.created_at ?? r.published_at)}`)),
      h("p", {}, r.text))))
      : h("p", { class: "muted" }, t("inst.no_reviews"));
  const errors = h("div");
  const note = h("p", { role: "status", "aria-live": "polite" });
  const form = h("form", { class: "review-form", id: "review-form", novalidate: true },
    h("h3", {}, t("review.leave")),
    h("div", { class: "field", dataset: { field: "author_name" } },
      h("label", { for: "rv-name" }, t("review.name")), h("input", { id: "rv-name", name: "author_name", required: true, maxlength: 100 }), fieldError()),
    h("div", { class: "field", dataset: { field: "rating" } },
      h("label", { for: "rv-rating" }, t("review.rating")),
      h("select", { id: "rv-rating", name: "rating" }, [5, 4, 3, 2, 1].map((n) => h("option", { value: n }, `${n} ★`))), fieldError()),
    h("div", { class: "field", dataset: { field: "text" } },
      h("label", { for: "rv-text" }, t("review.text")), h("textarea", { id: "rv-text", name: "text", rows: 3, required: true, maxlength: 2000 }), fieldError()),
    errors,
    h("button", { type: "submit" }, t("review.send")), note);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    errors.replaceChildren();
    showFieldErrors(form, {});
    try {
      await post(`${BUDGET}/institutions/${encodeURIComponent(id)}/reviews`, {
        author_name: fd.get("author_name"), rating: Number(fd.get("rating")), text: fd.get("text"),
      });
      form.reset();
      note.textContent = t("review.thanks");
    } catch (err) {
      const rest = showFieldErrors(form, err.fieldErrors || {});
      errors.replaceChildren(errorBox(err, rest));
    }
  });
  return [list, form];
}

function publicAppeals(list, unavailable) {
  if (unavailable) return h("p", { class: "muted" }, t("error.section_unavailable"));
  if (!list.length) return h("p", { class: "muted" }, t("inst.no_appeals"));
  return h("ul", { class: "appeals" }, list.map((a) => h("li", {},
    h("div", {}, h("strong", {}, a.ticket), " · ", t(`category.${a.category}`), " · ", h("span", { class: `badge st-${a.status}` }, t(`status.${a.status}`))),
    h("div", { class: "muted" }, date(a.submitted_at ?? a.created_at)),
    a.description ? h("p", {}, a.description) : null,
    (a.answers || (a.answer ? [a.answer] : [])).map((ans) => h("blockquote", {}, h("strong", {}, t("tracking.answer")), ` (${date(ans.at)}): `, ans.text ?? ans)))));
}

export async function render(root, { id }) {
  root.className = "page institution-page";
  const base = `${BUDGET}/institutions/${encodeURIComponent(id)}`;
  root.append(h("p", { role: "status" }, t("map.loading")));
  let inst;
  try {
    inst = await get(base);
  } catch (err) {
    fill(root, h("p", { class: "notice error" }, err.status === 404 ? t("error.institution_not_found") : err.unavailable ? t("error.budget_unavailable") : t("error.generic", { detail: err.message })),
      h("a", { href: "/", "data-link": "" }, t("nav.back_to_map")));
    return;
  }
  const years = yearlyTotals(inst);
  const latestYear = years.length ? years[years.length - 1].year : null;
  const yearSelect = h("select", { id: "inst-year" }, years.slice().reverse().map((y) => h("option", { value: y.year }, String(y.year))));
  const budgetBox = h("div", { class: "budget-details" });
  const chartCanvas = h("canvas", { id: "budget-chart", role: "img", "aria-label": t("inst.chart_label") });
  const [reviews, appeals] = await Promise.allSettled([
    get(`${base}/reviews`).then(items),
    get(`${APPEALS}/institutions/${encodeURIComponent(id)}/appeals`).then(items),
  ]);

  const contacts = inst.contact_emails || inst.contacts?.emails || [];
  fill(root, 
    h("nav", { class: "crumbs" }, h("a", { href: "/", "data-link": "" }, t("nav.back_to_map"))),
    h("header", { class: "inst-head" },
      h("p", { class: "kind" }, t(`kind.${inst.kind}`)),
      h("h1", {}, localName(inst)),
      facts([
        [t("inst.address"), localName(inst, "address")],
        [t("inst.district"), localName(inst.district) || inst.district_name || null],
        [t("inst.bin"), inst.bin],
        [t("inst.contacts"), contacts.length ? contacts.join(", ") : null],
      ]),
      h("div", { class: "actions" },
        h("a", { class: "button primary", href: `/institution/${encodeURIComponent(id)}/appeal`, "data-link": "" }, t("inst.file_appeal")),
        h("a", { class: "button", href: "#review-form" }, t("inst.leave_review")))),
    section(t("inst.budget_by_year"),
      years.length ? [h("div", { class: "chart-box" }, chartCanvas),
        table([t("inst.year"), t("inst.plan"), t("inst.adjusted"), t("inst.executed"), t("inst.execution")],
          years.map((y) => [String(y.year), money(y.plan), money(y.adjusted), money(y.executed), percent(y.pct)]))]
        : h("p", { class: "muted" }, t("inst.no_budget"))),
    section(t("inst.unit_cost_title"), unitCostBlock(inst)),
    section(t("inst.details_for_year"), [
      h("div", { class: "field inline" }, h("label", { for: "inst-year" }, t("filter.year")), yearSelect),
      budgetBox]),
    section(t("inst.reviews"), reviewsBlock(id, reviews.value || [], reviews.status === "rejected")),
    section(t("inst.public_appeals"), publicAppeals(appeals.value || [], appeals.status === "rejected")),
  );

  let chart = null;
  if (years.length) {
    const { budgetChart } = await import("../chart.js");
    chart = budgetChart(chartCanvas, years);
  }

  async function loadBudget(year) {
    budgetBox.replaceChildren(h("p", { role: "status" }, t("map.loading")));
    try {
      const budget = await get(`${base}/budget`, { params: { year } });
      const specifics = bySpecific(budget);
      const contracts = budget.contracts || [];
      budgetBox.replaceChildren(
        h("h3", {}, t("inst.by_specific")),
        specifics.length ? table([t("inst.specific"), t("inst.plan"), t("inst.adjusted"), t("inst.executed"), "I", "II", "III", "IV"],
          specifics.map((s) => [`${s.code} ${localName(s)}`.trim(),
            money(s.plan), money(s.adjusted_plan), money(s.executed), ...s.q.map(money)]))
          : h("p", { class: "muted" }, t("inst.no_budget")),
        h("h3", {}, t("inst.red_flags")),
        flagList(budget.red_flags || budget.flags || inst.red_flags),
        h("h3", {}, t("inst.contracts")),
        contracts.length ? table([t("contract.subject"), t("contract.supplier"), t("contract.method"), t("contract.signed"), t("contract.amount")],
          contracts.map((c) => [localName(c, "subject") || c.subject, `${c.supplier_name ?? ""} ${c.supplier_bin ? `(${c.supplier_bin})` : ""}`.trim(),
            tOr(`method.${c.method}`, c.method), date(c.signed_on ?? c.signed_date), money(c.amount)]), 4)
          : h("p", { class: "muted" }, t("inst.no_contracts")),
        h("h3", {}, t("inst.documents")),
        documentList(budget.documents));
    } catch (err) {
      budgetBox.replaceChildren(h("p", { class: "notice error" }, err.unavailable ? t("error.budget_unavailable") : t("error.generic", { detail: err.message })));
    }
  }
  yearSelect.addEventListener("change", () => loadBudget(yearSelect.value));
  if (latestYear) loadBudget(latestYear);
  return () => chart?.destroy();
}
