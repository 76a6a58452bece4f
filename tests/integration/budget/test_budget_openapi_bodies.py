"""Every success body of the budget API is the one its OpenAPI document describes for that status.

Most of them are built by the views themselves (Redis-cached bytes, streamed exports) and their schemas are
documentation only; these tests read real answers, from the sample region and from fresh institutions of
their own (one without any budget: the null amounts), and hold each against the document the service serves.
"""
import pytest

from tests.support.auth import bearer
from tests.support.openapi import ServedDocument

from .conftest import csv_of, line

API = "/api/budget/v1"


@pytest.fixture
def document(client) -> ServedDocument:
    return ServedDocument(client, "budget")


@pytest.fixture
def kosshy(client, document, new_institution) -> dict:
    """Two fresh institutions in Kosshy (kind `other`, which the sample region has none of there): one
    without a budget, one with a 2024 line imported (the import also renews the cached maps of 2024)."""
    empty, funded = new_institution(district_id="kosshy"), new_institution(district_id="kosshy")
    imported = client.post(f"{API}/imports", data=csv_of([line(funded["bin"], year=2024)]), content_type="text/csv",
                           headers=bearer("operator"))
    result = document.body(imported, 200, "POST", "/imports")
    assert result["rows"] == 1 and result["years"] == [2024]
    return {"empty": empty, "funded": funded}


def test_the_institution_list_with_and_without_totals_is_documented(client, document, kosshy):
    page = document.body(client.get(f"{API}/institutions", query_string={"district": "kosshy", "kind": "other",
                                                                         "year": 2024, "per_page": 200}),
                         200, "GET", "/institutions")
    totals = {item["id"]: item["totals"] for item in page["items"]}
    assert totals[kosshy["empty"]["id"]] is None and totals[kosshy["funded"]["id"]]["plan"] == "1000000.00"


def test_an_institution_its_ranks_and_a_year_with_contracts_documents_and_red_flags_are_documented(client, document):
    flagged = client.get(f"{API}/institutions", query_string={"kind": "school", "flag": "supplier_concentration",
                                                               "year": 2024, "per_page": 1}).get_json()["items"][0]
    for lang in ("kk", "ru"):
        detail = document.body(client.get(f"{API}/institutions/{flagged['id']}", query_string={"lang": lang}),
                               200, "GET", "/institutions/{institution_id}")
        assert detail["geometry"]["type"] == "Point" and detail["years"][0]["rank"]["region"] >= 1
        budget = document.body(client.get(f"{API}/institutions/{flagged['id']}/budget",
                                          query_string={"year": 2024, "lang": lang}),
                               200, "GET", "/institutions/{institution_id}/budget")
        assert budget["lines"] and budget["contracts"] and budget["documents"]
        assert "supplier_concentration" in {flag["rule"] for flag in budget["red_flags"]}


def test_a_road_and_an_institution_without_any_budget_are_documented(client, document, kosshy):
    road = client.get(f"{API}/institutions", query_string={"kind": "road", "per_page": 1}).get_json()["items"][0]
    detail = document.body(client.get(f"{API}/institutions/{road['id']}"), 200, "GET", "/institutions/{institution_id}")
    assert detail["geometry"]["type"] == "LineString"

    empty = kosshy["empty"]["id"]
    detail = document.body(client.get(f"{API}/institutions/{empty}"), 200, "GET", "/institutions/{institution_id}")
    assert detail["years"] == [] and detail["reviews"] == {"count": 0, "average_rating": None}
    budget = document.body(client.get(f"{API}/institutions/{empty}/budget", query_string={"year": 2024}),
                           200, "GET", "/institutions/{institution_id}/budget")
    assert budget["lines"] == budget["contracts"] == budget["documents"] == budget["red_flags"] == []


def test_the_map_is_a_documented_geojson_feature_collection(client, document, kosshy):
    roads = document.body(client.get(f"{API}/map.geojson", query_string={"district": "1110", "kind": "road"}),
                          200, "GET", "/map.geojson")
    assert roads["features"] and {f["geometry"]["type"] for f in roads["features"]} == {"LineString"}

    response = client.get(f"{API}/map.geojson", query_string={"district": "kosshy", "kind": "other", "year": 2024})
    assert response.mimetype == "application/geo+json"
    features = {f["id"]: f for f in document.body(response, 200, "GET", "/map.geojson")["features"]}
    assert features[kosshy["empty"]["id"]]["properties"]["plan"] is None
    assert features[kosshy["funded"]["id"]]["properties"]["plan"] == "1000000.00"


@pytest.mark.parametrize("query", [
    {"group_by": "district"}, {"group_by": "district", "year": 2024, "kind": "school", "lang": "ru"},
    {"group_by": "kind"}, {"group_by": "kind", "year": 2023}, {"group_by": "specific"},
    {"group_by": "specific", "year": 2024, "kind": "hospital"}, {"group_by": "year"}, {"group_by": "year", "kind": "road"},
])
def test_stats_by_every_grouping_are_documented(client, document, query):
    stats = document.body(client.get(f"{API}/stats", query_string=query), 200, "GET", "/stats")
    assert stats["groups"] and stats["group_by"] == query["group_by"]


def test_the_reference_lists_are_documented(client, document):
    districts = document.body(client.get(f"{API}/districts"), 200, "GET", "/districts")["items"]
    assert {"1110", "kosshy"} <= {d["id"] for d in districts}
    specifics = document.body(client.get(f"{API}/classification/specifics"), 200, "GET", "/classification/specifics")
    assert "111" in {s["code"] for s in specifics["items"]}


def test_the_open_data_exports_are_documented(client, document, kosshy):
    where = {"district": "kosshy", "kind": "other", "year": 2024}
    lines = document.body(client.get(f"{API}/export.json", query_string=where), 200, "GET", "/export.json")
    assert kosshy["funded"]["id"] in {row["institution_id"] for row in lines}
    csv = document.body(client.get(f"{API}/export.csv", query_string=where), 200, "GET", "/export.csv")
    header, *rows = csv.splitlines()
    assert header.split(",") == list(lines[0]) and len(rows) == len(lines)
