"""An operator logs in to /operator/, sees every tile filled, and retries a failed notification from it."""
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from services.common.settings import VAR
from tests.integration.operator.operator_scenarios import failed_institution_notification, readdress_institution
from tests.support.auth import make_token
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, mailpit_messages

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"
TILES = ("services", "components", "flow", "appeals", "deadlines", "notifications", "dead-letters")


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="ru-RU")
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page) -> None:
    """With the appeals bootstrap's dev credentials through the form; without them, with a test token."""
    credentials = VAR / "dev-credentials.json"
    page.goto(f"{BASE_URL}/operator/")
    if credentials.exists():
        operator = json.loads(credentials.read_text())["operator"]
        page.fill("input[name=username]", operator["username"])
        page.fill("input[name=password]", operator["password"])
        page.click("#login button[type=submit]")
    else:
        page.evaluate("token => sessionStorage.setItem('ashyq.operator.token', token)", make_token("operator"))
        page.reload()
    expect(page.locator("#dashboard")).to_be_visible()


def test_operator_sees_every_tile_and_retries_a_failed_notification(page):
    failed = failed_institution_notification()
    notification = failed["notification"]
    log_in(page)

    for tile in TILES:
        expect(page.locator(f"#tile-{tile}")).to_have_attribute("data-state", re.compile(r"^(ok|warn|down|na)$"))
    expect(page.locator("#tile-components [data-component=redis]")).to_have_attribute("data-status", "ok")
    expect(page.locator("#tile-services [data-service=notify]")).to_have_attribute("data-status", re.compile(r"^(ready|degraded)$"))
    expect(page.locator("#tile-flow [data-service=notify] .spark").first).to_be_attached(timeout=30_000)

    # The operator fixes the institution's address, then retries the failed email from its row.
    fixed = readdress_institution(failed["institution"], f"fixed-{notification['id'][:8]}@edu.akmola.kz")
    row = page.locator(f"#tile-notifications tr[data-notification-id='{notification['id']}']")
    expect(row).to_be_visible(timeout=15_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "operator-dashboard.png"), full_page=True)
    row.locator("button.retry").click()
    expect(page.locator("#toast")).to_have_text("Поставлено в очередь")
    expect(row).to_have_count(0, timeout=15_000)
    assert wait_for(lambda: mailpit_messages(fixed["data"]["contact_emails"][0]), timeout=30, interval=0.5,
                    what="the retried email in Mailpit")
    page.screenshot(path=str(SHOTS / "operator-dashboard-after-retry.png"), full_page=True)
