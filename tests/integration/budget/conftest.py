"""The budget app against the real PostgreSQL and Redis, and fresh institutions of its own per test
(kind "other", random ids and BINs) so that imports never disturb the sample region or other tests."""
import json
import random
import uuid

import pytest

from services.budget import db
from services.budget.app import create_app
from services.budget.domain.search import search_text


@pytest.fixture(scope="session")
def app():
    return create_app(review_limit=3)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def sessions(app):
    return app.extensions["budget"].sessions


@pytest.fixture()
def new_institution(sessions):
    """Make a fresh institution of kind `other` in Kokshetau; returns its row as a dict."""
    def make(**overrides):
        iid = str(uuid.uuid4())
        tag = uuid.uuid4().hex[:6]
        row = {
            "id": iid, "kind": "other", "name_kk": f"Сынақ мекемесі {tag}", "name_ru": f"Тестовое учреждение {tag}",
            "bin": f"99{random.randrange(10**10):010d}", "address_kk": "Көкшетау қ.", "address_ru": "г. Кокшетау",
            "district_id": "1110", "geometry": {"type": "Point", "coordinates": [69.38, 53.28]},
            "lat": 53.28, "lon": 69.38, "contact_emails": [f"test-{tag}@example.kz"], "admin_code": "999",
            "headcount": {},   # no unit cost: test institutions never become each other's peers
        }
        row.update(overrides)
        row["search_text"] = search_text(row["name_kk"], row["name_ru"])
        with sessions() as s, s.begin():
            s.execute(db.institutions.insert().values(**row))
        return row
    return make


def csv_of(rows: list[dict]) -> bytes:
    header = ["institution_bin", "year", "program_code", "specific", "plan", "adjusted_plan",
              "executed_q1", "executed_q2", "executed_q3", "executed_q4"]
    lines = [",".join(header)] + [",".join(str(r.get(h, "")) for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def line(bin_, year=2024, specific="111", plan="1000000.00", executed=("250000", "250000", "250000", "250000"),
         program_code="999-001-000", adjusted=None):
    return {"institution_bin": bin_, "year": year, "program_code": program_code, "specific": specific, "plan": plan,
            "adjusted_plan": adjusted or plan, "executed_q1": executed[0], "executed_q2": executed[1],
            "executed_q3": executed[2], "executed_q4": executed[3]}


def as_json(rows):
    return json.dumps({"lines": rows}).encode()
