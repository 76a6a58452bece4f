"""The institution portal pages through its appeals, overdue first, in a real browser against the real stack."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta

import requests
from playwright.sync_api import expect

from services.appeals.workflow import ALMATY
from tests.browser.conftest import require_api, shot
from tests.integration.appeals.appeals_stack import API, known_institution, submit
from tests.support.auth import bearer
from tests.support.stack import sample_appeal

PAGE_SIZE = 20


def staff_login(institution_id: str) -> tuple[dict, dict]:
    """A staff account made by an operator: (its credentials for the browser, API headers for the test's setup)."""
    account = {"username": f"web-pages-{uuid.uuid4().hex[:8]}", "password": f"pw-{uuid.uuid4().hex}"}
    made = requests.post(f"{API}/operator/accounts", headers=bearer("operator"), timeout=10,
                         json={**account, "role": "staff", "institution_id": institution_id})
    assert made.status_code == 201, made.text
    token = requests.post(f"{API}/auth/login", json=account, timeout=10).json()["access_token"]
    return account, {"Authorization": f"Bearer {token}"}


def staff_post(path: str, headers: dict, body: dict | None = None) -> None:
    response = requests.post(f"{API}{path}", json=body or {}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def tickets_on_page(page) -> list[str]:
    return page.locator(".appeal-list li > a").all_inner_texts()


def test_web_portal_pages_through_more_appeals_than_a_page_holds_overdue_first(staff_page):
    require_api("/api/appeals/v1/staff/appeals", "appeals staff")
    institution = known_institution(name_kk=f"Мектеп {uuid.uuid4().hex[:6]}", name_ru=f"Школа {uuid.uuid4().hex[:6]}")
    filed = []
    for _ in range(2 * PAGE_SIZE + 5):
        response = submit(sample_appeal(institution["id"]))
        assert response.status_code == 201, response.text
        filed.append(response.json())
    account, staff = staff_login(institution["id"])

    # The first two filed are answered already; the last three filed are past their deadline. The service lists by
    # deadline, then ticket: answered ones at the top, overdue ones at the bottom of its last page.
    answered, overdue = filed[:2], filed[-3:]
    for appeal in answered + overdue:
        staff_post(f"/staff/appeals/{appeal['id']}/start", staff)
    for appeal in answered:
        staff_post(f"/staff/appeals/{appeal['id']}/answer", staff, {"text": "Ремонт выполнен, акт приёмки приложен."})
    after_deadline = datetime.combine(date.fromisoformat(overdue[0]["deadline"]) + timedelta(days=1), time(9), ALMATY)
    swept = requests.post(f"{API}/operator/deadline-sweep", headers=bearer("operator"), timeout=10,
                          json={"now": after_deadline.isoformat(), "appeal_ids": [a["id"] for a in overdue]})
    assert swept.status_code == 200 and swept.json()["overdue"] == 3, swept.text

    def by_deadline(appeals):
        return [a["ticket"] for a in sorted(appeals, key=lambda a: (a["deadline"], a["ticket"]))]
    expected = by_deadline(overdue) + by_deadline(filed[2:-3]) + by_deadline(answered)
    pages = [expected[:PAGE_SIZE], expected[PAGE_SIZE:2 * PAGE_SIZE], expected[2 * PAGE_SIZE:]]

    portal = staff_page
    portal.goto("/portal?lang=ru")
    portal.get_by_label("Имя пользователя").fill(account["username"])
    portal.get_by_label("Пароль").fill(account["password"])
    portal.get_by_role("button", name="Войти").click()
    expect(portal.get_by_role("heading", name="Обращения о вашем учреждении")).to_be_visible()

    # The first page: twenty appeals, the overdue ones on top, and where the list stands.
    expect(portal.locator(".appeal-list li")).to_have_count(PAGE_SIZE)
    assert tickets_on_page(portal) == pages[0]
    expect(portal.locator(".appeal-list li.overdue")).to_have_count(3)
    expect(portal.get_by_text("Обращения 1–20 из 45")).to_be_visible()
    pager = portal.get_by_role("navigation", name="Страницы списка обращений")
    expect(pager).to_contain_text("Страница 1 из 3")
    previous = pager.get_by_role("button", name="Предыдущая страница")
    following = pager.get_by_role("button", name="Следующая страница")
    expect(previous).to_be_disabled()

    # A keyboard user moves on with Enter; the page is in the URL and the focus stays on the button, visibly.
    following.focus()
    portal.keyboard.press("Enter")
    expect(portal).to_have_url(re.compile(r"/portal\?lang=ru&page=2$"))
    expect(portal.get_by_text("Обращения 21–40 из 45")).to_be_visible()
    assert tickets_on_page(portal) == pages[1]
    expect(following).to_be_focused()
    assert portal.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    expect(previous).to_be_enabled()
    shot(portal, "portal_paging_page_2")

    portal.keyboard.press("Enter")
    expect(portal).to_have_url(re.compile(r"page=3$"))
    expect(portal.get_by_text("Обращения 41–45 из 45")).to_be_visible()
    assert tickets_on_page(portal) == pages[2]
    assert pages[2][-2:] == by_deadline(answered)  # the answered ones end the list
    expect(following).to_be_disabled()
    expect(previous).to_be_focused()  # the focus goes to the button still there, not to the page's top

    # Reload and the browser's back button keep the page.
    portal.reload()
    expect(portal.get_by_text("Обращения 41–45 из 45")).to_be_visible()
    assert tickets_on_page(portal) == pages[2]
    portal.go_back()
    expect(portal.get_by_text("Обращения 21–40 из 45")).to_be_visible()
    assert tickets_on_page(portal) == pages[1]

    # An appeal's page leads back to the page of the list it was opened from.
    portal.get_by_role("link", name=pages[1][0]).click()
    expect(portal.get_by_role("heading", name=f"Обращение {pages[1][0]}")).to_be_visible()
    portal.get_by_role("link", name="← Все обращения").click()
    expect(portal).to_have_url(re.compile(r"page=2$"))
    expect(portal.get_by_text("Обращения 21–40 из 45")).to_be_visible()
    assert tickets_on_page(portal) == pages[1]

    # A page past the end (a list that shrank since the link was made) shows the last page.
    portal.goto("/portal?page=9")
    expect(portal.get_by_text("Обращения 41–45 из 45")).to_be_visible()
    expect(portal).to_have_url(re.compile(r"/portal\?page=3$"))
    assert tickets_on_page(portal) == pages[2]

    # In Kazakh, the page's default language, the controls are the catalogue's.
    portal.get_by_role("button", name="Қаз").click()
    pager = portal.get_by_role("navigation", name="Өтініштер тізімінің беттері")
    expect(pager).to_contain_text("Бет: 3 ішінен 3")
    expect(pager.get_by_role("button", name="Алдыңғы бет")).to_be_enabled()
    expect(pager.get_by_role("button", name="Келесі бет")).to_be_disabled()
    expect(portal.get_by_text("Өтініштер: 45 ішінен 41–45")).to_be_visible()
    portal.problems.assert_none()
