"""The public API on the sample region: search in both languages, bbox, filters, validation, detail, stats."""

API = "/api/budget/v1"


def institutions(client, **params):
    response = client.get(f"{API}/institutions", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_search_ignores_case_yo_and_kazakh_letter_forms(client):
    russian = institutions(client, q="Берёзовка", per_page=200)
    assert russian["total"] > 0
    assert institutions(client, q="БЕРЕЗОВКА", per_page=200)["total"] == russian["total"]
    kazakh = institutions(client, q="Қосшы", per_page=200)
    assert kazakh["total"] > 0
    assert institutions(client, q="косшы", per_page=200)["total"] == kazakh["total"]
    assert all("Қосшы" in i["name_kk"] or "Косшы" in i["name_ru"] for i in kazakh["items"])


def test_search_finds_kazakh_and_russian_names_of_the_same_institution(client):
    by_kk = institutions(client, q="Көкшетау қаласының №3 мектеп-лицейі")["items"]
    by_ru = institutions(client, q="школа-лицей №3 города кокшетау")["items"]
    assert by_kk and {i["id"] for i in by_kk} == {i["id"] for i in by_ru}


def test_bbox_keeps_only_institutions_inside_it(client):
    box = (69.3, 53.2, 69.45, 53.35)   # around Kokshetau
    page = institutions(client, bbox=",".join(map(str, box)), per_page=200)
    assert page["total"] > 50
    for item in page["items"]:
        assert box[0] <= item["lon"] <= box[2] and box[1] <= item["lat"] <= box[3]
    assert institutions(client, bbox="60,40,61,41")["total"] == 0


def test_filters_and_pagination(client):
    page = institutions(client, kind="hospital", district="1170", per_page=2, page=1, year=2024)
    assert page["total"] >= 2 and len(page["items"]) == 2 and page["year"] == 2024
    assert all(i["kind"] == "hospital" and i["district"] == "1170" for i in page["items"])
    assert page["items"][0]["totals"]["plan"].replace(".", "").isdigit()
    second = institutions(client, kind="hospital", district="1170", per_page=2, page=2, year=2024)
    assert {i["id"] for i in second["items"]}.isdisjoint({i["id"] for i in page["items"]})


def test_flag_filter_returns_flagged_institutions(client):
    page = institutions(client, flag="over_execution", year=2024, per_page=5)
    assert page["total"] > 0
    budget = client.get(f"{API}/institutions/{page['items'][0]['id']}/budget?year=2024").get_json()
    assert "over_execution" in {f["rule"] for f in budget["red_flags"]}


def test_unknown_filter_values_get_422_listing_the_allowed_ones(client):
    errors = client.get(f"{API}/institutions?kind=zoo&lang=ru").get_json()["errors"]
    assert "school" in errors["kind"][0] and "road" in errors["kind"][0]
    errors = client.get(f"{API}/institutions?district=nowhere").get_json()["errors"]
    assert "1110" in errors["district"][0] and "kosshy" in errors["district"][0]
    errors = client.get(f"{API}/map.geojson?year=2031").get_json()["errors"]
    assert "2022" in errors["year"][0]
    for bad in ("bbox=1,2,3", "bbox=a,b,c,d", "bbox=10,10,5,5", "year=abc", "per_page=201", "page=0", "colour=red"):
        assert client.get(f"{API}/institutions?{bad}").status_code == 422, bad
    assert client.get(f"{API}/stats?group_by=colour").status_code == 422
    assert client.get(f"{API}/stats").status_code == 422


def test_unknown_institution_is_404_json(client):
    for path in ("", "/budget", "/reviews"):
        response = client.get(f"{API}/institutions/no-such-id{path}")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_detail_has_yearly_totals_unit_cost_and_ranks(client):
    school = institutions(client, kind="school", district="1164", per_page=1)["items"][0]
    detail = client.get(f"{API}/institutions/{school['id']}?lang=ru").get_json()
    assert detail["name"] == detail["name_ru"] and detail["unit"]["code"] == "pupil"
    assert [y["year"] for y in detail["years"]] == [2022, 2023, 2024, 2025, 2026]
    year = detail["years"][2]
    assert year["unit_cost"] and 1 <= year["rank"]["district"] <= year["rank"]["district_peers"]
    assert year["rank"]["region_peers"] > year["rank"]["district_peers"]


def test_budget_breakdown_by_specific_and_quarter_with_contracts_and_documents(client):
    school = institutions(client, kind="school", district="1110", per_page=1)["items"][0]
    budget = client.get(f"{API}/institutions/{school['id']}/budget?year=2023&lang=kk").get_json()
    codes = {l["specific"]["code"] for l in budget["lines"]}
    assert {"111", "121", "151"} <= codes
    wages = next(l for l in budget["lines"] if l["specific"]["code"] == "111")
    assert set(wages["executed"]) == {"q1", "q2", "q3", "q4", "total"}
    assert budget["documents"] and budget["documents"][0]["sha256"]


def test_map_shows_the_whole_region(client):
    body = client.get(f"{API}/map.geojson").get_json()
    features = body["features"]
    assert body["type"] == "FeatureCollection" and len(features) >= 3000
    assert {f["properties"]["kind"] for f in features} >= {"school", "kindergarten", "hospital", "polyclinic", "road"}
    districts = {d["id"] for d in client.get(f"{API}/districts").get_json()["items"]}
    assert districts <= {f["properties"]["district"] for f in features}
    props = features[0]["properties"]
    assert {"kind", "name_kk", "name_ru", "district", "flag_count", "appeal_count", "execution_pct"} <= set(props)


def test_stats_group_by_every_dimension(client):
    for group_by in ("district", "kind", "specific", "year"):
        body = client.get(f"{API}/stats?group_by={group_by}&year=2024").get_json()
        assert body["groups"], group_by
        assert all(g["plan"] for g in body["groups"])
    kinds = {g["key"] for g in client.get(f"{API}/stats?group_by=kind").get_json()["groups"]}
    assert {"school", "road"} <= kinds


def test_reference_lists(client):
    specifics = client.get(f"{API}/classification/specifics").get_json()["items"]
    assert {"code": "111", "name_ru": "Оплата труда"}.items() <= specifics[0].items()
    assert client.get(f"{API}/districts").get_json()["items"][0]["name_kk"]


def test_export_streams_open_data_with_the_same_filters(client):
    response = client.get(f"{API}/export.csv?district=1110&kind=hospital&year=2024")
    lines = response.get_data(as_text=True).strip().splitlines()
    assert response.mimetype == "text/csv" and lines[0].startswith("institution_id,institution_bin,kind")
    assert len(lines) > 10 and all(",hospital," in l for l in lines[1:])
    rows = client.get(f"{API}/export.json?district=1110&kind=hospital&year=2024").get_json()
    assert len(rows) == len(lines) - 1 and rows[0]["year"] == 2024 and "applicant" not in rows[0]
