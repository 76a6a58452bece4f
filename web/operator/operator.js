// The operator dashboard: shows what each service's operator API answers, refreshes every 5 s.
// It holds no logic of its own: every number and action comes from /api/<svc>/v1/operator/* and the
// services' own operator endpoints; a service that does not answer turns only its tiles "unavailable".

const SERVICES = ["budget", "appeals", "media", "notify"];
const COMPONENTS = [["kafka", "Kafka"], ["postgresql", "PostgreSQL"], ["redis", "Redis"], ["minio", "MinIO"],
                    ["smtp", "SMTP"]];
const REFRESH_MS = 5000;
const TOKEN_KEY = "ashyq.operator.token";

const TEXT = {
  kk: {
    title: "Ashyq — оператор", logout: "Шығу", login_title: "Оператордың кіруі", username: "Логин",
    password: "Құпиясөз", sign_in: "Кіру", login_failed: "Логин немесе құпиясөз қате",
    services: "Қызметтер", components: "Инфрақұрылым", flow: "Оқиғалар ағыны (соңғы сағат)",
    appeals: "Өтініштер", deadlines: "Мерзімі өткен және жақындаған", failed_notifications: "Жіберілмеген хаттар",
    dead_letters: "Өңделмеген оқиғалар (DLQ)", ready: "жұмыс істейді", degraded: "ішінара", unready: "ақау",
    unavailable: "қолжетімсіз", ok: "қалыпты", down: "істемейді", not_reported: "хабарланбаған",
    checked: "тексерілді", service: "Қызмет", outbox: "Outbox кезегі", oldest: "ең ескісі, с", lag: "Тұтынушы кешігуі",
    dlq: "DLQ", today: "Бүгін", week: "Осы апта", by_status: "Мәртебесі бойынша", by_district: "Аудандар бойынша",
    by_category: "Санаттар бойынша", overdue: "Мерзімі өткен", due_soon: "Мерзімі жақын", none: "жоқ",
    recipient: "Алушы", error: "Қате", retry: "Қайта жіберу", retried: "Кезекке қойылды", replay: "Қайта жіберу",
    replayed: "Қайта жіберілді", already_replayed: "Бұрын қайта жіберілген", topic: "Топик", event: "Оқиға",
    failed_at: "Уақыты", deadline: "Мерзімі", ticket: "Нөмірі", updated: "Жаңартылды", action_failed: "Әрекет орындалмады",
  },
  ru: {
    title: "Ashyq — оператор", logout: "Выйти", login_title: "Вход оператора", username: "Логин",
    password: "Пароль", sign_in: "Войти", login_failed: "Неверный логин или пароль",
    services: "Сервисы", components: "Инфраструктура", flow: "Поток событий (последний час)",
    appeals: "Обращения", deadlines: "Просроченные и с близким сроком", failed_notifications: "Недоставленные письма",
    dead_letters: "Необработанные события (DLQ)", ready: "работает", degraded: "частично", unready: "сбой",
    unavailable: "недоступно", ok: "норма", down: "не работает", not_reported: "нет данных",
    checked: "проверено", service: "Сервис", outbox: "Очередь outbox", oldest: "старейшая, с", lag: "Отставание",
    dlq: "DLQ", today: "Сегодня", week: "Эта неделя", by_status: "По статусам", by_district: "По районам",
    by_category: "По категориям", overdue: "Просрочены", due_soon: "Срок близко", none: "нет",
    recipient: "Получатель", error: "Ошибка", retry: "Повторить", retried: "Поставлено в очередь", replay: "Переотправить",
    replayed: "Переотправлено", already_replayed: "Уже переотправлено", topic: "Топик", event: "Событие",
    failed_at: "Время", deadline: "Срок", ticket: "Номер", updated: "Обновлено", action_failed: "Действие не выполнено",
  },
};

let lang = localStorage.getItem("ashyq.lang") === "kk" ? "kk" : "ru";
let timer = null;
const t = (key) => TEXT[lang][key] ?? key;

// ---- DOM helpers (text only: nothing from the API is ever parsed as HTML)
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const fill = (tileId, state, ...content) => {
  const tile = document.getElementById(tileId);
  tile.dataset.state = state;
  tile.querySelector(".body").replaceChildren(...content.flat());
};
const unavailable = (why) => h("p", { class: "unavailable" }, t("unavailable"), why ? ` (${why})` : "");
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString(lang === "kk" ? "kk-KZ" : "ru-RU") : "—");
const toast = (message) => {
  const el = document.getElementById("toast");
  el.textContent = message;
  setTimeout(() => { if (el.textContent === message) el.textContent = ""; }, 4000);
};

// ---- API
async function api(path, options = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang, ...(options.headers || {}) };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const response = await fetch(path, { ...options, headers });
    const data = await response.json().catch(() => null);
    if (response.status === 401 && token) logout();
    return { ok: response.ok, status: response.status, data };
  } catch (error) {
    return { ok: false, status: 0, data: null };
  }
}
const why = (r) => (r.status ? `HTTP ${r.status}` : "network");

// ---- tiles
function servicesTile(summaries) {
  const rows = SERVICES.map((svc) => {
    const r = summaries[svc];
    const status = r.ok ? r.data.status : "unavailable";
    const cls = { ready: "ok", degraded: "warn", unready: "down" }[status] || "na";
    return h("tr", { "data-service": svc, "data-status": status },
      h("td", {}, svc), h("td", { class: `status ${cls}` }, t(status)),
      h("td", { class: "muted" }, r.ok ? `${t("checked")} ${time(r.data.checked_at)}` : why(r)));
  });
  const states = SERVICES.map((svc) => (summaries[svc].ok ? summaries[svc].data.status : "unavailable"));
  const state = states.includes("unready") || states.includes("unavailable") ? "down"
    : states.includes("degraded") ? "warn" : "ok";
  fill("tile-services", state, h("table", {}, h("tbody", {}, rows)));
}

function componentsTile(summaries) {
  // A component is down if any service that checks it says so; the latest check time is shown.
  const rows = COMPONENTS.map(([key, label]) => {
    const reports = SERVICES.filter((svc) => summaries[svc].ok && summaries[svc].data.checks[key])
      .map((svc) => ({ svc, ...summaries[svc].data.checks[key] }));
    const status = !reports.length ? "not_reported" : reports.some((c) => c.status !== "ok") ? "down" : "ok";
    const latest = reports.map((c) => c.checked_at).sort().pop();
    const failing = reports.filter((c) => c.status !== "ok").map((c) => `${c.svc}: ${c.error}`).join("; ");
    return h("tr", { "data-component": key, "data-status": status },
      h("td", {}, label), h("td", { class: `status ${{ ok: "ok", down: "down" }[status] || "na"}` }, t(status)),
      h("td", { class: "muted" }, latest ? `${t("checked")} ${time(latest)}` : "", failing ? h("div", { class: "error-text" }, failing) : null));
  });
  const statuses = rows.map((r) => r.dataset.status);
  fill("tile-components", statuses.includes("down") ? "down" : "ok", h("table", {}, h("tbody", {}, rows)));
}

function sparkline(points, field) {
  const values = points.map((p) => Number(p[field] ?? 0));
  if (values.length < 2) return h("span", { class: "muted" }, "");
  const max = Math.max(1, ...values);
  const coords = values.map((v, i) => `${(i / (values.length - 1)) * 90},${21 - (v / max) * 20}`).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 90 22");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", coords);
  svg.append(line);
  return svg;
}

function flowTile(summaries) {
  let worst = "ok";
  const cell = (part, value, points, field) => {
    if (!part || part.error) { worst = "warn"; return h("td", { class: "unavailable" }, t("unavailable")); }
    return h("td", {}, String(value), " ", sparkline(points, field));
  };
  const rows = SERVICES.map((svc) => {
    const r = summaries[svc];
    if (!r.ok) return h("tr", { "data-service": svc }, h("td", {}, svc), h("td", { colspan: 4, class: "unavailable" }, t("unavailable")));
    const s = r.data;
    const points = s.trend && !s.trend.error ? s.trend.points : [];
    if ((s.dead_letters.total || 0) > 0 || (s.outbox.oldest_age_seconds || 0) > 60) worst = "down";
    return h("tr", { "data-service": svc },
      h("td", {}, svc),
      cell(s.outbox, s.outbox.backlog, points, "outbox_backlog"),
      h("td", {}, s.outbox.error ? "—" : Math.round(s.outbox.oldest_age_seconds)),
      cell(s.consumer_lag, s.consumer_lag.total, points, "consumer_lag"),
      cell(s.dead_letters, s.dead_letters.total, points, "dead_letters"));
  });
  fill("tile-flow", worst, h("table", {},
    h("thead", {}, h("tr", {}, [t("service"), t("outbox"), t("oldest"), t("lag"), t("dlq")].map((x) => h("th", {}, x)))),
    h("tbody", {}, rows)));
}

function countsList(title, counts) {
  const entries = Object.entries(counts || {});
  return h("div", {}, h("h3", {}, title),
    entries.length ? h("table", {}, h("tbody", {}, entries.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v)))))
      : h("p", { class: "muted" }, t("none")));
}

function appealsTile(summaries) {
  const section = summaries.appeals.ok && summaries.appeals.data.sections && summaries.appeals.data.sections.appeals;
  if (!section || section.error) {
    fill("tile-appeals", "na", unavailable(section && section.error));
    return;
  }
  const period = (key) => h("div", { "data-period": key }, h("h3", {}, t(key)), h("div", { class: "counts" },
    countsList(t("by_status"), section[key]?.by_status), countsList(t("by_district"), section[key]?.by_district),
    countsList(t("by_category"), section[key]?.by_category)));
  fill("tile-appeals", "ok", period("today"), period("week"));
}

function appealRows(items) {
  if (!items.length) return [h("p", { class: "muted" }, t("none"))];
  return [h("table", {}, h("tbody", {}, items.map((a) => h("tr", { "data-appeal-id": a.id },
    h("td", {}, h("a", { href: a.url || `/portal/appeals/${encodeURIComponent(a.id)}` }, a.ticket || a.id)),
    h("td", {}, a.institution_name_ru || a.institution_name || a.institution_id || ""),
    h("td", {}, `${t("deadline")}: ${a.deadline || "—"}`)))))];
}

async function deadlinesTile(summaries) {
  const section = summaries.appeals.ok && summaries.appeals.data.sections && summaries.appeals.data.sections.appeals;
  let overdue = section && !section.error ? section.overdue : null;
  const dueSoon = section && !section.error ? section.due_soon : null;
  if (!overdue) {  // the operator's filtered list of appeals, when the summary has no deadline part
    const r = await api("/api/appeals/v1/operator/appeals?overdue=true&limit=20");
    overdue = r.ok ? r.data.items : null;
  }
  const state = overdue === null ? "na" : overdue.length ? "down" : dueSoon && dueSoon.length ? "warn" : "ok";
  fill("tile-deadlines", state,
    h("h3", {}, t("overdue")), overdue === null ? unavailable() : appealRows(overdue),
    h("h3", {}, t("due_soon")), dueSoon ? appealRows(dueSoon) : unavailable());
}

async function notificationsTile() {
  const r = await api("/api/notify/v1/notifications?status=failed&limit=20");
  if (!r.ok) { fill("tile-notifications", "na", unavailable(why(r))); return; }
  const rows = r.data.map((n) => h("tr", { "data-notification-id": n.id },
    h("td", {}, n.recipient, h("div", { class: "muted" }, `${n.template} · ${time(n.created_at)}`)),
    h("td", { class: "error-text" }, n.last_error || ""),
    h("td", {}, h("button", { type: "button", class: "act retry", onclick: (e) => retry(n.id, e.target) }, t("retry")))));
  fill("tile-notifications", rows.length ? "warn" : "ok",
    rows.length ? h("table", {}, h("tbody", {}, rows)) : h("p", { class: "muted" }, t("none")));
}

async function retry(id, button) {
  button.disabled = true;
  const r = await api(`/api/notify/v1/notifications/${encodeURIComponent(id)}/retry`, { method: "POST" });
  toast(r.ok ? t("retried") : `${t("action_failed")}: ${r.data?.detail || why(r)}`);
  refresh();
}

async function deadLettersTile(summaries) {
  const lists = await Promise.all(SERVICES.filter((svc) => summaries[svc].ok)
    .map(async (svc) => ({ svc, r: await api(`/api/${svc}/v1/operator/dead-letters?limit=20`) })));
  const letters = lists.flatMap(({ svc, r }) => (r.ok ? r.data.dead_letters.map((d) => ({ svc, ...d })) : []));
  const missing = SERVICES.filter((svc) => !lists.some((l) => l.svc === svc && l.r.ok));
  const rows = letters.map((d) => h("tr", { "data-dead-letter": `${d.topic}/${d.partition}/${d.offset}` },
    h("td", {}, d.svc, h("div", { class: "muted" }, `${d.topic} #${d.partition}@${d.offset}`)),
    h("td", {}, d.event_type || "?", h("div", { class: "muted" }, time(d.failed_at))),
    h("td", { class: "error-text" }, d.error),
    h("td", {}, h("button", { type: "button", class: "act replay", disabled: Boolean(d.replayed_at),
      onclick: (e) => replay(d, e.target) }, d.replayed_at ? t("replayed") : t("replay")))));
  fill("tile-dead-letters", letters.some((d) => !d.replayed_at) ? "down" : "ok",
    rows.length ? h("table", {}, h("tbody", {}, rows)) : h("p", { class: "muted" }, t("none")),
    missing.length ? h("p", { class: "unavailable" }, `${t("unavailable")}: ${missing.join(", ")}`) : null);
}

async function replay(d, button) {
  button.disabled = true;
  const r = await api(`/api/${d.svc}/v1/operator/dead-letters/${encodeURIComponent(d.topic)}/${d.partition}/${d.offset}/replay`,
    { method: "POST" });
  toast(r.ok ? t("replayed") : r.status === 409 ? t("already_replayed") : `${t("action_failed")}: ${why(r)}`);
  refresh();
}

// ---- refresh loop, login, language
async function refresh() {
  const answers = await Promise.all(SERVICES.map((svc) => api(`/api/${svc}/v1/operator/summary`)));
  const summaries = Object.fromEntries(SERVICES.map((svc, i) => [svc, answers[i]]));
  servicesTile(summaries);
  componentsTile(summaries);
  flowTile(summaries);
  appealsTile(summaries);
  await Promise.all([deadlinesTile(summaries), notificationsTile(), deadLettersTile(summaries)]);
  document.getElementById("updated").textContent = `${t("updated")} ${time(new Date().toISOString())}`;
  document.body.dataset.refreshed = String(Date.now());
}

function showDashboard() {
  document.getElementById("login-view").hidden = true;
  document.getElementById("dashboard").hidden = false;
  document.getElementById("logout").hidden = false;
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_MS);
}

function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(timer);
  document.getElementById("dashboard").hidden = true;
  document.getElementById("logout").hidden = true;
  document.getElementById("login-view").hidden = false;
}

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const r = await api("/api/appeals/v1/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
  });
  if (r.ok && r.data && r.data.access_token) {
    sessionStorage.setItem(TOKEN_KEY, r.data.access_token);
    document.getElementById("login-error").textContent = "";
    showDashboard();
  } else {
    document.getElementById("login-error").textContent = r.status === 401 || r.status === 422 ? t("login_failed") : `${t("action_failed")} (${why(r)})`;
  }
});

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang)));
  document.title = t("title");
}
document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
  lang = b.dataset.lang;
  localStorage.setItem("ashyq.lang", lang);
  applyLanguage();
  if (!document.getElementById("dashboard").hidden) refresh();
}));
document.getElementById("logout").addEventListener("click", logout);

applyLanguage();
if (sessionStorage.getItem(TOKEN_KEY)) showDashboard();
else document.getElementById("login-view").hidden = false;
