"""Through nginx: the region on the map, its cache headers, and a sample institution known to appeals."""
import requests

from services.budget.reference import REGION_BBOX
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, sample_appeal

API = f"{BASE_URL}/api/budget/v1"


def test_the_map_shows_at_least_3000_institutions_of_all_kinds_inside_the_region():
    response = requests.get(f"{API}/map.geojson", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/geo+json")
    assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"]
    features = response.json()["features"]
    assert len(features) >= 3000
    assert {f["properties"]["kind"] for f in features} >= {"school", "kindergarten", "hospital", "polyclinic", "road"}
    lat_min, lon_min, lat_max, lon_max = REGION_BBOX
    for feature in features:
        geometry = feature["geometry"]
        points = [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        assert all(lon_min <= lon <= lon_max and lat_min <= lat <= lat_max for lon, lat in points)
    districts = requests.get(f"{API}/districts", timeout=10).json()["items"]
    assert {d["id"] for d in districts} <= {f["properties"]["district"] for f in features}
    assert_revalidates(f"{API}/map.geojson", response.headers["ETag"])


def assert_revalidates(url: str, etag: str) -> None:
    """A conditional GET with the current ETag is a 304. Other tests' appeals change appeal counts on the
    map meanwhile, so a 200 is allowed only with a new ETag, and the next round uses that one."""
    def revalidated():
        nonlocal etag
        again = requests.get(url, headers={"If-None-Match": etag}, timeout=30)
        if again.status_code == 200:
            assert again.headers["ETag"] != etag
            etag = again.headers["ETag"]
        return again.status_code == 304
    wait_for(revalidated, timeout=20, interval=0.2, what="a 304 for the current ETag")


def test_a_sample_institution_is_known_to_appeals_and_counts_its_appeals():
    """budget -> institution_upserted -> appeals accepts an appeal about it -> appeal_submitted -> budget counts it."""
    school = requests.get(f"{API}/institutions", params={"kind": "school", "district": "1148", "per_page": 1},
                          timeout=10).json()["items"][0]
    before = requests.get(f"{API}/institutions/{school['id']}", timeout=10).json()["appeal_count"]
    body = sample_appeal(school["id"])

    def submit():  # 422 until appeals has consumed the institution's upserted event (after a fresh bootstrap)
        response = requests.post(f"{BASE_URL}/api/appeals/v1/appeals", json=body, timeout=10)
        return response if response.status_code != 422 else None
    response = wait_for(submit, timeout=90, interval=1, what="appeals to learn the sample institution")
    assert response.status_code == 201, response.text
    wait_for(lambda: requests.get(f"{API}/institutions/{school['id']}", timeout=10).json()["appeal_count"] > before,
             timeout=60, interval=0.5, what="budget to count the appeal")


def test_openapi_lists_the_public_paths():
    paths = requests.get(f"{BASE_URL}/api/budget/openapi.json", timeout=10).json()["paths"]
    for path in ("/api/budget/v1/institutions", "/api/budget/v1/institutions/{institution_id}",
                 "/api/budget/v1/institutions/{institution_id}/budget", "/api/budget/v1/map.geojson",
                 "/api/budget/v1/stats", "/api/budget/v1/export.csv", "/api/budget/v1/export.json",
                 "/api/budget/v1/districts", "/api/budget/v1/classification/specifics"):
        assert path in paths, path
