// Same-origin API clients. Errors arrive as problem+json: {status, title, detail, errors: {field: [messages]}}.
import { lang } from "./i18n.js";

export const BUDGET = "/api/budget/v1";
export const APPEALS = "/api/appeals/v1";
export const MEDIA = "/api/media/v1";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** The service is not there (yet) or the network failed: the page degrades instead of failing. */
  get unavailable() {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** Field errors flattened to dotted paths: {"applicant.email": ["…"]}. */
  get fieldErrors() {
    return flattenErrors(this.problem.errors || {});
  }
}

export function flattenErrors(errors, prefix = "") {
  const out = {};
  if (Array.isArray(errors)) {
    const strings = errors.filter((e) => typeof e === "string");
    if (strings.length) out[prefix || "_"] = strings;
    errors.filter((e) => e && typeof e === "object").forEach((e) => Object.assign(out, flattenErrors(e, prefix)));
    return out;
  }
  if (errors && typeof errors === "object") {
    for (const [key, value] of Object.entries(errors)) {
      Object.assign(out, flattenErrors(value, prefix ? `${prefix}.${key}` : key));
    }
    return out;
  }
  if (typeof errors === "string") out[prefix || "_"] = [errors];
  return out;
}

export function withLang(url, params = {}) {
  const u = new URL(url, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") u.searchParams.set(key, value);
  }
  u.searchParams.set("lang", lang());
  return u.pathname + u.search;
}

export async function request(method, url, { params, body, headers = {}, token, signal } = {}) {
  const init = {
    method,
    signal,
    headers: { Accept: "application/json, application/problem+json", "Accept-Language": lang(), ...headers },
  };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(withLang(url, params), init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { title: String(err) });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) throw new ApiError(response.status, data && typeof data === "object" ? data : null);
  return data;
}

export const get = (url, opts) => request("GET", url, opts);
export const post = (url, body, opts = {}) => request("POST", url, { ...opts, body });

/** Items of a list answer, whatever envelope the service uses. */
export function items(data) {
  if (Array.isArray(data)) return data;
  if (!data) return [];
  return data.items || data.results || data.data || data.appeals || data.reviews || [];
}

/**
 * Upload one file to the media service with progress (fetch has no upload progress; XHR does).
 * Resolves to the service's JSON ({id, state, …}); rejects with ApiError.
 */
export function uploadMedia(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", withLang(`${MEDIA}/uploads`));
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    xhr.setRequestHeader("Accept-Language", lang());
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300 && data) resolve(data);
      else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, { title: "aborted" })));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

export function thumbnailUrl(mediaId) {
  return `${MEDIA}/media/${encodeURIComponent(mediaId)}/thumbnail`;
}

export function contentUrl(mediaId) {
  return `${MEDIA}/media/${encodeURIComponent(mediaId)}/content`;
}

/** A random key per form instance: a retry or double click re-sends the same key. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
