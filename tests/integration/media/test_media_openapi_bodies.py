"""The media API's answers are the ones its OpenAPI document describes: an upload's metadata at every step
(direct and presigned), and the redirects to short-lived storage URLs with their documented Location.

Needs the running media worker (it renders the public copies)."""
import io

import pytest
import requests

from tests.support.openapi import ServedDocument
from tests.support.polling import wait_for

from .media_samples import jpeg_with_gps

API = "/api/media/v1"


@pytest.fixture
def document(client) -> ServedDocument:
    return ServedDocument(client, "media")


def redirected(document, response, path: str) -> str:
    """The storage URL of a documented 302 (its Location header is documented too)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    headers = document.documented(302, "GET", path).get("headers", {})
    assert {"Location", "Cache-Control"} <= set(headers)
    assert response.headers["Cache-Control"] == "private, max-age=60"
    return response.headers["Location"]


def test_a_direct_upload_its_metadata_and_its_links_are_documented(client, document, citizen, operator):
    uploaded = client.post(f"{API}/uploads", data={"file": (io.BytesIO(jpeg_with_gps()), "IMG_0002.jpg", "image/jpeg")},
                           headers=citizen, content_type="multipart/form-data")
    media = document.body(uploaded, 201, "POST", "/uploads")
    assert media["state"] == "quarantined"
    document.body(client.get(f"{API}/media/{media['id']}"), 200, "GET", "/media/{media_id}")

    def stored():
        answer = client.get(f"{API}/media/{media['id']}")
        return answer if answer.get_json()["state"] == "stored" else None
    final = document.body(wait_for(stored, timeout=30, what="the photo to be stored"), 200, "GET", "/media/{media_id}")
    assert final["public_type"] and final["width"]

    for which, headers in (("content", {}), ("thumbnail", {}), ("original", operator)):
        url = redirected(document, client.get(f"{API}/media/{media['id']}/{which}", headers=headers),
                         f"/media/{{media_id}}/{which}")
        assert requests.get(url, timeout=10).status_code == 200


def test_a_presigned_upload_and_its_completion_are_documented(client, document, citizen):
    data = jpeg_with_gps(size=(640, 480))
    slot = document.body(client.post(f"{API}/uploads/presign", json={"kind": "photo", "size": len(data)},
                                     headers=citizen), 201, "POST", "/uploads/presign")
    assert slot["state"] == "uploading" and slot["method"] == "PUT"
    assert requests.put(slot["upload_url"], data=data, timeout=30).status_code == 200

    completed = client.post(f"{API}/uploads/{slot['id']}/complete")
    media = document.body(completed, completed.status_code, "POST", "/uploads/{media_id}/complete")
    assert completed.status_code in (200, 202) and media["sha256"]
