// Numbers, money and dates for the page's language; dates in Akmola's time zone.
import { lang, t } from "./i18n.js";

export const TIME_ZONE = "Asia/Almaty";

// Browsers ship thin Kazakh locale data ("₸ 1,234.50", "2026 M11 26"), so numbers use the Kazakhstan
// pattern shared with Russian (1 234 567,50 ₸) and Kazakh dates are composed from catalogue month names.
function locale() {
  return "ru-KZ";
}

function toNumber(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function number(value, digits = 0) {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

export function money(value) {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "KZT", currencyDisplay: "narrowSymbol", maximumFractionDigits: 0 }).format(n);
}

/** Short money for chart axes: 1,2 млн ₸. */
export function moneyCompact(value) {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(locale(), {
    style: "currency", currency: "KZT", currencyDisplay: "narrowSymbol", notation: "compact", maximumFractionDigits: 1,
  }).format(n);
}

export function percent(value) {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(n / 100);
}

function toDate(value) {
  if (!value) return null;
  // A bare date (2026-12-15) is a calendar day in Akmola, not UTC midnight.
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00+05:00`) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Year, month, day, hour, minute of a moment on Akmola's clock. */
function almatyParts(d) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(d);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

export function date(value) {
  const d = toDate(value);
  if (!d) return "—";
  if (lang() === "kk") {
    const p = almatyParts(d);
    return t("date.long", { day: Number(p.day), month: t(`month.${Number(p.month)}`), year: p.year });
  }
  return new Intl.DateTimeFormat("ru-RU", { timeZone: TIME_ZONE, year: "numeric", month: "long", day: "numeric" }).format(d);
}

export function dateTime(value) {
  const d = toDate(value);
  if (!d) return "—";
  const p = almatyParts(d);
  return `${date(value)}, ${p.hour}:${p.minute}`;
}

/** Today's calendar date in Akmola as YYYY-MM-DD. */
export function todayInAlmaty(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(now);
}

/** Whole calendar days from today (Akmola) to a YYYY-MM-DD deadline; negative when past. */
export function daysUntil(deadline, now = new Date()) {
  if (!deadline) return null;
  const day = String(deadline).slice(0, 10);
  const ms = Date.parse(`${day}T00:00:00Z`) - Date.parse(`${todayInAlmaty(now)}T00:00:00Z`);
  return Number.isNaN(ms) ? null : Math.round(ms / 86400000);
}

export function fileSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${number(n, i ? 1 : 0)} ${units[i]}`;
}
