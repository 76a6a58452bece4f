// The single-page router: each page is a module exporting render(root, params) → optional cleanup.
import "./styles.css";
import { lang, onLangChange, setLang, t } from "./i18n.js";
import { navigate } from "./router.js";

const ROUTES = [
  [/^\/$/, () => import("./pages/map.js")],
  [/^\/institution\/([^/]+)\/appeal$/, () => import("./pages/appeal-form.js"), ["id"]],
  [/^\/institution\/([^/]+)$/, () => import("./pages/institution.js"), ["id"]],
  [/^\/appeal\/([^/]+)$/, () => import("./pages/tracking.js"), ["ticket"]],
  [/^\/portal$/, () => import("./pages/portal.js")],
  [/^\/portal\/appeals\/([^/]+)$/, () => import("./pages/portal-appeal.js"), ["id"]],
];

const root = document.getElementById("app");
let cleanup = null;
let renderSeq = 0;

function translateChrome() {
  document.documentElement.lang = lang();
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-aria]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.i18nAria)));
  document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang())));
  document.title = t("app.title");
}

async function render() {
  const seq = ++renderSeq;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const match = ROUTES.map(([re, load, names = []]) => [path.match(re), load, names]).find(([m]) => m);
  if (cleanup) { cleanup(); cleanup = null; }
  root.replaceChildren();
  root.className = "";
  translateChrome();
  if (!match) {
    root.append(Object.assign(document.createElement("p"), { className: "notice", textContent: t("error.not_found") }));
    return;
  }
  const [m, load, names] = match;
  const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
  const page = await load();
  if (seq !== renderSeq) return;
  cleanup = (await page.render(root, params)) || null;
}


document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute("href"));
});

document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
window.addEventListener("popstate", render);
window.addEventListener("ashyq:navigate", render);
onLangChange(render);
render();
