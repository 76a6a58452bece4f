// One appeal in the institution portal: its text and evidence, status change, answer with attachments.
import { APPEALS, get, post } from "../api.js";
import { h, fill } from "../dom.js";
import { dateTime } from "../format.js";
import { t, tOr } from "../i18n.js";
import { evidenceGallery } from "../evidence.js";
import { evidencePicker } from "../media.js";
import { navigate } from "../router.js";
import { portalListUrl, staffToken } from "../staff.js";
import { deadlineInfo, statusBadge, timeline } from "../timeline.js";
import { errorBox, fieldError, section, showFieldErrors } from "../ui.js";
import { logoutButton } from "./portal.js";

function answerForm(appeal, token, onDone) {
  const picker = evidencePicker({ inputId: "answer-files", onChange: () => { send.disabled = picker.pending() > 0; } });
  const note = h("div");
  const send = h("button", { type: "submit", class: "primary" }, t("portal.send_answer"));
  const form = h("form", { class: "answer-form", novalidate: true },
    h("div", { class: "field", dataset: { field: "text" } },
      h("label", { for: "answer-text" }, t("portal.answer_text")),
      h("textarea", { id: "answer-text", name: "text", rows: 6, required: true, maxlength: 10000 }), fieldError()),
    h("div", { class: "field", dataset: { field: "media_ids" } },
      h("label", { for: "answer-files" }, t("portal.attachments")), picker.input,
      h("p", { class: "hint", id: "answer-files-hint" }, t("media.hint")), picker.list, fieldError()),
    note, send);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    note.replaceChildren();
    const text = form.text.value.trim();
    if (text.length < 10) {
      showFieldErrors(form, { text: [t("validation.min_length", { n: 10 })] });
      return;
    }
    send.disabled = true;
    try {
      await post(`${APPEALS}/staff/appeals/${encodeURIComponent(appeal.id)}/answer`, { text, media_ids: picker.mediaIds() }, { token });
      onDone();
    } catch (err) {
      note.replaceChildren(errorBox(err, showFieldErrors(form, err.fieldErrors || {})));
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

export async function render(root, { id }) {
  root.className = "page portal-page";
  const token = staffToken();
  if (!token) {
    navigate("/portal", { replace: true });
    return;
  }
  let appeal;
  try {
    appeal = await get(`${APPEALS}/staff/appeals/${encodeURIComponent(id)}`, { token });
  } catch (err) {
    fill(root, h("nav", { class: "crumbs" }, h("a", { href: portalListUrl(), "data-link": "" }, t("portal.back"))), errorBox(err));
    return;
  }
  const reload = () => render(root, { id });
  const allowed = appeal.allowed_transitions || [];
  const actionNote = h("div");
  const canAnswer = allowed.includes("answered") || ["delivered", "in_progress", "extended", "overdue", "disputed"].includes(appeal.status);
  const startButton = allowed.includes("in_progress") ? h("button", {
    type: "button",
    onclick: async () => {
      try {
        await post(`${APPEALS}/staff/appeals/${encodeURIComponent(id)}/start`, undefined, { token });
        reload();
      } catch (err) { actionNote.replaceChildren(errorBox(err)); }
    },
  }, t("portal.start")) : null;

  fill(root, 
    h("nav", { class: "crumbs" }, h("a", { href: portalListUrl(), "data-link": "" }, t("portal.back")), " ", logoutButton(root)),
    h("h1", {}, t("portal.appeal_title", { ticket: appeal.ticket })),
    h("p", { class: "lead" }, statusBadge(appeal.status), " ", tOr(`category.${appeal.category}`, appeal.category)),
    deadlineInfo(appeal.deadline, appeal.status),
    section(t("portal.appeal_text"),
      h("p", { class: "muted" }, `${t("portal.applicant")}: ${appeal.applicant_name ?? "—"} · ${dateTime(appeal.submitted_at)}`),
      h("p", { class: "pre" }, appeal.description),
      evidenceGallery(appeal.media_ids)),
    startButton || actionNote.childNodes.length ? section(t("portal.actions"), startButton, actionNote) : actionNote,
    (appeal.answers || []).length ? section(t("tracking.answer"), appeal.answers.map((a) => h("article", { class: "answer" },
      h("p", { class: "muted" }, dateTime(a.at)), h("p", { class: "answer-text" }, a.text), evidenceGallery(a.media_ids)))) : null,
    canAnswer ? section(t("portal.answer_title"), answerForm(appeal, token, reload)) : null,
    section(t("tracking.timeline"), timeline(appeal.history)));
}
