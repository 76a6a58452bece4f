// Filing an appeal about an institution: category, description, optional budget line / contract / point,
// evidence with per-file progress, applicant (never published), consent; one idempotency key per form.
import { APPEALS, BUDGET, get, newIdempotencyKey, post } from "../api.js";
import { h, uid, fill } from "../dom.js";
import { lang, localName, t } from "../i18n.js";
import { evidencePicker } from "../media.js";
import { errorBox, fieldError, showFieldErrors } from "../ui.js";

export const CATEGORIES = ["work_not_done", "poor_quality", "price_inflated", "documents_mismatch", "other"];
const MIN_TEXT = 20;
const MAX_TEXT = 5000;

function field(name, label, control, hint) {
  const hintEl = hint ? h("p", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field", dataset: { field: name } }, h("label", { for: control.id }, label), control, hintEl, fieldError());
}

async function loadChoices(id) {
  try {
    const inst = await get(`${BUDGET}/institutions/${encodeURIComponent(id)}`);
    const years = (inst.years || inst.yearly_totals || []).map((y) => Number(y.year)).filter(Boolean);
    const year = years.length ? Math.max(...years) : new Date().getFullYear();
    const budget = await get(`${BUDGET}/institutions/${encodeURIComponent(id)}/budget`, { params: { year } }).catch(() => ({}));
    return { inst, lines: budget.lines || budget.budget_lines || [], contracts: budget.contracts || [] };
  } catch {
    return { inst: null, lines: [], contracts: [] };
  }
}

/** A small map to click a point on; district centres and the institution give bearings without tiles. */
async function pickPoint(container, inst, onPick) {
  const { default: L, createMap } = await import("../leaflet.js");
  const { districtCentre, loadDistricts } = await import("../districts.js");
  const map = await createMap(container, { zoomControl: true });
  loadDistricts().then((list) => list.forEach((d) => {
    const centre = districtCentre(d);
    if (centre) {
      L.marker(centre, { icon: L.divIcon({ className: "district-centre", iconSize: [10, 10] }), keyboard: false, interactive: false })
        .bindTooltip(localName(d), { permanent: true, direction: "right", offset: [6, 0], className: "district-label" }).addTo(map);
    }
  })).catch(() => {});
  if (inst?.lat && inst?.lon) {
    L.marker([inst.lat, inst.lon], { icon: L.divIcon({ className: "inst-centre", iconSize: [12, 12] }), keyboard: false, interactive: false })
      .bindTooltip(localName(inst), { direction: "top" }).addTo(map);
    map.setView([inst.lat, inst.lon], 10, { animate: false });
  }
  let marker = null;
  map.on("click", (e) => {
    const { lat, lng } = e.latlng;
    if (marker) marker.setLatLng(e.latlng);
    else marker = L.circleMarker(e.latlng, { radius: 8, color: "#c62f3a", fillOpacity: 0.8 }).addTo(map);
    onPick({ lat: Number(lat.toFixed(6)), lon: Number(lng.toFixed(6)) });
  });
  return {
    map,
    clear: () => { marker?.remove(); marker = null; },
  };
}

// A draft survives a language switch or a reload, with its idempotency key: a retry after a lost answer
// re-sends the same key, so it never files a second appeal.
const draftKey = (id) => `ashyq.appeal-draft.${id}`;

function loadDraft(id) {
  try { return JSON.parse(sessionStorage.getItem(draftKey(id)) || "null") || {}; } catch { return {}; }
}

function saveDraft(id, draft) {
  try { sessionStorage.setItem(draftKey(id), JSON.stringify(draft)); } catch { /* storage full or disabled */ }
}

export async function render(root, { id }) {
  root.className = "page appeal-page";
  const draft = loadDraft(id);
  const idempotencyKey = draft.key || newIdempotencyKey();
  const { inst, lines, contracts } = await loadChoices(id);
  let location = draft.location || null;
  let submitting = false;

  const counter = h("p", { class: "hint counter", id: "ap-desc-count", "aria-live": "polite" });
  const description = h("textarea", { id: "ap-desc", name: "description", rows: 6, required: true, minlength: MIN_TEXT, maxlength: MAX_TEXT });
  const updateCount = () => {
    const n = description.value.length;
    counter.textContent = t("appeal.count", { n, max: MAX_TEXT, min: MIN_TEXT });
    counter.classList.toggle("bad", n > 0 && n < MIN_TEXT);
  };
  description.addEventListener("input", updateCount);
  updateCount();

  const submit = h("button", { type: "submit", class: "primary" }, t("appeal.submit"));
  const uploadsHint = h("p", { class: "hint", id: "ap-files-hint" }, t("media.hint"));
  const picker = evidencePicker({ inputId: "ap-files", onChange: () => { refreshSubmit(); remember(); } });
  const general = h("div");
  const pointNote = h("p", { class: "hint", "aria-live": "polite" }, t("appeal.point_none"));
  const pointMap = h("div", { class: "mini-map", role: "application", "aria-label": t("appeal.point_map") });

  function refreshSubmit() {
    submit.disabled = submitting || picker.pending() > 0;
    submit.textContent = picker.pending() ? t("appeal.wait_uploads") : submitting ? t("appeal.sending") : t("appeal.submit");
  }

  const optional = (items, label) => [h("option", { value: "" }, t("appeal.none")), ...items.map((x) => h("option", { value: x.id }, label(x)))];
  const form = h("form", { class: "appeal-form", novalidate: true },
    h("input", { type: "hidden", name: "institution_id", value: id }),
    h("div", { dataset: { field: "institution_id" } }, fieldError()),
    field("category", t("appeal.category"),
      h("select", { id: "ap-category", name: "category", required: true },
        h("option", { value: "" }, t("appeal.choose")), CATEGORIES.map((c) => h("option", { value: c }, t(`category.${c}`))))),
    h("div", { class: "field", dataset: { field: "description" } },
      h("label", { for: "ap-desc" }, t("appeal.description")), description, counter, fieldError()),
    lines.length ? field("budget_line_id", t("appeal.budget_line"),
      h("select", { id: "ap-line", name: "budget_line_id" }, optional(lines, (l) => `${l.program_code ?? ""} ${l.specific?.code ?? l.specific ?? ""} ${localName(l, "specific_name") || localName(l.specific)}`.trim()))) : null,
    contracts.length ? field("contract_id", t("appeal.contract"),
      h("select", { id: "ap-contract", name: "contract_id" }, optional(contracts, (c) => `${c.id} · ${c.subject ?? ""}`))) : null,
    h("fieldset", { class: "field", dataset: { field: "location" } },
      h("legend", {}, t("appeal.point")), pointMap, pointNote,
      h("button", { type: "button", class: "link", onclick: () => { location = null; pointPicker?.clear(); pointNote.textContent = t("appeal.point_none"); remember(); } }, t("appeal.point_clear")),
      fieldError()),
    h("div", { class: "field", dataset: { field: "media_ids" } },
      h("label", { for: "ap-files" }, t("appeal.evidence")), picker.input, uploadsHint, picker.list, fieldError()),
    h("fieldset", { class: "applicant" },
      h("legend", {}, t("appeal.applicant")),
      h("p", { class: "hint" }, t("appeal.private_note")),
      field("applicant.name", t("appeal.name"), h("input", { id: "ap-name", name: "name", required: true, autocomplete: "name", maxlength: 200 })),
      field("applicant.email", t("appeal.email"), h("input", { id: "ap-email", name: "email", type: "email", required: true, autocomplete: "email", maxlength: 254 })),
      field("applicant.phone", t("appeal.phone"), h("input", { id: "ap-phone", name: "phone", type: "tel", autocomplete: "tel", maxlength: 20 }))),
    h("div", { class: "field check", dataset: { field: "publish_text" } },
      h("input", { id: "ap-publish", name: "publish_text", type: "checkbox" }),
      h("label", { for: "ap-publish" }, t("appeal.publish")), fieldError()),
    general,
    submit);

  for (const [name, value] of Object.entries(draft.fields || {})) {
    const el = form.elements[name];
    if (!el) continue;
    if (el.type === "checkbox") el.checked = Boolean(value);
    else el.value = value;
  }
  picker.restore(draft.media);
  updateCount();
  if (location) pointNote.textContent = t("appeal.point_set", { lat: location.lat, lon: location.lon });
  const remember = () => {
    const fields = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "file" || el.type === "hidden") continue;
      fields[el.name] = el.type === "checkbox" ? el.checked : el.value;
    }
    saveDraft(id, { key: idempotencyKey, fields, location, media: picker.stored() });
  };
  form.addEventListener("input", remember);
  form.addEventListener("change", remember);

  root.append(
    h("nav", { class: "crumbs" }, h("a", { href: `/institution/${encodeURIComponent(id)}`, "data-link": "" }, inst ? localName(inst) : t("nav.back"))),
    h("h1", {}, t("appeal.title")),
    inst ? h("p", { class: "lead" }, t("appeal.about", { name: localName(inst) })) : h("p", { class: "lead" }, t("appeal.about_id", { id })),
    form);

  let pointPicker = null;
  pickPoint(pointMap, inst, (p) => {
    location = p;
    pointNote.textContent = t("appeal.point_set", { lat: p.lat, lon: p.lon });
    remember();
  })
    .then((picker2) => { pointPicker = picker2; })
    .catch(() => { pointMap.hidden = true; });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (submitting || picker.pending()) return;
    const fd = new FormData(form);
    const body = {
      institution_id: id,
      category: fd.get("category") || "",
      description: fd.get("description") || "",
      budget_line_id: fd.get("budget_line_id") || null,
      contract_id: fd.get("contract_id") || null,
      location,
      media_ids: picker.mediaIds(),
      language: lang(),
      publish_text: fd.get("publish_text") === "on",
      applicant: { name: fd.get("name") || "", email: fd.get("email") || "", phone: fd.get("phone") || null },
    };
    const local = localErrors(body);
    general.replaceChildren();
    if (Object.keys(local).length) {
      showFieldErrors(form, local);
      return;
    }
    submitting = true;
    refreshSubmit();
    try {
      const receipt = await post(`${APPEALS}/appeals`, body, { headers: { "Idempotency-Key": idempotencyKey } });
      sessionStorage.removeItem(draftKey(id));
      fill(root, success(receipt));
      root.querySelector("h1")?.focus();
    } catch (err) {
      const rest = showFieldErrors(form, err.fieldErrors || {});
      general.replaceChildren(errorBox(err, rest));
      if (!form.querySelector("[aria-invalid]")) general.querySelector("[role=alert]")?.focus?.();
    } finally {
      submitting = false;
      refreshSubmit();
    }
  });

  return () => pointPicker?.map.remove();
}

/** Checks the browser can make before asking the server (which stays the judge). */
function localErrors(body) {
  const errors = {};
  if (!body.category) errors.category = [t("validation.required")];
  if (body.description.trim().length < MIN_TEXT) errors.description = [t("validation.min_length", { n: MIN_TEXT })];
  if (!body.applicant.name.trim()) errors["applicant.name"] = [t("validation.required")];
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.applicant.email)) errors["applicant.email"] = [t("validation.email")];
  return errors;
}

function trackingPath(receipt) {
  try {
    const u = new URL(receipt.tracking_url, location.origin);
    return u.pathname + u.search;
  } catch {
    return `/appeal/${encodeURIComponent(receipt.ticket)}?token=${encodeURIComponent(receipt.token)}`;
  }
}

function success(receipt) {
  const path = trackingPath(receipt);
  const full = new URL(path, window.location.origin).href;
  const linkId = uid("track");
  return h("section", { class: "card success", "aria-live": "polite" },
    h("h1", { tabindex: "-1" }, t("appeal.done_title")),
    h("p", {}, t("appeal.done_ticket"), " ", h("strong", { class: "ticket" }, receipt.ticket)),
    h("p", {}, t("appeal.done_link")),
    h("p", {}, h("a", { id: linkId, class: "tracking-link", href: path, "data-link": "" }, full)),
    h("p", {}, t("appeal.done_email")),
    h("p", { class: "hint" }, t("appeal.done_keep")));
}
