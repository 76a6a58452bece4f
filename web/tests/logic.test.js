// Pure logic of the web client, run with node's own test runner (npm test).
import assert from "node:assert/strict";
import { test } from "node:test";

import { flattenErrors } from "../src/api.js";
import { isOverdue } from "../src/appeal-order.js";
import { daysUntil, money, todayInAlmaty } from "../src/format.js";
import { executionPct, foldText, markerColour } from "../src/kinds.js";
import { checkFile } from "../src/media.js";

test("search folds case, ё and Kazakh letters", () => {
  assert.equal(foldText("Қосшы ҚАЛАСЫ"), foldText("косшы каласы"));
  assert.equal(foldText("Шалқар ауылының №51 мектебі"), "шалкар ауылынын №51 мектеби");
  assert.equal(foldText("Ёлка"), "елка");
});

test("execution % comes from the service, or from executed / adjusted plan", () => {
  assert.equal(executionPct({ execution_pct: "94.06" }), 94.06);
  assert.equal(executionPct({ adjusted_plan: "200", executed: "150" }), 75);
  assert.equal(executionPct({ adjusted_plan: "0", executed: "1" }), null);
  assert.equal(markerColour({ execution_pct: "120" }, "execution"), "#6b2fa8");
  assert.equal(markerColour({ flag_count: 3 }, "flags"), "#c62f3a");
  assert.equal(markerColour({ kind: "hospital" }, "kind"), "#c62f3a");
});

test("days left are counted on Akmola's calendar (UTC+5)", () => {
  const lateEvening = new Date("2026-11-26T20:30:00Z"); // already 27 November in Akmola
  assert.equal(todayInAlmaty(lateEvening), "2026-11-27");
  assert.equal(daysUntil("2026-12-18", lateEvening), 21);
  assert.equal(daysUntil("2026-11-26", lateEvening), -1);
});

test("money is tenge with grouped thousands", () => {
  assert.match(money("1234567.89"), /^1\s234\s568\s₸$/u);
});

test("an appeal redirected to the institution is open work there, overdue once its deadline has passed", () => {
  const now = new Date("2026-11-26T06:00:00Z");
  assert.equal(isOverdue({ status: "redirected", deadline: "2026-11-20" }, now), true);
  assert.equal(isOverdue({ status: "redirected", deadline: "2026-11-30" }, now), false);
  assert.equal(isOverdue({ status: "answered", deadline: "2026-11-01" }, now), false);
});

test("field errors from problem+json flatten to dotted paths", () => {
  assert.deepEqual(flattenErrors({ applicant: { phone: ["bad"] }, media_ids: { 0: ["unknown"] }, description: ["short"] }),
    { "applicant.phone": ["bad"], "media_ids.0": ["unknown"], description: ["short"] });
});

test("files are checked by type and size before upload", () => {
  assert.equal(checkFile({ name: "a.jpg", type: "image/jpeg", size: 1000 }), null);
  assert.equal(checkFile({ name: "a.svg", type: "image/svg+xml", size: 1000 })[0], "media.bad_type");
  assert.equal(checkFile({ name: "big.jpg", type: "image/jpeg", size: 21 * 1024 * 1024 })[0], "media.too_large");
  assert.equal(checkFile({ name: "clip.mov", type: "", size: 10 })?.[0], undefined);
  assert.equal(checkFile({ name: "empty.png", type: "image/png", size: 0 })[0], "media.empty");
});
