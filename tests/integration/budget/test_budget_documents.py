"""Supporting documents: attached by operators, their SHA-256 taken from media's media_stored event."""
import hashlib
import uuid

from services.common.events import make_event
from services.common.topics import MEDIA
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import publish

from .conftest import csv_of, line

API = "/api/budget/v1"


def media_stored(media_id: str, sha256: str) -> dict:
    return make_event(type="kz.ashyq.media.media_stored.v1", source="/ashyq/media", subject=media_id, data={
        "media_id": media_id, "kind": "photo", "content_type": "image/jpeg", "size": 1234, "sha256": sha256,
        "width": 800, "height": 600, "duration_seconds": None, "public_key": f"p/{media_id}.jpg",
        "thumbnail_key": f"t/{media_id}.jpg"})


def test_a_document_clears_undocumented_spending_and_gets_its_hash_from_media(client, new_institution):
    inst = new_institution()
    assert client.post(f"{API}/imports", data=csv_of([line(inst["bin"], year=2024)]), content_type="text/csv",
                       headers=bearer("operator")).status_code == 200
    flags = client.get(f"{API}/institutions/{inst['id']}/budget?year=2024").get_json()["red_flags"]
    assert "undocumented_spending" in {f["rule"] for f in flags}

    media_id = str(uuid.uuid4())
    body = {"year": 2024, "kind": "act", "title": "Акт выполненных работ № 1", "media_id": media_id}
    assert client.post(f"{API}/institutions/{inst['id']}/documents", json=body).status_code == 401
    created = client.post(f"{API}/institutions/{inst['id']}/documents", json=body, headers=bearer("operator"))
    assert created.status_code == 201 and created.get_json()["sha256"] is None
    budget = client.get(f"{API}/institutions/{inst['id']}/budget?year=2024").get_json()
    assert "undocumented_spending" not in {f["rule"] for f in budget["red_flags"]}

    sha = hashlib.sha256(media_id.encode()).hexdigest()
    publish(MEDIA, media_id, media_stored(media_id, sha))

    def documented_hash():
        documents = client.get(f"{API}/institutions/{inst['id']}/budget?year=2024").get_json()["documents"]
        return documents and documents[0]["sha256"] == sha
    wait_for(documented_hash, timeout=30, what="the document's SHA-256 from media_stored")


def test_documents_are_validated(client, new_institution):
    inst = new_institution()
    ok = {"year": 2024, "kind": "act", "title": "Акт", "media_id": "m-1"}
    for bad in ({**ok, "kind": "selfie"}, {**ok, "year": 1900}, {**ok, "contract_id": "nope"}, {**ok, "x": 1}):
        assert client.post(f"{API}/institutions/{inst['id']}/documents", json=bad,
                           headers=bearer("operator")).status_code == 422, bad
    assert client.post(f"{API}/institutions/missing/documents", json=ok, headers=bearer("operator")).status_code == 404
