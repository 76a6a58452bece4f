// Pages of the institution portal's appeal list (npm test).
import assert from "node:assert/strict";
import { test } from "node:test";

import { PAGE_SIZE, pageOf, pageParam, pageUrl } from "../src/paging.js";

const appeals = (n) => Array.from({ length: n }, (_, i) => ({ ticket: `T-${i + 1}` }));

test("a page holds twenty appeals and says which of how many it shows", () => {
  assert.equal(PAGE_SIZE, 20);
  const second = pageOf(appeals(45), 2);
  assert.deepEqual(second.items.map((a) => a.ticket), appeals(45).slice(20, 40).map((a) => a.ticket));
  assert.deepEqual({ ...second, items: undefined }, { items: undefined, page: 2, pages: 3, total: 45, from: 21, to: 40 });
  const last = pageOf(appeals(45), 3);
  assert.deepEqual([last.from, last.to, last.items.length], [41, 45, 5]);
});

test("a page past the end of a list that shrank shows its last page; an empty list has one empty page", () => {
  assert.equal(pageOf(appeals(21), 7).page, 2);
  assert.equal(pageOf(appeals(21), 0).page, 1);
  assert.deepEqual({ ...pageOf([], 3), items: undefined }, { items: undefined, page: 1, pages: 1, total: 0, from: 0, to: 0 });
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
