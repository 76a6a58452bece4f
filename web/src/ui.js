// Small shared page pieces: sections, field errors from problem+json, error notices.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function section(title, ...content) {
  return h("section", { class: "card" }, h("h2", {}, title), ...content);
}

export function fieldError() {
  return h("p", { class: "field-error", role: "alert", hidden: true });
}

/**
 * Puts each API field error next to its field (elements with data-field="applicant.email");
 * returns the errors that have no field on the form.
 */
export function showFieldErrors(form, errors) {
  const rest = { ...errors };
  form.querySelectorAll("[data-field]").forEach((box) => {
    const field = box.dataset.field;
    const keys = Object.keys(errors).filter((k) => k === field || k.startsWith(`${field}.`));
    const messages = keys.length ? keys.flatMap((k) => errors[k]) : null;
    keys.forEach((k) => delete rest[k]);
    const slot = box.querySelector(":scope > .field-error");
    const input = box.querySelector("input, textarea, select");
    if (slot) {
      slot.textContent = messages ? messages.join(" ") : "";
      slot.hidden = !messages;
      if (slot.id === "" && input) slot.id = `${input.id || box.dataset.field}-error`;
    }
    if (input) {
      input.toggleAttribute("aria-invalid", Boolean(messages));
      if (messages && slot) input.setAttribute("aria-describedby", slot.id);
    }
  });
  const first = form.querySelector("[aria-invalid]");
  if (first) first.focus();
  return rest;
}

/** A notice for a failed request: its detail plus any field errors that had no place on the form. */
export function errorBox(err, restErrors = {}) {
  let title;
  if (err.status === 429) title = t("error.rate_limited");
  else if (err.unavailable) title = t("error.network");
  else title = err.problem?.title || t("error.generic", { detail: err.status });
  const lines = Object.entries(restErrors).map(([field, msgs]) => `${field === "_" ? "" : `${field}: `}${msgs.join(" ")}`);
  const detail = err.problem?.detail && err.problem.detail !== title ? err.problem.detail : null;
  return h("div", { class: "notice error", role: "alert" }, h("strong", {}, title), detail ? h("p", {}, detail) : null,
    lines.length ? h("ul", {}, lines.map((l) => h("li", {}, l))) : null);
}
