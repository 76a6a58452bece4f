"""The map with a keyboard only: institutions and clusters are reached with Tab, named, and opened with Enter."""
from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.browser.conftest import require_api, shot
from tests.support.stack import BASE_URL

FOLD = str.maketrans("ёәғқңөұүһі", "еагкноуухи")


def fold(text: str) -> str:
    """The map's search folding (web/src/kinds.js foldText)."""
    return " ".join(text.lower().translate(FOLD).split())


def institution_alone_in_search() -> dict:
    """An institution on a point whose Russian name finds it and nothing else."""
    response = requests.get(f"{BASE_URL}/api/budget/v1/map.geojson", params={"year": 2026}, timeout=30)
    response.raise_for_status()
    features = response.json()["features"]
    texts = [fold(f"{f['properties']['name_kk']} {f['properties']['name_ru']}") for f in features]
    for feature in features:
        if feature["geometry"]["type"] != "Point":
            continue
        q = fold(feature["properties"]["name_ru"])
        if sum(q in text for text in texts) == 1:
            return feature
    raise AssertionError("no institution with a name of its own in the sample data")


def tab_until(page, selector: str, limit: int = 60):
    """Press Tab until the focused element matches the selector; return it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return page.locator(":focus")
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def test_web_keyboard_user_tabs_to_an_institution_on_the_map_and_opens_it(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    institution = institution_alone_in_search()
    name = institution["properties"]["name_ru"]
    page.goto("/?lang=ru")
    expect(page.locator(".status")).to_contain_text("На карте:")
    page.get_by_label("Поиск по названию").fill(name)
    expect(page.locator(".status")).to_have_text(re.compile(r"^На карте: 1 из"))

    # From the search field on, Tab walks the filters, the map, then the institution's marker: a named button.
    marker = tab_until(page, ".leaflet-marker-icon.dot")
    expect(marker).to_have_attribute("role", "button")
    expect(page.get_by_role("button", name=name, exact=True)).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"

    # Enter opens its popup with the focus on the way to the institution's page; Escape goes back to the marker.
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text(name)
    expect(popup.get_by_role("link", name="Открыть страницу учреждения")).to_be_focused()
    shot(page, "map_keyboard_popup")
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(page.get_by_role("button", name=name, exact=True)).to_be_focused()

    page.keyboard.press("Enter")
    expect(popup.get_by_role("link", name="Открыть страницу учреждения")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/institution/{institution['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.problems.assert_none()


def test_web_keyboard_user_zooms_into_a_cluster_with_enter(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    page.goto("/")  # Kazakh, the default
    expect(page.locator(".cluster").first).to_be_visible()
    expect(page.locator(".status")).to_contain_text("Картада:")

    cluster = tab_until(page, ".leaflet-marker-icon.cluster")
    label = cluster.get_attribute("aria-label")
    count = int(re.sub(r"\D", "", cluster.inner_text()))
    assert re.fullmatch(r"Мекемелер: [\d\s\u00a0]+\. Жақындату", label), label
    assert int(re.sub(r"\D", "", label)) == count
    expect(cluster).to_have_attribute("role", "button")

    # Enter zooms in, and the focus moves on to what the cluster split into (a smaller cluster or an institution).
    page.keyboard.press("Enter")
    page.wait_for_function("""(before) => {
        const el = document.activeElement;
        return el.isConnected && el.matches('.leaflet-marker-icon') && el.getAttribute('aria-label') !== before;
    }""", arg=label)
    focused = page.locator(":focus")
    if "cluster" in (focused.get_attribute("class") or ""):
        assert int(re.sub(r"\D", "", focused.inner_text())) < count
    else:
        assert focused.get_attribute("aria-label")  # an institution, by its name
    page.problems.assert_none()
