// The institution portal: login, then the institution's appeals with deadlines, overdue first, a page at a time.
import { APPEALS, get, items, post } from "../api.js";
import { h, fill } from "../dom.js";
import { isOverdue } from "../appeal-order.js";
import { date, number } from "../format.js";
import { t, tOr } from "../i18n.js";
import { navigate } from "../router.js";
import { PAGE_SIZE, pageCount, pageParam, pageUrl, pageView } from "../paging.js";
import { rememberPortalList, setStaffToken, staffToken } from "../staff.js";
import { deadlineInfo, statusBadge } from "../timeline.js";
import { errorBox, fieldError, showFieldErrors } from "../ui.js";

function loginForm(root) {
  const note = h("div");
  const form = h("form", { class: "login card", novalidate: true },
    h("h1", {}, t("portal.login_title")),
    h("p", { class: "hint" }, t("portal.login_hint")),
    h("div", { class: "field", dataset: { field: "username" } },
      h("label", { for: "login-user" }, t("portal.username")),
      h("input", { id: "login-user", name: "username", autocomplete: "username", required: true }), fieldError()),
    h("div", { class: "field", dataset: { field: "password" } },
      h("label", { for: "login-pass" }, t("portal.password")),
      h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true }), fieldError()),
    note,
    h("button", { type: "submit", class: "primary" }, t("portal.login")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    note.replaceChildren();
    try {
      const answer = await post(`${APPEALS}/auth/login`, { username: form.username.value.trim(), password: form.password.value });
      setStaffToken(answer.access_token);
      render(root);
    } catch (err) {
      const rest = showFieldErrors(form, err.fieldErrors || {});
      if (err.status === 401 || err.status === 403) note.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("portal.bad_login")));
      else note.replaceChildren(errorBox(err, rest));
    }
  });
  return form;
}

export function logoutButton(root) {
  return h("button", { type: "button", class: "link", onclick: () => { setStaffToken(null); navigate("/portal"); } }, t("portal.logout"));
}

export async function render(root) {
  root.className = "page portal-page";
  const token = staffToken();
  if (!token) {
    fill(root, loginForm(root));
    root.querySelector("input")?.focus();
    return;
  }
  const focus = focusAfterRender;
  focusAfterRender = null;
  const asked = location.pathname + location.search;
  fill(root, h("p", { role: "status" }, t("map.loading")));
  let view;
  try {
    view = await appealsPage(token, pageParam(location.search));
  } catch (err) {
    if (location.pathname + location.search !== asked) return;
    if (err.status === 401) {
      setStaffToken(null);
      fill(root, loginForm(root));
      return;
    }
    fill(root, h("h1", {}, t("portal.title")), errorBox(err), logoutButton(root));
    return;
  }
  if (location.pathname + location.search !== asked) return; // a newer visit renders its own page
  const here = pageUrl(location, view.page);
  if (here !== location.pathname + location.search) history.replaceState(null, "", here); // ?page=99 of a shorter list
  rememberPortalList(here);
  fill(root,
    h("div", { class: "portal-head" }, h("h1", {}, t("portal.title")), logoutButton(root)),
    view.total ? [
      h("p", { class: "muted" },
        t("portal.range", { from: number(view.from), to: number(view.to), total: number(view.total) })),
      h("ul", { class: "appeal-list" }, view.items.map((a) => h("li", { class: isOverdue(a) ? "overdue" : null },
        h("a", { href: `/portal/appeals/${encodeURIComponent(a.id)}`, "data-link": "" }, a.ticket),
        " ", statusBadge(a.status), " ", h("span", {}, tOr(`category.${a.category}`, a.category)),
        h("div", { class: "muted" }, `${t("portal.submitted")} ${date(a.submitted_at)}`),
        deadlineInfo(a.deadline, a.status)))),
      pager(view),
    ] : h("p", { class: "muted" }, t("portal.empty")));
  if (focus) {
    const wanted = root.querySelector(`.pager [data-go="${focus}"]`);
    (wanted && !wanted.disabled ? wanted : root.querySelector(".pager button:not(:disabled)"))?.focus();
  }
}

// Which pager button had focus before its page replaced the list: a keyboard user keeps their place.
let focusAfterRender = null;

/** Previous / next page buttons; the page is in the URL, so reload and the back button keep it. */
function pager(view) {
  if (view.pages <= 1) return null;
  const go = (direction, page) => h("button", {
    type: "button", class: "pager-button", dataset: { go: direction }, disabled: page < 1 || page > view.pages,
    onclick: () => { focusAfterRender = direction; navigate(pageUrl(location, page)); },
  }, direction === "prev" ? [h("span", { "aria-hidden": "true" }, "← "), t("portal.prev")]
    : [t("portal.next"), h("span", { "aria-hidden": "true" }, " →")]);
  return h("nav", { class: "pager", "aria-label": t("portal.pages") },
    go("prev", view.page - 1),
    h("span", { class: "pager-where" }, t("portal.page_of", { page: number(view.page), pages: number(view.pages) })),
    go("next", view.page + 1));
}

/**
 * One page of the institution's appeals. The service orders them as the portal shows them — late ones first,
 * then the rest awaiting the institution, then answered and finished ones, nearest deadline first in each —
 * so a page is one request, however many appeals the institution has. A page past the end (the list shrank
 * since the link was made) shows the last one.
 */
async function appealsPage(token, wanted) {
  const ask = (page) => get(`${APPEALS}/staff/appeals`, { token, params: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } });
  let answer = await ask(wanted);
  const total = Number.isInteger(answer?.total) ? answer.total : items(answer).length;
  const last = pageCount(total);
  if (wanted > last) answer = await ask(last);
  return pageView(items(answer), Math.min(wanted, last), total);
}
