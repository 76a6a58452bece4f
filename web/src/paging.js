// Pages of a list the server orders and pages: the page number lives in the URL (?page=2), 1-based.

export const PAGE_SIZE = 20;

/** The page asked for in a query string: a whole number ≥ 1, anything else is the first page. */
export function pageParam(search) {
  const raw = new URLSearchParams(search).get("page");
  const n = Number(raw);
  return raw !== null && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** How many pages `total` items make (at least one, even empty). */
export function pageCount(total, size = PAGE_SIZE) {
  return Math.max(1, Math.ceil(total / size));
}

/** What the page shows and says: its items (as the server gave them), which page of how many, items from–to of total. */
export function pageView(items, page, total, size = PAGE_SIZE) {
  const start = (page - 1) * size;
  return { items, page, pages: pageCount(total, size), total, from: items.length ? start + 1 : 0, to: start + items.length };
}

/** The URL of a page of the current path, keeping its other parameters; page 1 has no parameter. */
export function pageUrl(location, page) {
  const params = new URLSearchParams(location.search);
  if (page > 1) params.set("page", String(page));
  else params.delete("page");
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ""}`;
}
