"""Playwright (Python) driving Debian's Chromium against the real stack behind nginx.

Every test gets a fresh page that records console errors and failed requests; the test asserts none
happened, and a screenshot is saved under test-output/browser/ in any case.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.support.stack import BASE_URL

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


def api_available(path: str) -> bool:
    """True when an endpoint answers with something other than a gateway error or 404 for its route."""
    try:
        response = requests.get(f"{BASE_URL}{path}", timeout=10)
    except requests.RequestException:
        return False
    return response.status_code < 500 and response.status_code != 404


def require_api(path: str, what: str) -> None:
    if not api_available(path):
        pytest.skip(f"{what} API is not there yet ({path} does not answer)")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    try:
        index = requests.get(f"{BASE_URL}/", timeout=5).text
    except requests.RequestException:
        pytest.skip(f"nginx does not answer at {BASE_URL}")
    if "/assets/" not in index:
        pytest.skip("web/dist is not built (nginx serves the placeholder page)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    def __init__(self):
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []

    def assert_none(self):
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"


def _open_page(browser, request, viewport, suffix=""):
    context = browser.new_context(viewport=viewport, base_url=BASE_URL, locale="ru-RU", timezone_id="Asia/Almaty")
    # The machine has no internet: any request leaving the stack would hang; fail it fast and visibly.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = PageProblems()
    page.on("console", lambda m: m.type == "error" and problems.console_errors.append(f"{m.text} [{m.location.get('url', '')}]"))
    page.on("pageerror", lambda e: problems.console_errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.failed_requests.append(f"{r.method} {r.url}: {r.failure}"))
    page.problems = problems
    yield page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        name = re.sub(r"[^\w.-]+", "_", request.node.name + suffix).strip("_")
        page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    except Exception:  # a crashed page: the test has failed already
        pass
    context.close()


@pytest.fixture
def page(browser, request):
    yield from _open_page(browser, request, {"width": 1280, "height": 860})


@pytest.fixture
def staff_page(browser, request):
    """A second browser (its own storage): the institution's staff, beside the citizen's page."""
    yield from _open_page(browser, request, {"width": 1280, "height": 860}, suffix="_staff")


@pytest.fixture
def phone_page(browser, request):
    yield from _open_page(browser, request, {"width": 360, "height": 740})


def shot(page, name: str) -> None:
    """An extra screenshot at an interesting moment of a test."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
