// An appeal's statuses with dates, and its deadline with days left.
import { h } from "./dom.js";
import { date, dateTime, daysUntil } from "./format.js";
import { t, tOr } from "./i18n.js";

export function statusBadge(status) {
  return h("span", { class: `badge st-${status}` }, tOr(`status.${status}`, status));
}

// Reasons an operator writes for the citizen; the system's own notes ("institution notified") are not shown.
const REASONED = ["rejected", "redirected", "extended", "escalated", "disputed"];

export function timeline(history = []) {
  return h("ol", { class: "timeline" }, history.map((e) => h("li", {},
    h("time", { datetime: e.at }, dateTime(e.at)), " ", statusBadge(e.to_status),
    e.reason && REASONED.includes(e.to_status) ? h("p", { class: "muted" }, e.reason) : null)));
}

const FINISHED = ["answered", "closed", "rejected"]; // a redirected appeal's deadline still runs

export function deadlineInfo(deadline, status) {
  if (!deadline) return null;
  const days = daysUntil(deadline);
  let left = null;
  if (!FINISHED.includes(status) && days !== null) {
    left = days < 0 ? t("deadline.overdue", { n: -days }) : days === 0 ? t("deadline.today") : t("deadline.days_left", { n: days });
  }
  return h("p", { class: `deadline${days !== null && days < 0 && left ? " overdue" : ""}` },
    h("strong", {}, t("tracking.deadline")), " ", date(deadline), left ? ` · ${left}` : "");
}
