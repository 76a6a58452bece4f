"""The public web client in a real browser (Debian's Chromium, headless) against the real stack.

Each test reads like a citizen's or an institution's visit; screenshots land in test-output/browser/.
"""
from __future__ import annotations

import io
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import require_api, shot
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL

BUDGET = f"{BASE_URL}/api/budget/v1"
APPEALS = f"{BASE_URL}/api/appeals/v1"


def map_features(**params) -> list[dict]:
    response = requests.get(f"{BUDGET}/map.geojson", params={"year": 2026, **params}, timeout=30)
    response.raise_for_status()
    return response.json()["features"]


def flagged_institution() -> str:
    features = [f for f in map_features() if f["properties"]["flag_count"] > 0 and f["properties"]["kind"] == "school"]
    assert features, "the sample data has flagged schools"
    return features[0]["id"]


def photo_jpeg() -> bytes:
    """A real photo-like JPEG (a gradient with a shape), made with Pillow."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(image)
    for y in range(480):
        draw.line([(0, y), (640, y)], fill=(90 + y // 4, 120, 200 - y // 4))
    draw.rectangle([200, 150, 440, 330], fill=(180, 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def test_web_map_opens_in_kazakh_and_switches_to_russian(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Мекемелер бюджеттері картада")
    expect(page.locator(".status")).to_contain_text("Картада:")
    expect(page.locator(".cluster").first).to_be_visible()
    expect(page.locator(".district-centre").first).to_be_attached()

    page.get_by_role("button", name="Рус").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Бюджеты учреждений на карте")
    expect(page.locator(".status")).to_contain_text("На карте:")
    expect(page.get_by_label("Вид учреждения")).to_be_visible()

    page.reload()  # the choice sticks
    expect(page.get_by_role("heading", level=1)).to_have_text("Бюджеты учреждений на карте")
    expect(page.get_by_role("button", name="Рус")).to_have_attribute("aria-pressed", "true")
    page.problems.assert_none()


def test_web_map_works_with_the_tile_server_unreachable(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    # Production points the map at a tile server; here it cannot be reached (the conftest aborts outside requests).
    page.route("**/config.json", lambda route: route.fulfill(
        json={"tileUrl": "https://tiles.example.org/{z}/{x}/{y}.png", "tileAttribution": "© OpenStreetMap"}))
    page.goto("/?lang=ru")
    expect(page.locator(".cluster").first).to_be_visible()
    expect(page.locator(".district-centre").first).to_be_attached()
    expect(page.locator(".leaflet-tile-container img").first).to_be_attached()  # it did try the tiles
    expect(page.locator(".status")).to_contain_text("На карте:")
    tile_failures = [r for r in page.problems.failed_requests if "tiles.example.org" in r]
    page.problems.failed_requests = [r for r in page.problems.failed_requests if "tiles.example.org" not in r]
    page.problems.console_errors = [e for e in page.problems.console_errors if "ERR_FAILED" not in e]
    assert tile_failures
    page.problems.assert_none()


def test_web_map_first_view_transfers_at_most_one_megabyte(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    page.goto("/")
    expect(page.locator(".cluster").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    transferred = page.evaluate("""() => performance.getEntriesByType('navigation').concat(
        performance.getEntriesByType('resource')).reduce((sum, e) => sum + (e.transferSize || 0), 0)""")
    assert 0 < transferred <= 1_000_000, f"first view of the map transferred {transferred} bytes"
    page.problems.assert_none()


def test_web_map_filters_by_district_and_kind(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    require_api("/api/budget/v1/districts", "budget districts")
    features = map_features()
    expected = sum(1 for f in features if f["properties"]["kind"] == "school" and f["properties"]["district"] == "1110")
    assert expected > 0
    page.goto("/?lang=ru")
    expect(page.locator(".status")).to_contain_text(re.compile(r"На карте: [\d\s\u00a0]+ из"))
    page.get_by_label("Район").select_option("1110")
    page.get_by_label("Вид учреждения").select_option("school")
    total = f"{len(features):,}".replace(",", "\u00a0")
    expect(page.locator(".status")).to_have_text(re.compile(rf"На карте: {expected} из [\d\s\u00a0]+"))
    assert total.replace("\u00a0", "") in page.locator(".status").inner_text().replace("\u00a0", "").replace(" ", "")

    page.get_by_label("Цвет отметок").select_option("execution")
    expect(page.locator(".legend")).to_contain_text("больше плана")
    page.get_by_label("Только с признаками риска").check()
    flagged = sum(1 for f in features if f["properties"]["kind"] == "school" and f["properties"]["district"] == "1110"
                  and f["properties"]["flag_count"] > 0)
    expect(page.locator(".status")).to_have_text(re.compile(rf"На карте: {flagged} из"))

    page.get_by_label("Поиск по названию").fill("мектеп")  # a Kazakh word matches on the Russian page too
    expect(page.locator(".search-results li").first).to_be_visible()
    page.problems.assert_none()


def test_web_institution_page_shows_budget_chart(page):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    institution_id = flagged_institution()
    page.goto(f"/institution/{institution_id}?lang=ru")
    expect(page.get_by_role("heading", name="Бюджет по годам")).to_be_visible()
    chart = page.locator("canvas#budget-chart")
    expect(chart).to_be_visible()
    painted = page.wait_for_function("""() => {
        const c = document.querySelector('#budget-chart');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
        return ink > 1000;
    }""")
    assert painted
    expect(page.locator("table").first).to_contain_text("2026")
    expect(page.locator("table").first).to_contain_text("₸")
    expect(page.get_by_role("heading", name="Признаки риска")).to_be_visible()
    expect(page.locator(".flag").first).to_be_visible()
    expect(page.get_by_role("heading", name="По специфике экономической классификации")).to_be_visible()
    expect(page.get_by_role("link", name="Подать обращение")).to_be_visible()

    page.get_by_role("link", name="Оставить отзыв").click()
    page.get_by_label("Ваше имя").fill("Болат")
    page.get_by_label("Оценка").select_option("4")
    page.get_by_label("Отзыв", exact=True).fill("Школа отремонтирована хорошо, спасибо.")
    page.get_by_role("button", name="Отправить отзыв").click()
    expect(page.get_by_text("Отзыв появится после проверки модератором")).to_be_visible()
    page.problems.assert_none()


@pytest.fixture
def staff_account():
    """A staff account for a real sample institution, created by an operator as in production."""
    require_api("/api/appeals/v1/staff/appeals", "appeals staff")
    institution_id = flagged_institution()
    username = f"web-staff-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    response = requests.post(f"{APPEALS}/operator/accounts", headers=bearer("operator"), timeout=10,
                             json={"username": username, "role": "staff", "institution_id": institution_id,
                                   "password": password})
    if response.status_code == 404:
        pytest.skip("appeals operator accounts API is not there yet")
    assert response.status_code == 201, response.text
    return {"username": username, "password": password, "institution_id": institution_id}


def test_web_appeal_form_shows_api_errors_next_to_fields_in_kazakh(page):
    require_api("/api/appeals/openapi.json", "appeals")
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    page.goto(f"/institution/{flagged_institution()}/appeal?lang=kk")
    submit = page.get_by_role("button", name="Өтінішті жіберу")
    submit.click()  # the browser's own checks first
    expect(page.locator("[data-field=category] .field-error")).to_have_text("Бұл өрісті толтырыңыз.")
    expect(page.get_by_label("Не болды")).to_have_attribute("aria-invalid", "")
    page.get_by_label("Не болды").select_option("poor_quality")
    page.get_by_label("Не дұрыс емес екенін сипаттаңыз").fill("Жөндеуден кейін үш айда шатыр қайта ағып жатыр.")
    page.get_by_label("Тегі мен аты").fill("Айгерім Сапарова")
    page.get_by_label("Электрондық пошта").fill(f"citizen-{uuid.uuid4().hex[:10]}@mail.kz")
    page.get_by_label("Телефон").fill("телефон жоқ")  # only the server judges phones
    submit.click()
    phone_error = page.locator("[data-field='applicant.phone'] .field-error")
    expect(phone_error).to_be_visible()
    expect(phone_error).not_to_be_empty()
    expect(page.locator("[data-field='applicant.phone'] input")).to_have_attribute("aria-invalid", "")
    expect(page.locator(".success")).to_have_count(0)

    # Switching to Russian half-way keeps what was typed.
    page.get_by_role("button", name="Рус").click()
    expect(page.get_by_label("Опишите, что не так")).to_have_value("Жөндеуден кейін үш айда шатыр қайта ағып жатыр.")
    expect(page.get_by_label("Телефон (необязательно)")).to_have_value("телефон жоқ")
    expect(page.get_by_label("Что случилось")).to_have_value("poor_quality")
    # The 422 itself is the only thing the browser may log.
    page.problems.console_errors = [e for e in page.problems.console_errors if "422" not in e]
    page.problems.assert_none()


def file_appeal_in_browser(page, institution_id: str, marker: str, tmp_path) -> dict:
    photo = tmp_path / "roof.jpg"
    photo.write_bytes(photo_jpeg())
    page.goto(f"/institution/{institution_id}/appeal?lang=ru")
    expect(page.get_by_role("heading", name="Обращение", exact=True)).to_be_visible()
    page.get_by_label("Что случилось").select_option("work_not_done")
    description = page.get_by_label("Опишите, что не так")
    description.fill(f"Крыша спортзала не отремонтирована, хотя ремонт оплачен. {marker}")
    expect(page.locator("#ap-desc-count")).to_contain_text(f"{len(description.input_value())} / 5000")
    page.get_by_label("Фото и видео").set_input_files(str(photo))
    expect(page.locator(".upload progress")).to_have_attribute("value", "100")
    expect(page.locator(".upload-state")).to_have_text("готово", timeout=60000)
    page.get_by_label("Фамилия и имя").fill("Айгерим Сапарова")
    email = f"citizen-{uuid.uuid4().hex[:10]}@mail.kz"
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Разрешаю публиковать текст").check()
    page.get_by_role("button", name="Отправить обращение").dblclick()  # a double click files one appeal
    expect(page.get_by_role("heading", name="Обращение зарегистрировано")).to_be_visible(timeout=20000)
    ticket = page.locator(".ticket").inner_text()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d+", ticket)
    expect(page.get_by_text("Письмо с подтверждением")).to_be_visible()
    link = page.locator("a.tracking-link").get_attribute("href")
    assert link.startswith(f"/appeal/{ticket}?token=")
    return {"ticket": ticket, "tracking": link, "email": email}


def portal_pages_showing(portal, ticket: str) -> list[str]:
    """The portal's list pages (their URLs) with a link to the ticket, read page by page with "next"."""
    found = []
    while True:
        expect(portal.locator(".appeal-list")).to_be_visible()
        found += [portal.url] * portal.get_by_role("link", name=ticket, exact=True).count()
        following = portal.get_by_role("button", name="Следующая страница")
        if not following.count() or following.is_disabled():
            return found
        following.click()


def test_web_appeal_with_photo_is_answered_by_the_institution(page, staff_page, staff_account, tmp_path):
    require_api("/api/media/openapi.json", "media")
    marker = uuid.uuid4().hex[:12]
    filed = file_appeal_in_browser(page, staff_account["institution_id"], marker, tmp_path)
    shot(page, "appeal_filed_ticket")
    page.problems.assert_none()

    # The institution logs in to its portal and finds the appeal (once, despite the double click).
    portal = staff_page
    portal.goto("/portal?lang=ru")
    portal.get_by_label("Имя пользователя").fill(staff_account["username"])
    portal.get_by_label("Пароль").fill(staff_account["password"])
    portal.get_by_role("button", name="Войти").click()
    expect(portal.get_by_role("heading", name="Обращения о вашем учреждении")).to_be_visible()
    pages = portal_pages_showing(portal, filed["ticket"])  # the sample institution has many appeals by now
    assert len(pages) == 1, pages
    portal.goto(pages[0])
    expect(portal.get_by_role("link", name=filed["ticket"])).to_have_count(1)
    shot(portal, "portal_list")
    portal.get_by_role("link", name=filed["ticket"]).click()
    expect(portal.get_by_role("heading", name=f"Обращение {filed['ticket']}")).to_be_visible()
    expect(portal.get_by_text(marker)).to_be_visible()
    assert filed["email"] not in portal.content()

    # Staff take the appeal into work (allowed whether or not the notification email has gone out yet), then answer.
    portal.get_by_role("button", name="Взять в работу").click()
    expect(portal.locator(".lead .badge")).to_have_text("В работе")
    answer = f"Ремонт крыши выполнен 20 ноября, акт приложен. {marker}"
    portal.get_by_label("Ответ заявителю").fill(answer)
    evidence = tmp_path / "act.jpg"
    evidence.write_bytes(photo_jpeg())
    portal.get_by_label("Фото, видео — подтверждение").set_input_files(str(evidence))
    expect(portal.locator(".upload-state")).to_have_text("готово", timeout=60000)
    portal.get_by_role("button", name="Отправить ответ").click()
    expect(portal.locator(".lead .badge")).to_have_text("Дан ответ")
    expect(portal.locator(".answer-text")).to_have_text(answer)
    portal.problems.assert_none()

    # The citizen's tracking page shows the answer, the timeline and the dispute action.
    page.goto(filed["tracking"] + "&lang=ru")
    expect(page.get_by_role("heading", name=f"Обращение {filed['ticket']}")).to_be_visible()
    expect(page.locator(".answer-text")).to_have_text(answer)
    expect(page.locator(".answer .gallery img")).to_have_count(1)
    page.locator(".answer .gallery img").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.answer .gallery img').naturalWidth > 0")
    assert page.locator(".timeline li").count() >= 3  # submitted, delivered, (in progress,) answered
    expect(page.locator(".gallery img").first).to_be_attached()

    # Not satisfied: the citizen disputes the answer while it is allowed.
    page.get_by_label("Почему ответ вас не устраивает").fill("Крыша по-прежнему протекает, фото приложены к обращению.")
    page.get_by_role("button", name="Обжаловать ответ").click()
    expect(page.locator(".lead .badge")).to_have_text("Ответ обжалован")
    expect(page.get_by_role("button", name="Обжаловать ответ")).to_have_count(0)
    page.problems.assert_none()


@pytest.mark.parametrize("path", ["/", "/institution/{id}", "/institution/{id}/appeal", "/portal"])
def test_web_phone_360px_has_no_horizontal_scrolling(phone_page, path):
    require_api("/api/budget/v1/map.geojson?year=2026", "budget map")
    phone_page.goto(path.format(id=flagged_institution()) if "{id}" in path else path)
    phone_page.locator("main h1").first.wait_for()
    phone_page.wait_for_load_state("networkidle")
    widths = phone_page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert widths[0] <= 360 and widths[1] <= 360, f"page is wider than the phone: {widths}"
    phone_page.problems.assert_none()
