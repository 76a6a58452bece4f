"""Redis cache (hit, ETag, 304, no database query on a hit, invalidation by an import), reviews with
moderation and rate limit, and appeal counts kept from appeals' events."""
import uuid

from sqlalchemy import event

from services.common.events import make_event
from services.common.topics import APPEALS
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import publish

from .conftest import csv_of, line

API = "/api/budget/v1"


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.on_query)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.on_query)

    def on_query(self, *args):
        self.count += 1


def test_a_cached_map_is_served_with_etag_and_no_database_query(app, client):
    client.get(f"{API}/map.geojson?year=2023&kind=polyclinic")
    with QueryCounter(app.extensions["budget"].engine) as queries:
        hit = client.get(f"{API}/map.geojson?year=2023&kind=polyclinic")
    assert hit.status_code == 200 and hit.headers["X-Cache"] == "HIT" and queries.count == 0
    assert hit.headers["ETag"] and "max-age" in hit.headers["Cache-Control"]
    assert hit.mimetype == "application/geo+json"
    again = client.get(f"{API}/map.geojson?year=2023&kind=polyclinic", headers={"If-None-Match": hit.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_an_import_invalidates_the_map_and_the_detail_it_changed(client, new_institution):
    inst = new_institution()
    client.get(f"{API}/map.geojson?year=2024")
    before = client.get(f"{API}/map.geojson?year=2024")
    assert before.headers["X-Cache"] == "HIT"
    client.get(f"{API}/institutions/{inst['id']}")
    assert client.get(f"{API}/institutions/{inst['id']}").headers["X-Cache"] == "HIT"
    other_year = client.get(f"{API}/map.geojson?year=2022")

    response = client.post(f"{API}/imports", data=csv_of([line(inst["bin"], year=2024, plan="777.00")]),
                           content_type="text/csv", headers=bearer("operator"))
    assert response.status_code == 200

    after = client.get(f"{API}/map.geojson?year=2024")
    assert after.headers["X-Cache"] == "MISS" and after.headers["ETag"] != before.headers["ETag"]
    feature = next(f for f in after.get_json()["features"] if f["id"] == inst["id"])
    assert feature["properties"]["plan"] == "777.00"
    detail = client.get(f"{API}/institutions/{inst['id']}")
    assert detail.headers["X-Cache"] == "MISS" and detail.get_json()["years"][0]["plan"] == "777.00"
    # Another year's map did not change, so it stays cached.
    unchanged = client.get(f"{API}/map.geojson?year=2022")
    assert unchanged.headers["X-Cache"] == "HIT" and unchanged.headers["ETag"] == other_year.headers["ETag"]


def test_reviews_are_shown_after_moderation(client, new_institution):
    inst = new_institution()
    ip = {"X-Real-IP": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    created = client.post(f"{API}/institutions/{inst['id']}/reviews", headers=ip, json={
        "text": "Мектеп жөнделді, рахмет!", "rating": 5, "author_name": "Айгерім", "language": "kk"})
    assert created.status_code == 201 and created.get_json()["state"] == "pending"
    assert client.get(f"{API}/institutions/{inst['id']}/reviews").get_json() == []
    review_id = created.get_json()["id"]
    assert client.post(f"{API}/reviews/{review_id}/moderation", json={"decision": "publish"}).status_code == 401
    moderated = client.post(f"{API}/reviews/{review_id}/moderation", json={"decision": "publish"},
                            headers=bearer("operator"))
    assert moderated.get_json()["state"] == "published"
    assert [r["id"] for r in client.get(f"{API}/institutions/{inst['id']}/reviews").get_json()] == [review_id]


def test_reviews_are_rate_limited_and_validated(client, new_institution):
    inst = new_institution()
    ip = {"X-Real-IP": f"10.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    body = {"text": "Ремонт не сделан", "rating": 1, "author_name": "Иван", "language": "ru"}
    assert client.post(f"{API}/institutions/{inst['id']}/reviews", json={**body, "rating": 9}, headers=ip).status_code == 422
    assert client.post(f"{API}/institutions/{inst['id']}/reviews", json={**body, "extra": 1}, headers=ip).status_code == 422
    statuses = [client.post(f"{API}/institutions/{inst['id']}/reviews", json=body, headers=ip).status_code
                for _ in range(4)]
    assert statuses[-1] == 429 and statuses[0] == 201


def appeal_submitted(institution_id: str) -> dict:
    appeal_id = str(uuid.uuid4())
    return make_event(type="kz.ashyq.appeals.appeal_submitted.v1", source="/ashyq/appeals", subject=appeal_id, data={
        "appeal_id": appeal_id, "ticket": "AKM-2026-000001", "institution_id": institution_id,
        "category": "work_not_done", "description": "...", "media_ids": [], "language": "kk",
        "deadline": "2026-12-20", "tracking_url": "http://x", "applicant": {"name": "A", "email": "a@b.kz"},
        "a_future_field": True})


def test_appeals_are_counted_once_per_event_and_other_appeal_events_are_ignored(client, new_institution):
    inst = new_institution()
    submitted = appeal_submitted(inst["id"])
    publish(APPEALS, submitted["data"]["appeal_id"], submitted)
    publish(APPEALS, submitted["data"]["appeal_id"], submitted)   # redelivered: counted once
    answered = make_event(type="kz.ashyq.appeals.appeal_answered.v1", source="/ashyq/appeals", subject="x",
                          data={"appeal_id": submitted["data"]["appeal_id"], "ticket": submitted["data"]["ticket"],
                                "institution_id": inst["id"], "answer_text": "Жөндеу жұмыстары аяқталды.",
                                "media_ids": [], "answered_at": "2026-11-26T10:00:00+05:00"})
    publish(APPEALS, submitted["data"]["appeal_id"], answered)
    second = appeal_submitted(inst["id"])
    publish(APPEALS, second["data"]["appeal_id"], second)
    wait_for(lambda: client.get(f"{API}/institutions/{inst['id']}").get_json()["appeal_count"] == 2,
             timeout=90, what="appeal_count 2")

    def map_count() -> int | None:  # another cache key: current within the second a process keeps its copies
        features = client.get(f"{API}/map.geojson").get_json()["features"]
        return next((f["properties"]["appeal_count"] for f in features if f["id"] == inst["id"]), None)
    wait_for(lambda: map_count() == 2, timeout=10, what="the map's appeal_count 2")


def test_an_answer_read_before_a_change_is_never_served_after_it(app, client, new_institution, monkeypatch):
    """The race behind a stale appeal count: a request reads the database, the worker commits a new appeal
    and invalidates, then the request stores what it had read."""
    inst = new_institution()
    cache = app.extensions["budget"].cache
    key = cache.detail_key(inst["id"], "ru")            # the request, before the change...
    cache.invalidate(institution_ids=[inst["id"]], all_maps=True)   # ...the worker, after its commit...
    cache.put(key, b'{"appeal_count": "stale"}')       # ...the request's late write
    monkeypatch.setattr(cache, "local_seconds", 0)  # as another process sees it once its local second is over

    fresh = client.get(f"{API}/institutions/{inst['id']}", headers={"Accept-Language": "ru"})
    assert fresh.headers["X-Cache"] == "MISS"
    assert fresh.get_json()["appeal_count"] == 0


def test_gzip_is_served_precompressed_from_the_cache(client):
    import gzip
    import json
    plain = client.get(f"{API}/map.geojson?year=2025&kind=road")
    packed = client.get(f"{API}/map.geojson?year=2025&kind=road", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and packed.headers["ETag"] != plain.headers["ETag"]
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert len(packed.data) < len(plain.data) / 3


def test_an_import_refreshes_the_cached_region_rank_of_peers_in_other_districts(client, new_institution):
    """A new unit cost moves the region rank of every institution of that kind, not only its district's."""
    def region_peers(inst) -> int:
        return client.get(f"{API}/institutions/{inst['id']}").get_json()["years"][0]["rank"]["region_peers"]

    def imported(inst, plan: str):
        response = client.post(f"{API}/imports", data=csv_of([line(inst["bin"], year=2024, plan=plan)]),
                               content_type="text/csv", headers=bearer("operator"))
        assert response.status_code == 200

    far = new_institution(district_id="1132", headcount={"2024": "10"})
    imported(far, "1000000.00")
    peers = region_peers(far)
    assert client.get(f"{API}/institutions/{far['id']}").headers["X-Cache"] == "HIT"

    imported(new_institution(district_id="1110", headcount={"2024": "10"}), "500000.00")

    assert region_peers(far) == peers + 1
