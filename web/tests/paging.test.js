// Pages of the institution portal's appeal list (npm test).
import assert from "node:assert/strict";
import { test } from "node:test";

import { PAGE_SIZE, pageCount, pageParam, pageUrl, pageView } from "../src/paging.js";

const appeals = (n) => Array.from({ length: n }, (_, i) => ({ ticket: `T-${i + 1}` }));

test("a page holds twenty appeals and says which of how many it shows", () => {
  assert.equal(PAGE_SIZE, 20);
  const second = pageView(appeals(20), 2, 45);
  assert.deepEqual({ ...second, items: undefined }, { items: undefined, page: 2, pages: 3, total: 45, from: 21, to: 40 });
  const last = pageView(appeals(5), 3, 45);
  assert.deepEqual([last.from, last.to, last.items.length], [41, 45, 5]);
});

test("a list makes at least one page; an empty one says so", () => {
  assert.deepEqual([pageCount(0), pageCount(20), pageCount(21)], [1, 1, 2]);
  assert.deepEqual({ ...pageView([], 1, 0), items: undefined }, { items: undefined, page: 1, pages: 1, total: 0, from: 0, to: 0 });
});

test("the page comes from the URL; anything but a whole number from 1 up is the first page", () => {
  assert.equal(pageParam("?page=3"), 3);
  assert.equal(pageParam("?lang=ru&page=2"), 2);
  for (const search of ["", "?page=", "?page=0", "?page=-2", "?page=1.5", "?page=two"]) assert.equal(pageParam(search), 1);
});

test("a page's URL keeps the other parameters, and the first page has none of its own", () => {
  assert.equal(pageUrl({ pathname: "/portal", search: "?lang=ru" }, 3), "/portal?lang=ru&page=3");
  assert.equal(pageUrl({ pathname: "/portal", search: "?page=3&lang=ru" }, 1), "/portal?lang=ru");
  assert.equal(pageUrl({ pathname: "/portal", search: "" }, 1), "/portal");
});
