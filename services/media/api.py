"""HTTP entry points of the media service: uploads (streamed or presigned), metadata, short-lived links."""
from __future__ import annotations

from flask import current_app, redirect, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_principal
from services.common.settings import get_int

from . import usecases
from .schemas import MediaSchema, PresignedUploadSchema, PresignSchema
from .upload_stream import file_part

blp = Blueprint("media", __name__, url_prefix="/api/media/v1", description="Photo and video evidence")


def ctx():
    return current_app.extensions["media"]


def _limit_anonymous() -> None:
    """Citizens upload without an account: count their uploads per address."""
    if current_principal(optional=True) is not None:
        return
    address = request.headers.get("X-Real-IP") or request.remote_addr or "?"
    ctx().rate_limiter.enforce("uploads", address, limit=get_int("ASHYQ_MEDIA_UPLOADS_PER_HOUR"),
                               window_seconds=3600)


@blp.route("/uploads")
class Uploads(MethodView):
    @blp.response(201, MediaSchema)
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}})
    def post(self):
        """Upload a photo or a short video (multipart, field `file`), streamed to storage and checked by content.

        201 once the original is stored privately and checked (`quarantined`; `stored` when the worker has
        made the public copy — poll GET /media/{id}); 413 too large; 415 not an accepted type (with
        `detected_type`); 422 empty, truncated or corrupt; 429 too many anonymous uploads; 503 storage
        unavailable (nothing is kept)."""
        _limit_anonymous()
        c = ctx()
        request.max_content_length = c.limits.largest + usecases.MULTIPART_OVERHEAD
        chunks = file_part(request.stream, request.headers.get("Content-Type", ""))
        return usecases.upload_direct(c, chunks, content_length=request.content_length)


@blp.route("/uploads/presign")
class PresignedUploads(MethodView):
    @blp.arguments(PresignSchema)
    @blp.response(201, PresignedUploadSchema)
    def post(self, body):
        """Start a large upload straight to storage: PUT the bytes to `upload_url`, then call /complete
        (processing also starts by itself when storage reports the object)."""
        _limit_anonymous()
        return usecases.presign_upload(ctx(), kind=body["kind"], size=body["size"])


@blp.route("/uploads/<uuid:media_id>/complete")
class CompleteUpload(MethodView):
    @blp.response(200, MediaSchema)
    @blp.alt_response(202, schema=MediaSchema, description="being checked by another worker")
    def post(self, media_id):
        """Check and store a presigned upload (once, however many times it is called)."""
        media, _ = usecases.complete_upload(ctx(), str(media_id))
        return media, (202 if media["state"] == "quarantined" else 200)


@blp.route("/media/<uuid:media_id>")
class Media(MethodView):
    @blp.response(200, MediaSchema)
    def get(self, media_id):
        """Metadata: type, size, dimensions, duration, state, SHA-256 of the original."""
        return usecases.get_media(ctx(), str(media_id))


REDIRECT_HEADERS = {
    "Location": {"description": "the short-lived (presigned) storage URL", "schema": {"type": "string", "format": "uri"}},
    "Cache-Control": {"description": "`private, max-age=60`", "schema": {"type": "string"}},
}


def _see_other(url: str):
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@blp.route("/media/<uuid:media_id>/content")
class Content(MethodView):
    @blp.response(302, description="to a short-lived URL of the public copy (metadata removed)", headers=REDIRECT_HEADERS)
    def get(self, media_id):
        """The public copy."""
        return _see_other(usecases.public_url(ctx(), str(media_id), "content"))


@blp.route("/media/<uuid:media_id>/thumbnail")
class Thumbnail(MethodView):
    @blp.response(302, description="to a short-lived URL of the thumbnail (≤ 320 px)", headers=REDIRECT_HEADERS)
    def get(self, media_id):
        """The thumbnail (a video's from its poster frame)."""
        return _see_other(usecases.public_url(ctx(), str(media_id), "thumbnail"))


@blp.route("/media/<uuid:media_id>/poster")
class Poster(MethodView):
    @blp.response(302, description="to a short-lived URL of a video's poster frame", headers=REDIRECT_HEADERS)
    def get(self, media_id):
        """A video's poster frame."""
        return _see_other(usecases.public_url(ctx(), str(media_id), "poster"))


@blp.route("/media/<uuid:media_id>/original")
class Original(MethodView):
    @blp.response(302, description="to a short-lived URL of the untouched original", headers=REDIRECT_HEADERS)
    def get(self, media_id):
        """The untouched original: operators, and staff of the institution an appeal with it is about."""
        principal = current_principal()
        return _see_other(usecases.original_url(ctx(), str(media_id), role=principal.role,
                                                institution_id=principal.institution_id))

