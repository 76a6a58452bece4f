"""Contract red flags, computed from contracts stored in PostgreSQL (derived.refresh over real rows)."""
from datetime import date

from sqlalchemy import select

from services.budget import config, db, derived
from services.common.db import transaction
from tests.support.auth import bearer

from .conftest import csv_of, line


def test_contract_rules_fire_on_stored_contracts(client, sessions, new_institution):
    inst = new_institution()
    assert client.post("/api/budget/v1/imports", content_type="text/csv", headers=bearer("operator"),
                       data=csv_of([line(inst["bin"], year=2023, specific="159", plan="1000.00")])).status_code == 200
    with transaction(sessions) as s:
        line_id = s.execute(select(db.budget_lines.c.id).where(db.budget_lines.c.institution_id == inst["id"])).scalar_one()
        s.execute(db.contracts.insert(), [
            {"id": f"T-{inst['id']}-{n}", "institution_id": inst["id"], "budget_line_id": line_id, "year": 2023,
             "supplier_name": "ТОО «Бір»", "supplier_bin": "111111111111", "subject": "Ремонт", "method": "single_source",
             "amount": amount, "signed_on": date(2023, 3, 1)}
            for n, amount in enumerate(("1500.00", "100.00", "100.00"))])
        derived.refresh(s, config.thresholds(), [inst["id"]])
    budget = client.get(f"/api/budget/v1/institutions/{inst['id']}/budget?year=2023&lang=ru").get_json()
    flags = {f["rule"]: f for f in budget["red_flags"]}
    assert flags["contract_exceeds_line"]["numbers"]["contract_id"] == f"T-{inst['id']}-0"
    assert flags["supplier_concentration"]["numbers"]["share_pct"] == "100.00"
    assert "ТОО «Бір»" in flags["supplier_concentration"]["explanation"]
    assert len(budget["contracts"]) == 3
