"""Importing budget lines: all or nothing with every bad row reported, idempotent, events and flags follow."""
from sqlalchemy import func, select

from services.budget import db
from tests.support.auth import bearer

from .conftest import as_json, csv_of, line

IMPORTS = "/api/budget/v1/imports"


def post_csv(client, content, **headers):
    return client.post(IMPORTS, data=content, content_type="text/csv", headers={**bearer("operator"), **headers})


def lines_of(sessions, institution_id):
    with sessions() as s:
        return s.execute(select(func.count()).select_from(db.budget_lines)
                         .where(db.budget_lines.c.institution_id == institution_id)).scalar_one()


def outbox_of(sessions, institution_id):
    with sessions() as s:
        return s.execute(select(db.outbox.c.type, db.outbox.c.payload, db.outbox.c.published_at)
                         .where(db.outbox.c.key == institution_id)).all()


def test_a_file_with_bad_rows_is_rejected_whole_and_every_bad_row_is_listed(client, sessions, new_institution):
    inst = new_institution()
    rows = [line(inst["bin"]), line("123", specific="111"), line(inst["bin"], specific="999", plan="-5")]
    response = post_csv(client, csv_of(rows), **{"Accept-Language": "ru"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} >= {(2, "institution_bin"), (3, "plan"), (3, "specific")}
    assert all(e["row"] != 1 for e in errors)
    assert lines_of(sessions, inst["id"]) == 0   # the good first row was not imported either


def test_an_unknown_bin_is_reported_with_its_row(client, new_institution):
    inst = new_institution()
    response = post_csv(client, csv_of([line(inst["bin"]), line("990000000000")]), **{"Accept-Language": "ru"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"row": 2, "field": "institution_bin", "reason": "учреждение с БИН 990000000000 неизвестно"}]
    kazakh = post_csv(client, csv_of([line("990000000000")])).get_json()["errors"][0]["reason"]
    assert kazakh == "990000000000 БСН-і бар мекеме белгісіз"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, sessions, new_institution):
    inst = new_institution()
    content = csv_of([line(inst["bin"], specific="111"), line(inst["bin"], specific="151", plan="50000.50",
                                                               executed=("10000", "10000", "10000", "20000.50"))])
    first = post_csv(client, content)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["changed_lines"] == 2 and first.get_json()["events"] == 1
    events_after_first = len(outbox_of(sessions, inst["id"]))
    second = post_csv(client, content)
    assert second.get_json()["changed_lines"] == 0 and second.get_json()["events"] == 0
    assert lines_of(sessions, inst["id"]) == 2
    assert len(outbox_of(sessions, inst["id"])) == events_after_first


def test_an_import_publishes_budget_updated_with_the_new_totals(client, sessions, new_institution):
    from tests.support.polling import wait_for
    inst = new_institution()
    assert post_csv(client, csv_of([line(inst["bin"], plan="1000.00", executed=("100", "200", "300", "400.25"))])
                    ).status_code == 200
    rows = outbox_of(sessions, inst["id"])
    assert [r.type for r in rows] == ["kz.ashyq.budget.budget_updated.v1"]
    assert rows[0].payload["data"] == {"institution_id": inst["id"], "year": 2024, "plan": "1000.00",
                                       "adjusted_plan": "1000.00", "executed": "1000.25", "execution_pct": "100.03"}
    wait_for(lambda: outbox_of(sessions, inst["id"])[0].published_at, timeout=20, what="the relay to publish it")


def test_json_and_fiscal_data_package_imports_are_accepted(client, new_institution):
    inst = new_institution()
    response = client.post(IMPORTS, data=as_json([line(inst["bin"], specific="141")]),
                           content_type="application/json", headers=bearer("operator"))
    assert response.status_code == 200 and response.get_json()["changed_lines"] == 1
    package = {"name": "akmola-budget", "resources": [{
        "name": "lines", "schema": {"fields": [{"name": "bin", "ashyq:column": "institution_bin"},
                                               {"name": "year"}, {"name": "program_code"}, {"name": "specific"},
                                               {"name": "plan"}, {"name": "adjusted_plan"}, {"name": "executed_q1"},
                                               {"name": "executed_q2"}, {"name": "executed_q3"}, {"name": "executed_q4"}]},
        "data": [[inst["bin"], 2025, "999-001-000", "151", "10.00", "10.00", "1", "2", "3", "4"]]}]}
    response = client.post(IMPORTS, json=package, headers=bearer("operator"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["years"] == [2025]


def test_imports_need_an_operator_and_a_known_content_type(client, new_institution):
    inst = new_institution()
    assert client.post(IMPORTS, data=csv_of([line(inst["bin"])]), content_type="text/csv").status_code == 401
    assert client.post(IMPORTS, data=b"x", content_type="application/xml",
                       headers=bearer("operator")).status_code == 415
    assert client.post(IMPORTS, data=b"x", content_type="text/csv",
                       headers=bearer("staff", institution_id=inst["id"])).status_code == 403


def test_an_oversized_import_is_413(client):
    big = b"institution_bin,year\n" + b"0" * (21 * 1024 * 1024)
    assert post_csv(client, big).status_code == 413


def test_imported_numbers_raise_red_flags_with_explanations(client, new_institution):
    inst = new_institution()
    rows = [line(inst["bin"], year=2024, specific="111", plan="1000.00", executed=("100", "100", "100", "800")),
            line(inst["bin"], year=2024, specific="159", plan="50.00", executed=("0", "0", "0", "0"))]
    assert post_csv(client, csv_of(rows)).status_code == 200
    body = client.get(f"/api/budget/v1/institutions/{inst['id']}/budget?year=2024&lang=ru").get_json()
    flags = {f["rule"]: f for f in body["red_flags"]}
    assert set(flags) == {"over_execution", "year_end_rush", "undocumented_spending"}
    assert flags["over_execution"]["numbers"] == {"plan": "1050.00", "executed": "1100.00", "excess": "50.00",
                                                  "execution_pct": "104.76"}
    assert "Освоено" in flags["undocumented_spending"]["explanation"]
    assert flags["year_end_rush"]["explanation_kk"] and flags["year_end_rush"]["numbers"]["share_pct"] == "72.73"
