// Message catalogues: Kazakh by default, Russian by a switch remembered in localStorage.
import kk from "./i18n/kk.json" with { type: "json" };
import ru from "./i18n/ru.json" with { type: "json" };

const CATALOGUES = { kk, ru };
const STORAGE_KEY = "ashyq.lang";
const listeners = new Set();

function initialLang() {
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? "").get("lang");
  try {
    if (fromUrl in CATALOGUES) {
      localStorage.setItem(STORAGE_KEY, fromUrl); // a link with ?lang= sets the language like the switch does
      return fromUrl;
    }
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored in CATALOGUES) return stored;
  } catch { /* storage may be disabled */ }
  return fromUrl in CATALOGUES ? fromUrl : "kk";
}

let current = initialLang();

export function lang() {
  return current;
}

export function setLang(next) {
  if (!(next in CATALOGUES) || next === current) return;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* ignore */ }
  document.documentElement.lang = next;
  listeners.forEach((fn) => fn(next));
}

export function onLangChange(fn) {
  listeners.add(fn);
}

/** t("map.count", {n: 3}) — a key missing in a catalogue shows the key itself, loudly. */
export function t(key, vars = {}) {
  const text = CATALOGUES[current][key] ?? CATALOGUES.kk[key];
  if (text === undefined) {
    console.warn(`missing message ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A record's name in the current language: name_kk / name_ru, falling back to the other one. */
export function localName(obj, field = "name") {
  if (!obj) return "";
  const other = current === "kk" ? "ru" : "kk";
  return obj[`${field}_${current}`] || obj[`${field}_${other}`] || obj[field] || "";
}

/** A catalogue entry when there is one, otherwise the given fallback (for open-ended codes). */
export function tOr(key, fallback) {
  const text = CATALOGUES[current][key] ?? CATALOGUES.kk[key];
  return text === undefined ? fallback : text;
}
