// The order of the institution's work list: overdue first, then open ones by nearest deadline, then the rest.
import { daysUntil } from "./format.js";

// A redirected appeal is new work for the institution it was sent to: its deadline runs (the service's RUNNING).
const OPEN = ["submitted", "redirected", "delivered", "in_progress", "extended", "overdue", "escalated", "disputed"];

export function isOverdue(appeal, now = new Date()) {
  if (appeal.status === "overdue" || appeal.status === "escalated") return true;
  const days = daysUntil(appeal.deadline, now);
  return OPEN.includes(appeal.status) && days !== null && days < 0;
}

export function sortAppeals(list, now = new Date()) {
  const rank = (a) => (isOverdue(a, now) ? 0 : OPEN.includes(a.status) ? 1 : 2);
  return [...list].sort((a, b) => rank(a) - rank(b) || String(a.deadline).localeCompare(String(b.deadline)));
}
