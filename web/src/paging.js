// Pages of a list already in its final order: the page number lives in the URL (?page=2), 1-based.

export const PAGE_SIZE = 20;

/** The page asked for in a query string: a whole number ≥ 1, anything else is the first page. */
export function pageParam(search) {
  const raw = new URLSearchParams(search).get("page");
  const n = Number(raw);
  return raw !== null && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** One page of `list`: a page past the end shows the last one (a list that shrank since the link was made). */
export function pageOf(list, page, size = PAGE_SIZE) {
  const total = list.length;
  const pages = Math.max(1, Math.ceil(total / size));
  const current = Math.min(Math.max(1, page), pages);
  const start = (current - 1) * size;
  const items = list.slice(start, start + size);
  return { items, page: current, pages, total, from: total ? start + 1 : 0, to: start + items.length };
}

/** The URL of a page of the current path, keeping its other parameters; page 1 has no parameter. */
export function pageUrl(location, page) {
  const params = new URLSearchParams(location.search);
  if (page > 1) params.set("page", String(page));
  else params.delete("page");
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ""}`;
}
