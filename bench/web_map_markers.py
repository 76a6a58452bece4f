"""Map rendering cost, canvas circle markers (before) vs focusable DOM markers (after), in Debian's Chromium.

Both builds are served by Playwright from their own directory (same origin, the real APIs behind nginx), the two
variants interleaved run by run. Reported per run, in ms:
  first    navigation start -> the first cluster in the page (wall clock; chunked clustering of all ~3,700
           institutions is done by then: markercluster adds the clusters at the end)
  load     renderer main-thread task time from navigation until the map is quiet (CDP Performance TaskDuration:
           parsing the GeoJSON, making the markers, clustering, drawing)
  zoomN    main-thread task time of a click on the biggest cluster (N-th time) and the 1.5 s after it
  spider   the same for the click that spiderfies the biggest remaining cluster (the most markers on screen)
  colour   the colour switch kind -> execution, with that many markers shown
  pan      a 400-px drag
  dots     institution markers in the page (DOM) when spiderfied (the canvas build has none)

    var/venv/bin/python bench/web_map_markers.py BEFORE_DIST AFTER_DIST [--runs 5] [--throttle 1]

The baseline is the build before focusable markers, made in the same way as the current one:
    git worktree add /tmp/map-before b7b7b31~1 && (cd /tmp/map-before/web && npm ci && npm run build)
    var/venv/bin/python bench/web_map_markers.py /tmp/map-before/web/dist web/dist
Needs the stack (`make up`) for the APIs. Results: bench/results/web_map_markers.json.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = "http://127.0.0.1:8080"
RESULTS = Path(__file__).parent / "results"
VARIANTS: dict[str, Path] = {}
THROTTLE = 1.0

INIT = """
window.__bench = {firstCluster: null};
new MutationObserver((_, obs) => {
  if (document.querySelector('.leaflet-marker-pane .cluster')) { __bench.firstCluster = performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""
BIGGEST = """() => [...document.querySelectorAll('.leaflet-marker-pane .cluster')]
  .sort((a, b) => Number(b.textContent) - Number(a.textContent))[0].click()"""


def serve(dist: Path):
    def handler(route):
        url = route.request.url[len(BASE):].split("?")[0]
        if url.startswith("/api/") or url.startswith("/open311/"):
            return route.continue_()
        path = dist / url.lstrip("/")
        if not path.is_file():
            path = dist / "index.html"
        ctype = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), headers={"Content-Type": ctype})
    return handler


def task_ms(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"] * 1000


def measured(cdp, action, settle: float = 1.5) -> float:
    before = task_ms(cdp)
    action()
    time.sleep(settle)
    return task_ms(cdp) - before


def one_run(browser, variant: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=BASE)
    context.route(f"{BASE}/**", serve(VARIANTS[variant]))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    if THROTTLE > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.add_init_script(INIT)
    start = task_ms(cdp)
    page.goto("/?lang=ru")
    page.wait_for_selector(".leaflet-marker-pane .cluster", timeout=60000)
    time.sleep(2)
    out = {"first": page.evaluate("() => __bench.firstCluster"), "load": task_ms(cdp) - start}
    for n in (1, 2, 3):
        out[f"zoom{n}"] = measured(cdp, lambda: page.evaluate(BIGGEST))
    out["spider"] = measured(cdp, lambda: page.evaluate(BIGGEST))
    out["dots"] = page.locator(".leaflet-marker-pane .dot").count()
    out["colour"] = measured(cdp, lambda: page.get_by_label("Цвет отметок").select_option("execution"))
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def drag():
        page.mouse.move(cx, cy)
        page.mouse.down()
        for i in range(1, 11):
            page.mouse.move(cx - 40 * i, cy - 20 * i)
        page.mouse.up()
    out["pan"] = measured(cdp, drag)
    context.close()
    return out


def main():
    global THROTTLE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="the baseline build (web/dist of the earlier commit)")
    parser.add_argument("after", type=Path, help="the build measured (web/dist)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=1.0, help="Chromium CPU throttling rate")
    args = parser.parse_args()
    VARIANTS.update(before=args.before, after=args.after)
    THROTTLE, RUNS = args.throttle, args.runs
    results = {v: [] for v in VARIANTS}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        one_run(browser, "before")  # warm the API caches
        for _ in range(RUNS):
            for v in VARIANTS:
                r = one_run(browser, v)
                results[v].append(r)
                print(v, json.dumps({k: round(x) for k, x in r.items()}), flush=True)
        browser.close()
    print(f"\nmedians of {RUNS} runs, CPU throttle x{THROTTLE:g} (min-max in brackets for first/load)")
    keys = list(results["before"][0])
    print(f"{'':8}" + "".join(f"{k:>9}" for k in keys))
    for v, rs in results.items():
        print(f"{v:8}" + "".join(f"{statistics.median(r[k] for r in rs):>9.0f}" for k in keys))
    for v, rs in results.items():
        print(v, {k: (round(min(r[k] for r in rs)), round(max(r[k] for r in rs))) for k in ("first", "load")})
    medians = {v: {k: statistics.median(r[k] for r in rs) for k in keys} for v, rs in results.items()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web_map_markers.json").write_text(json.dumps(
        {"runs": RUNS, "throttle": THROTTLE, "medians": medians,
         "after_over_before": {k: round(medians["after"][k] / medians["before"][k], 2)
                               for k in keys if medians["before"][k]}}, indent=2))


if __name__ == "__main__":
    main()
