// Which appeals are late: overdue or escalated, or still awaiting the institution past their deadline (Almaty days).
import { daysUntil } from "./format.js";

// A redirected appeal is new work for the institution it was sent to: its deadline runs (the service's RUNNING).
const OPEN = ["submitted", "redirected", "delivered", "in_progress", "extended", "overdue", "escalated", "disputed"];

export function isOverdue(appeal, now = new Date()) {
  if (appeal.status === "overdue" || appeal.status === "escalated") return true;
  const days = daysUntil(appeal.deadline, now);
  return OPEN.includes(appeal.status) && days !== null && days < 0;
}
