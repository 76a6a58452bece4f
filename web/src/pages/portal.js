// The institution portal: login, then the institution's appeals with deadlines, overdue first.
import { APPEALS, get, items, post } from "../api.js";
import { h, fill } from "../dom.js";
import { isOverdue, sortAppeals } from "../appeal-order.js";
import { date } from "../format.js";
import { t, tOr } from "../i18n.js";
import { navigate } from "../router.js";
import { setStaffToken, staffToken } from "../staff.js";
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
  fill(root, h("p", { role: "status" }, t("map.loading")));
  let list;
  try {
    list = items(await get(`${APPEALS}/staff/appeals`, { token, params: { limit: 200 } }));
  } catch (err) {
    if (err.status === 401) {
      setStaffToken(null);
      fill(root, loginForm(root));
      return;
    }
    fill(root, h("h1", {}, t("portal.title")), errorBox(err), logoutButton(root));
    return;
  }
  const sorted = sortAppeals(list);
  fill(root, 
    h("div", { class: "portal-head" }, h("h1", {}, t("portal.title")), logoutButton(root)),
    sorted.length ? h("ul", { class: "appeal-list" }, sorted.map((a) => h("li", { class: isOverdue(a) ? "overdue" : null },
      h("a", { href: `/portal/appeals/${encodeURIComponent(a.id)}`, "data-link": "" }, a.ticket),
      " ", statusBadge(a.status), " ", h("span", {}, tOr(`category.${a.category}`, a.category)),
      h("div", { class: "muted" }, `${t("portal.submitted")} ${date(a.submitted_at)}`),
      deadlineInfo(a.deadline, a.status))))
      : h("p", { class: "muted" }, t("portal.empty")));
}
