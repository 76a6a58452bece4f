"""Originals are evidence: operators, and staff of the institution an appeal with the media is about
(learned from appeals' appeal_submitted events). Needs the running media worker."""
import io
import uuid

from services.common.events import make_event
from services.common.topics import APPEALS
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import publish

from .media_samples import jpeg_with_gps


def appeal_submitted(institution_id: str, media_ids: list[str]) -> dict:
    appeal_id = str(uuid.uuid4())
    return make_event(type="kz.ashyq.appeals.appeal_submitted.v1", source="/ashyq/appeals", subject=appeal_id, data={
        "appeal_id": appeal_id, "ticket": "AKM-2026-000001", "institution_id": institution_id,
        "category": "work_not_done", "description": "Крыша не отремонтирована", "media_ids": media_ids,
        "language": "ru", "deadline": "2026-12-20", "tracking_url": "http://localhost:8080/appeal/x",
        "applicant": {"name": "Айгерим", "email": "a@mail.kz"}, "a_future_field": True})


def test_staff_see_originals_only_of_appeals_about_their_institution(client, operator):
    response = client.post("/api/media/v1/uploads", data={"file": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
                           headers=operator, content_type="multipart/form-data")
    media_id = response.get_json()["id"]
    wait_for(lambda: client.get(f"/api/media/v1/media/{media_id}").get_json()["state"] == "stored",
             what="the photo to be rendered")
    school, other = f"school-{uuid.uuid4().hex[:8]}", f"school-{uuid.uuid4().hex[:8]}"
    original = f"/api/media/v1/media/{media_id}/original"

    assert client.get(original).status_code == 401
    assert client.get(original, headers=bearer("staff", institution_id=school)).status_code == 403

    event = appeal_submitted(school, [media_id])
    publish(APPEALS, event["data"]["appeal_id"], event)

    wait_for(lambda: client.get(original, headers=bearer("staff", institution_id=school)).status_code == 302,
             what="media to learn the appeal's institution")
    assert client.get(original, headers=bearer("staff", institution_id=other)).status_code == 403
    assert client.get(original, headers=operator).status_code == 302
