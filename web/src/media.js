// Evidence files: client-side checks (the media service stays the judge), upload with progress, wait until stored.
import { MEDIA, get, uploadMedia } from "./api.js";
import { h } from "./dom.js";
import { fileSize } from "./format.js";
import { t } from "./i18n.js";

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
export const VIDEO_TYPES = ["video/mp4", "video/quicktime", "video/webm"];
export const PHOTO_MAX = 20 * 1024 * 1024;
export const VIDEO_MAX = 500 * 1024 * 1024;
export const MAX_FILES = 10;
const EXTENSIONS = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", mp4: "video/mp4", mov: "video/quicktime", webm: "video/webm" };

/** The reason a file cannot be sent (a message key and values), or null. */
export function checkFile(file) {
  const type = file.type || EXTENSIONS[file.name.split(".").pop().toLowerCase()] || "";
  if (PHOTO_TYPES.includes(type)) return file.size > PHOTO_MAX ? ["media.too_large", { max: fileSize(PHOTO_MAX) }] : file.size === 0 ? ["media.empty", {}] : null;
  if (VIDEO_TYPES.includes(type)) return file.size > VIDEO_MAX ? ["media.too_large", { max: fileSize(VIDEO_MAX) }] : file.size === 0 ? ["media.empty", {}] : null;
  return ["media.bad_type", {}];
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** Polls the media's state until stored or rejected (processing is asynchronous), bounded in time. */
async function waitStored(id, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  let delay = 300;
  while (Date.now() < until) {
    let m = null;
    try {
      m = await get(`${MEDIA}/media/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!err.unavailable) throw err; // a restart or a network blip: keep asking until the time is up
    }
    if (m && (m.state === "stored" || m.state === "rejected")) return m;
    await sleep(delay);
    delay = Math.min(delay * 1.5, 2000);
  }
  return { id, state: "timeout" };
}

/**
 * A file picker with a list of per-file progress bars. onChange() is called whenever the set of ready
 * media or the pending count changes. Returns {element, mediaIds(), pending()}.
 */
export function evidencePicker({ inputId = "evidence", onChange = () => {} } = {}) {
  const entries = [];
  const list = h("ul", { class: "uploads", "aria-live": "polite" });
  // The browser's own file button speaks the browser's language; ours speaks the page's.
  const fileInput = h("input", {
    id: inputId, type: "file", multiple: true, accept: [...PHOTO_TYPES, ...VIDEO_TYPES].join(","),
    class: "visually-hidden", "aria-describedby": `${inputId}-hint`,
  });
  const input = h("span", { class: "file-pick" }, fileInput,
    h("label", { for: inputId, class: "button", "aria-hidden": "true" }, t("media.choose")));

  function row(file, entry) {
    const bar = h("progress", { max: 100, value: 0, "aria-label": t("media.progress", { name: file.name }) });
    const state = h("span", { class: "upload-state" }, t("media.uploading"));
    const remove = h("button", { type: "button", class: "link", "aria-label": t("media.remove_named", { name: file.name }) }, t("media.remove"));
    const li = h("li", { class: "upload" }, h("span", { class: "upload-name" }, `${file.name} · ${fileSize(file.size)}`), bar, state, remove);
    remove.addEventListener("click", () => {
      const i = entries.indexOf(entry);
      if (i >= 0) entries.splice(i, 1);
      li.remove();
      onChange();
    });
    list.append(li);
    return { bar, state, li };
  }

  /** Files uploaded earlier (a draft restored after a language switch or reload). */
  function restore(items = []) {
    for (const item of items) {
      const entry = { name: item.name, size: item.size, id: item.id, status: "stored" };
      const { bar, state, li } = row(item, entry);
      bar.value = 100;
      state.textContent = t("media.ready");
      li.classList.add("ok");
      entries.push(entry);
    }
  }

  function add(file) {
    const entry = { name: file.name, size: file.size, id: null, status: "uploading" };
    const { bar, state, li } = row(file, entry);
    const problem = checkFile(file);
    if (entries.length >= MAX_FILES) return fail(t("media.too_many", { max: MAX_FILES }));
    if (problem) return fail(t(problem[0], problem[1]));
    entries.push(entry);
    onChange();
    uploadMedia(file, (fraction) => { bar.value = Math.round(fraction * 100); })
      .then((media) => {
        bar.value = 100;
        entry.id = media.id;
        state.textContent = t("media.checking");
        return media.state === "stored" || media.state === "rejected" ? media : waitStored(media.id);
      })
      .then((media) => {
        if (media.state === "stored") {
          entry.status = "stored";
          state.textContent = t("media.ready");
          li.classList.add("ok");
        } else {
          entry.status = "failed";
          state.textContent = media.state === "rejected" ? t("media.rejected", { reason: media.reason || media.rejection_reason || "" }) : t("media.timeout");
          li.classList.add("bad");
        }
        onChange();
      })
      .catch((err) => {
        entry.status = "failed";
        state.textContent = err.problem?.detail || err.problem?.title || (err.unavailable ? t("media.unavailable") : t("media.failed"));
        li.classList.add("bad");
        onChange();
      });
    return null;

    function fail(message) {
      state.textContent = message;
      bar.remove();
      li.classList.add("bad");
    }
  }

  fileInput.addEventListener("change", () => {
    [...fileInput.files].forEach(add);
    fileInput.value = "";
  });

  return {
    input,
    list,
    mediaIds: () => entries.filter((e) => e.status === "stored").map((e) => e.id),
    stored: () => entries.filter((e) => e.status === "stored").map(({ id, name, size }) => ({ id, name, size })),
    restore,
    pending: () => entries.filter((e) => e.status === "uploading").length,
    failed: () => entries.filter((e) => e.status === "failed").length,
  };
}
