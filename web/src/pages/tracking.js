// The citizen's tracking page: /appeal/{ticket}?token=… — timeline, deadline, answers, dispute.
import { APPEALS, get, post } from "../api.js";
import { h, fill } from "../dom.js";
import { dateTime } from "../format.js";
import { localName, t } from "../i18n.js";
import { evidenceGallery } from "../evidence.js";
import { deadlineInfo, statusBadge, timeline } from "../timeline.js";
import { errorBox, fieldError, section, showFieldErrors } from "../ui.js";

function disputeForm(ticket, token, onDone) {
  const note = h("div");
  const form = h("form", { class: "dispute", novalidate: true },
    h("div", { class: "field", dataset: { field: "reason" } },
      h("label", { for: "dispute-reason" }, t("tracking.dispute_reason")),
      h("textarea", { id: "dispute-reason", name: "reason", rows: 4, required: true, maxlength: 5000 }), fieldError()),
    note,
    h("button", { type: "submit" }, t("tracking.dispute")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) {
      showFieldErrors(form, { reason: [t("validation.required")] });
      return;
    }
    try {
      await post(`${APPEALS}/appeals/${encodeURIComponent(ticket)}/dispute`, { token, reason });
      onDone();
    } catch (err) {
      note.replaceChildren(errorBox(err, showFieldErrors(form, err.fieldErrors || {})));
    }
  });
  return form;
}

export async function render(root, { ticket }) {
  root.className = "page tracking-page";
  const token = new URLSearchParams(location.search).get("token") || "";
  let appeal;
  try {
    appeal = await get(`${APPEALS}/appeals/${encodeURIComponent(ticket)}`, { params: { token } });
  } catch (err) {
    const message = [401, 403, 404, 422].includes(err.status) ? t("tracking.not_found") : err.unavailable ? t("error.appeals_unavailable") : t("error.generic", { detail: err.message });
    fill(root, h("h1", {}, t("tracking.title", { ticket })), h("p", { class: "notice error" }, message));
    return;
  }
  const answers = appeal.answers || (appeal.answer ? [appeal.answer] : []);
  const reload = () => render(root, { ticket });
  fill(root, 
    h("h1", {}, t("tracking.title", { ticket: appeal.ticket })),
    h("p", { class: "lead" }, statusBadge(appeal.status), " ",
      appeal.institution ? h("a", { href: `/institution/${encodeURIComponent(appeal.institution_id)}`, "data-link": "" }, localName(appeal.institution)) : null),
    deadlineInfo(appeal.deadline, appeal.status),
    appeal.extended ? h("p", { class: "muted" }, t("tracking.extended")) : null,
    section(t("tracking.answer"), answers.length
      ? answers.map((a) => h("article", { class: "answer" }, h("p", { class: "muted" }, dateTime(a.at)), h("p", { class: "answer-text" }, a.text), evidenceGallery(a.media_ids)))
      : h("p", { class: "muted" }, t("tracking.no_answer"))),
    appeal.can_dispute ? section(t("tracking.dispute_title"), h("p", {}, t("tracking.dispute_hint")), disputeForm(appeal.ticket, token, reload)) : null,
    section(t("tracking.timeline"), timeline(appeal.history)),
    section(t("tracking.your_appeal"),
      h("p", {}, h("strong", {}, t(`category.${appeal.category}`))),
      h("p", { class: "pre" }, appeal.description),
      evidenceGallery(appeal.media_ids)));
}
