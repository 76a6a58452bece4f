"""An Open311 GeoReport v2 client's sequence through nginx, in JSON and in XML, with the spec's field names:
services -> service definition -> POST requests -> tokens -> GET requests/{id}."""
from __future__ import annotations

import json
import random
import uuid
from xml.etree import ElementTree as ET

import pytest
import requests

from services.common.settings import VAR
from tests.integration.appeals.appeals_stack import known_institution, submit
from tests.support.stack import BASE_URL, sample_appeal

OPEN311 = f"{BASE_URL}/open311/v2"
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


def api_key() -> str:
    return json.loads((VAR / "dev-credentials.json").read_text())["open311_api_key"]


LIST_ITEMS = ("service", "request", "error", "attribute", "value", "endpoint", "format")


def read(response: requests.Response, fmt: str):
    """The document as plain lists/dicts, whichever the format."""
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()
    assert response.headers["Content-Type"].startswith("text/xml")
    return _element(ET.fromstring(response.content))


def _element(element):
    children = list(element)
    if not children:
        return element.text
    if children[0].tag in LIST_ITEMS:
        return [_element(c) for c in children]
    return {c.tag: _element(c) for c in children}


@pytest.fixture(scope="module")
def far_institution():
    """An institution far from every other, so lat/long picks it; known to appeals before the test starts."""
    lat, lon = round(random.uniform(-45, -40), 5), round(random.uniform(-70, -60), 5)
    institution = known_institution(lat=lat, lon=lon, name_ru=f"Школа {uuid.uuid4().hex[:6]}")
    assert submit(sample_appeal(institution["id"])).status_code == 201
    return institution


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_files_and_follows_a_request(fmt, far_institution):
    services = read(requests.get(f"{OPEN311}/services.{fmt}", params={"lang": "ru"}, timeout=10), fmt)
    codes = [s["service_code"] for s in services]
    assert "work_not_done" in codes
    assert {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} <= set(services[0])

    definition = read(requests.get(f"{OPEN311}/services/work_not_done.{fmt}", timeout=10), fmt)
    assert definition["service_code"] == "work_not_done"
    assert "institution_id" in [a["code"] for a in definition["attributes"]]

    description = "Во дворе школы не положен асфальт, оплаченный по договору в 2025 году."
    posted = requests.post(f"{OPEN311}/requests.{fmt}", timeout=10, data={
        "api_key": api_key(), "jurisdiction_id": "akmola.kz", "service_code": "work_not_done",
        "lat": far_institution["lat"] + 0.001, "long": far_institution["lon"] - 0.001,
        "email": f"georeport-{uuid.uuid4().hex[:8]}@mail.kz", "first_name": "Дана", "last_name": "Есенова",
        "description": description, "attribute[publish_text]": "true"})
    assert posted.status_code == 201, posted.text
    created = read(posted, fmt)[0]
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}

    tokens = read(requests.get(f"{OPEN311}/tokens/{created['token']}.{fmt}", timeout=10), fmt)
    assert tokens[0]["service_request_id"] == created["service_request_id"]

    fetched = read(requests.get(f"{OPEN311}/requests/{created['service_request_id']}.{fmt}", params={"lang": "ru"},
                                timeout=10), fmt)
    request = fetched[0]
    assert set(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "work_not_done"
    assert request["agency_responsible"] == far_institution["name_ru"]
    assert request["description"] == description
    assert request["expected_datetime"].endswith("+05:00")
    assert "Дана" not in json.dumps(fetched, ensure_ascii=False) and "georeport-" not in str(fetched)

    listed = read(requests.get(f"{OPEN311}/requests.{fmt}", timeout=10, params={
        "service_request_id": created["service_request_id"], "status": "open"}), fmt)
    assert [r["service_request_id"] for r in listed] == [created["service_request_id"]]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_come_in_the_spec_format(fmt, far_institution):
    form = {"service_code": "other", "attribute[institution_id]": far_institution["id"],
            "email": "x@mail.kz", "first_name": "Аян", "description": "Описание проблемы длиной больше двадцати"}
    cases = [
        (requests.post(f"{OPEN311}/requests.{fmt}", data=form, timeout=10), 403),
        (requests.post(f"{OPEN311}/requests.{fmt}", data={**form, "api_key": "wrong"}, timeout=10), 403),
        (requests.post(f"{OPEN311}/requests.{fmt}", data={**form, "api_key": api_key(), "email": ""}, timeout=10), 400),
        (requests.get(f"{OPEN311}/requests/AKM-1999-000000.{fmt}", timeout=10), 404),
        (requests.get(f"{OPEN311}/services/unknown.{fmt}", timeout=10), 404),
        (requests.get(f"{OPEN311}/tokens/{uuid.uuid4()}.{fmt}", timeout=10), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        errors = read(response, fmt)
        assert str(errors[0]["code"]) == str(status) and errors[0]["description"]


def test_discovery_names_the_endpoint_and_formats():
    discovery = requests.get(f"{OPEN311}/discovery.json", timeout=10).json()
    endpoint = discovery["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert ET.fromstring(requests.get(f"{OPEN311}/discovery.xml", timeout=10).content).tag == "discovery"
